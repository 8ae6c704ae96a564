// `iss dir import`: adds many entries with a few requests in flight; an entry whose parent is still in flight
// waits for it. Counts what was added and collects every failure with the LDIF line of its record.
import type { Entry } from "../../directory/model/types.js";
import type { DirSession } from "./session.js";
import { dnKey, parentKey } from "./tree-order.js";

export interface ImportItem {
  entry: Entry;
  line: number;
}

export interface ImportResult {
  added: number;
  /** sorted by line */
  failures: { line: number; error: Error }[];
  elapsedMs: number;
}

function safely(key: (dn: string) => string, dn: string): string {
  try {
    return key(dn);
  } catch {
    return dn.toLowerCase();
  }
}

export async function importEntries(
  session: DirSession,
  items: readonly ImportItem[],
  inFlight = 8,
): Promise<ImportResult> {
  const started = performance.now();
  const byDn = new Map<string, Promise<void>>();
  const running = new Set<Promise<void>>();
  const failures: ImportResult["failures"] = [];
  let added = 0;
  for (const { entry, line } of items) {
    while (running.size >= inFlight) await Promise.race(running);
    await byDn.get(safely(parentKey, entry.dn));
    const request: Promise<void> = session
      .run((client) => client.add(entry))
      .then(
        () => void added++,
        (error: unknown) =>
          void failures.push({ line, error: error instanceof Error ? error : new Error(String(error)) }),
      )
      .finally(() => running.delete(request));
    running.add(request);
    byDn.set(safely(dnKey, entry.dn), request);
  }
  await Promise.all(running);
  failures.sort((a, b) => a.line - b.line);
  return { added, failures, elapsedMs: performance.now() - started };
}
