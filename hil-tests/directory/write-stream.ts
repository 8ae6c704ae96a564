// Runs ldap-writer.js inside a board's namespace against the SM (its address or the virtual one) and keeps the client history: every
// operation with its outcome, so a test can check afterwards that each acknowledged write is present.
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import type { Lab } from "../lab/index.js";
import { labAdminDn } from "../lab/configs.js";

export interface WriteRecord {
  op: "add" | "modify";
  dn: string;
  size: number;
  outcome: "acked" | "refused" | "unknown";
  code?: number;
  /** When the request was sent and when its answer (or failure) came, by the lab machine's wall clock. */
  sent: number;
  at: number;
}

export interface WriteStream {
  records: WriteRecord[];
  acked(): number;
  done: Promise<WriteRecord[]>;
  stop(): void;
}

const writerScript = fileURLToPath(new URL("./ldap-writer.js", import.meta.url));

export function startWriteStream(
  lab: Lab,
  options: { from: number; prefix: string; count: number; clients: number; to?: string },
): WriteStream {
  const state = lab.describe();
  const to = options.to ?? lab.board(1).address;
  const child = lab.spawnInBoard(options.from, [
    process.execPath,
    writerScript,
    `ldap://${to}:389`,
    labAdminDn,
    state.directoryPasswordFile,
    options.prefix,
    String(options.count),
    String(options.clients),
  ]);
  const records: WriteRecord[] = [];
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  lines.on("line", (line) => {
    const r = JSON.parse(line) as WriteRecord | { done: true };
    if (!("done" in r)) records.push(r);
  });
  const done = new Promise<WriteRecord[]>((resolve, reject) =>
    child.on("close", (code) =>
      code === 0 ? resolve(records) : reject(new Error(`ldap-writer exited ${code}: ${stderr}`)),
    ),
  );
  return {
    records,
    acked: () => records.filter((r) => r.outcome === "acked").length,
    done,
    stop: () => child.kill("SIGTERM"),
  };
}

/**
 * What the history proves must be on a replica: for each DN the size of its last acknowledged write
 * (an unacknowledged later write may have happened too, so the replica may also hold that one's size).
 */
export function expectedSizes(
  records: readonly WriteRecord[],
): Map<string, { acked: number; maybe: number[] }> {
  const out = new Map<string, { acked: number; maybe: number[] }>();
  for (const r of records) {
    const e = out.get(r.dn) ?? { acked: -1, maybe: [] };
    if (r.outcome === "acked") e.acked = r.size;
    else if (r.outcome === "unknown") e.maybe.push(r.size);
    out.set(r.dn, e);
  }
  return out;
}
