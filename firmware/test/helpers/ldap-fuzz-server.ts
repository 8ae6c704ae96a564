// The live LDAP server the fuzz test attacks: the SM's directory (memory store, overlay view, SmDirectory
// with a link that acknowledges every multicast at once) seeded with the example LAN through sm.write, and
// the ldapjs service in front of it with a read-only and a write user and anonymous reads allowed. Also
// the directory snapshot (every entry and the last CSN) the test compares before and after.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TreeContext } from "../../src/directory/core/apply-op.js";
import { indexTermsFor } from "../../src/directory/core/index-terms.js";
import { OverlayView } from "../../src/directory/core/view.js";
import { DirectoryLdapService } from "../../src/directory/ldap/ldap-server.js";
import { parseLdif } from "../../src/directory/ldif/parse.js";
import { loadIssSchema } from "../../src/directory/model/schema.js";
import type { Entry } from "../../src/directory/model/types.js";
import { SmDirectory } from "../../src/directory/service/sm-directory.js";
import { openMemoryStore } from "../../src/directory/store/memory-store.js";
import { Logger, type LogRecord } from "../../src/log/logger.js";
import { READER, SUFFIX, WRITER } from "./ldap-fuzz-seeds.js";

export interface Snapshot {
  lastCsn: number;
  count: number;
  entries: Array<{ key: string; entry: Entry }>;
}

export interface FuzzDirectory {
  ctx: TreeContext;
  sm: SmDirectory;
  snapshot(): Snapshot;
}

/** The example LAN's entries, parents before children. */
export function exampleEntries(): Entry[] {
  const path = fileURLToPath(new URL("../../../../firmware/schema/example-lan.ldif", import.meta.url));
  return parseLdif(readFileSync(path, "utf8")).flatMap((r) => (r.kind === "entry" ? [r.entry] : []));
}

/** An SM directory in memory holding the example LAN (one change per entry). */
export async function exampleDirectory(log: Logger): Promise<FuzzDirectory> {
  const schema = loadIssSchema();
  const ctx = { schema, suffix: schema.dn(SUFFIX) };
  const indexTerms = indexTermsFor(schema);
  const view = new OverlayView(openMemoryStore({ changeLogSize: 1_000_000, indexTerms }), indexTerms);
  const sm = new SmDirectory({
    ctx,
    view,
    link: { send: () => Promise.resolve() },
    log,
    node: { id: 1, name: "iss-sm1", address: "127.0.0.1" },
  });
  for (const entry of exampleEntries()) await sm.write({ type: "add", ...entry });
  const snapshot = (): Snapshot => ({
    lastCsn: view.store.lastCsn(),
    count: view.store.count(),
    entries: [...view.range(ctx.suffix.key)].map(({ key, entry }) => ({
      key,
      entry: structuredClone(entry),
    })),
  });
  return { ctx, sm, snapshot };
}

/** Counts of the server's log events by level and event name. */
export class LogTally {
  readonly counts = new Map<string, number>();
  readonly warnings: LogRecord[] = [];

  readonly sink = (record: LogRecord): void => {
    const key = `${record.level} ${record.event}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if ((record.level === "warn" || record.level === "error") && this.warnings.length < 20)
      this.warnings.push(record);
  };

  count(level: string, event: string): number {
    return this.counts.get(`${level} ${event}`) ?? 0;
  }
}

export interface FuzzServer extends FuzzDirectory {
  service: DirectoryLdapService;
  port: number;
  tally: LogTally;
  close(): Promise<void>;
}

export async function startFuzzServer(o: {
  maxPduBytes: number;
  idleTimeoutMs: number;
}): Promise<FuzzServer> {
  const tally = new LogTally();
  const log = new Logger("ldap-fuzz", tally.sink, "debug");
  const dir = await exampleDirectory(log.child("directory"));
  const service = await DirectoryLdapService.start(
    { ctx: dir.ctx, view: dir.sm.view, write: (op) => dir.sm.write(op) },
    {
      address: "127.0.0.1",
      port: 0,
      users: [
        { dn: READER.dn, password: Buffer.from(READER.password), access: "read" },
        { dn: WRITER.dn, password: Buffer.from(WRITER.password), access: "write" },
      ],
      anonymousRead: true,
      sizeLimit: 500,
      timeLimitSeconds: 5,
      maxConnections: 256,
      maxPduBytes: o.maxPduBytes,
      idleTimeoutMs: o.idleTimeoutMs,
      log: log.child("ldap"),
    },
  );
  const port = service.ports[0];
  if (port === undefined) throw new Error("the LDAP service reports no port");
  return {
    ...dir,
    service,
    port,
    tally,
    close: async () => {
      await service.close();
      dir.sm.close();
    },
  };
}
