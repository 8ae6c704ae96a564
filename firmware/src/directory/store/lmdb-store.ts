// The directory store on disk (lmdb): entries (tree key -> Entry, msgpack), longKeys (hashed lmdb key -> the
// tree key it stands for), index (dupSort: term -> lmdb keys of entries), changes (CSN -> Change) and meta
// (lastCsn), all in one lmdb environment so one transaction changes them together. Commits queue up and
// go to lmdb in groups (group commit): one write transaction per group, a child transaction per commit
// (a failing commit rolls back alone), and each commit resolves only when its group is on disk (fdatasync).
import { mkdirSync } from "node:fs";
import { open, type Database } from "lmdb";
import type { Change, Entry } from "../model/types.js";
import { afterChecks, checkCsn, checkKey, checkSequence, oldestKept } from "./commit-check.js";
import { inKeyOrder, isHashed, lmdbKey, prefixRange } from "./lmdb-keys.js";
import { StoreError, type DirectoryStore, type EntryWrite, type StoreOptions } from "./store.js";

interface Job {
  apply(): void;
  resolve(): void;
  reject(error: unknown): void;
}

/** How long to wait for lmdb to report the cause of a failed commit before reporting it without. */
const causeWaitMs = 1000;

export function openLmdbStore(path: string, options: StoreOptions): DirectoryStore {
  mkdirSync(path, { recursive: true });
  const root = open<unknown, string>(path, {
    maxDbs: 8,
    noSubdir: false,
    // commits are grouped here, not by event turn (lmdb's event-turn batch leaves a rejection unhandled
    // when a commit fails)
    eventTurnBatching: false,
    // plain LMDB durability: a transaction commits only after fdatasync of its pages and a synchronous
    // write of the meta page; measured 3-4x the commits/s of lmdb's overlapping sync (whose flush lags)
    overlappingSync: false,
    // one fixed mapping: when lmdb grows its map it maps the file again and the old pages stay resident,
    // which counted the database about twice in the daemon's RSS (175 MB of mappings for a 94 MB file at
    // 10^5 entries); 1 GiB of address space holds about 10^6 entries at that size
    mapSize: 1 << 30,
  });
  const entries: Database<Entry, Buffer> = root.openDB("entries", { keyEncoding: "binary" });
  const longKeys: Database<string, Buffer> = root.openDB("longKeys", {
    keyEncoding: "binary",
    encoding: "string",
  });
  const index: Database<Buffer, Buffer> = root.openDB("index", {
    keyEncoding: "binary",
    encoding: "binary",
    dupSort: true,
  });
  const changes: Database<Change, number> = root.openDB("changes", {});
  const meta: Database<number, string> = root.openDB("meta", {});

  const queue: Job[] = [];
  let draining: Promise<void> | undefined;
  let closed = false;

  function open_(): void {
    if (closed) throw new StoreError("closed", "store is closed");
  }

  function lastCsn(): number {
    return meta.get("lastCsn") ?? 0;
  }

  function oldestCsn(): number {
    for (const csn of changes.getKeys({ limit: 1 })) return csn;
    return lastCsn() + 1;
  }

  function keyOf(stored: Buffer, transaction?: ReturnType<typeof root.useReadTransaction>): string {
    if (!isHashed(stored)) return stored.toString("utf8");
    const key = longKeys.get(stored, { transaction });
    if (key === undefined) throw new StoreError("io", "store is inconsistent: a long key is missing");
    return key;
  }

  function termsOf(entry: Entry | undefined): Set<string> {
    return new Set(entry ? options.indexTerms(entry) : []);
  }

  function check(write: EntryWrite): void {
    checkKey(write.key, "key");
    for (const term of termsOf(write.entry)) checkKey(term, "index term");
  }

  /** Inside a write transaction: one entry write with its index terms. */
  function applyWrite({ key, entry }: EntryWrite): void {
    const stored = lmdbKey(key);
    const old = entries.get(stored);
    for (const term of termsOf(old)) index.removeSync(lmdbKey(term), stored);
    if (entry === undefined) {
      entries.removeSync(stored);
      if (isHashed(stored)) longKeys.removeSync(stored);
      return;
    }
    entries.putSync(stored, entry);
    if (isHashed(stored)) longKeys.putSync(stored, key);
    for (const term of termsOf(entry)) index.putSync(lmdbKey(term), stored);
  }

  /** Inside a write transaction: append to the change log, move lastCsn, trim the log. */
  function appendLog(appended: Change[]): void {
    const last = appended.at(-1)?.csn;
    if (last === undefined) return;
    for (const change of appended) changes.putSync(change.csn, change);
    meta.putSync("lastCsn", last);
    const first = oldestCsn();
    const keep = oldestKept(first, last, options.changeLogSize);
    for (let csn = first; csn < keep; csn++) changes.removeSync(csn);
  }

  function enqueue(apply: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      queue.push({ apply, resolve, reject });
      draining ??= drain();
    });
  }

  async function drain(): Promise<void> {
    // let every commit of this event turn join the group
    await new Promise((resolve) => setImmediate(resolve));
    while (queue.length > 0) await writeGroup(queue.splice(0));
    draining = undefined;
  }

  /** Commits one group; returns when it is committed (visible) and settles its jobs when it is flushed. */
  async function writeGroup(group: Job[]): Promise<void> {
    const failed = new Map<Job, unknown>();
    try {
      await root.transaction(() => {
        for (const job of group) {
          try {
            // inside a transaction, a child transaction runs at once and throws (rolled back) on failure
            void root.childTransaction(() => job.apply());
          } catch (error) {
            failed.set(job, error instanceof StoreError ? error : ioError(error));
          }
        }
      });
    } catch (error) {
      const failure = ioError(await causeOf(error));
      for (const job of group) job.reject(failure);
      return;
    }
    root.flushed.then(
      () => group.forEach((job) => (failed.has(job) ? job.reject(failed.get(job)) : job.resolve())),
      (error: unknown) => group.forEach((job) => job.reject(ioError(error))),
    );
  }

  function ioError(cause: unknown): StoreError {
    const message = cause instanceof Error ? cause.message : String(cause);
    return new StoreError("io", `directory store commit failed: ${message}`, { cause });
  }

  /** lmdb rejects a failed commit with a generic error whose commitError promise holds the cause. */
  async function causeOf(error: unknown): Promise<unknown> {
    const detail = (error as { commitError?: Promise<unknown> }).commitError;
    if (!detail) return error;
    const timeout = new Promise((resolve) => setTimeout(() => resolve(error), causeWaitMs).unref());
    return Promise.race([
      detail.then(
        () => error,
        (cause: unknown) => cause,
      ),
      timeout,
    ]);
  }

  function* rangeOf(prefix: string): Generator<{ key: string; entry: Entry }> {
    const transaction = root.useReadTransaction();
    try {
      const records = entries
        .getRange({ ...prefixRange(prefix), transaction })
        .map(({ key, value }) => ({ lmdbKey: key, key: keyOf(key, transaction), entry: value }));
      for (const { key, entry } of inKeyOrder(records)) if (key.startsWith(prefix)) yield { key, entry };
    } finally {
      transaction.done();
    }
  }

  return {
    lastCsn() {
      open_();
      return lastCsn();
    },
    oldestCsn() {
      open_();
      return oldestCsn();
    },
    count() {
      open_();
      return (entries.getStats() as { entryCount: number }).entryCount;
    },
    get(key) {
      open_();
      return key === "" ? undefined : entries.get(lmdbKey(key));
    },
    range(prefix) {
      open_();
      return rangeOf(prefix);
    },
    lookup(term) {
      open_();
      if (term === "") return [];
      const records = [...index.getValues(lmdbKey(term))].map((stored) => ({
        lmdbKey: stored,
        key: keyOf(stored),
      }));
      return [...inKeyOrder(records)].map((r) => r.key);
    },
    commit(appended, writes) {
      return afterChecks(
        () => {
          open_();
          writes.forEach(check);
        },
        () =>
          enqueue(() => {
            checkSequence(lastCsn(), appended);
            writes.forEach(applyWrite);
            appendLog(appended);
          }),
      );
    },
    changesSince(have, limit) {
      open_();
      const last = lastCsn();
      if (have > last || have + 1 < oldestCsn()) return undefined;
      if (limit <= 0) return [];
      return [...changes.getRange({ start: have + 1, limit })].map(({ value }) => value);
    },
    replaceAll(all, csn) {
      return afterChecks(
        () => {
          open_();
          checkCsn(csn);
          all.forEach(check);
        },
        () =>
          enqueue(() => {
            for (const db of [entries, longKeys, index, changes]) db.clearSync();
            all.forEach(applyWrite);
            meta.putSync("lastCsn", csn);
          }),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      await draining;
      await root.close();
    },
  };
}
