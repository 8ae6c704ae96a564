// The directory's durable store as one interface: entries by tree key, an index of terms, the change log by
// change sequence number (CSN) and the last CSN, all changed together by atomic commits. Two implementations:
// lmdb-store.ts (on disk, crash-safe) and memory-store.ts (no I/O, for simulation tests).
import type { Change, Entry } from "../model/types.js";

/** One entry write of a commit: `entry` undefined deletes the entry at `key`. */
export interface EntryWrite {
  key: string;
  entry: Entry | undefined;
}

export interface DirectoryStore {
  /** CSN of the last committed change (0 when empty). */
  lastCsn(): number;
  /** Oldest CSN still in the change log (lastCsn()+1 when the log is empty). */
  oldestCsn(): number;
  /** Number of entries. */
  count(): number;
  get(key: string): Entry | undefined;
  /** Entries whose key starts with prefix, in key order (Unicode code point order; keys are "seg\u0001seg\u0001..."
   *  tree keys). Iterates one consistent snapshot. */
  range(prefix: string): Iterable<{ key: string; entry: Entry }>;
  /** Keys of entries that have an index term (term strings are made by the injected indexTerms function), in
   *  key order. */
  lookup(term: string): string[];
  /** Atomically: apply writes (and their index terms), append changes to the change log, set lastCsn to the last
   *  change's csn; trims the log to the configured size. Resolves only when durable on disk (fsync'd).
   *  Writes in one call are applied in order (the same key may appear twice). Concurrent calls commit in
   *  call order. The changes' CSNs must continue lastCsn without a gap (lastCsn()+1, +2, ...; a commit
   *  without changes leaves lastCsn as it is). Rejects with a StoreError (and changes nothing) on failure:
   *  a CSN out of sequence, an empty key or term, ENOSPC, an I/O error. */
  commit(changes: Change[], writes: EntryWrite[]): Promise<void>;
  /** Changes with csn > have, at most `limit`, or undefined if the log no longer reaches back to have+1 (or
   *  have is beyond lastCsn: only a full refresh reconciles a replica that is ahead). */
  changesSince(have: number, limit: number): Change[] | undefined;
  /** Full refresh: atomically replace every entry with these and set lastCsn = csn, clear the change log
   *  (the log restarts after csn). Durable when it resolves. Ordered with commit() calls. */
  replaceAll(entries: { key: string; entry: Entry }[], csn: number): Promise<void>;
  /** Waits for queued commits, then closes; every other call fails afterwards. */
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Keep at most this many changes. */
  changeLogSize: number;
  /** Which terms index an entry (e.g. "issContentId\u0001<norm>"). */
  indexTerms(entry: Entry): string[];
}

/** Why a store operation failed: a caller's mistake (sequence, key), the disk (io), or a closed store. */
export type StoreFailure = "sequence" | "key" | "io" | "closed";

export class StoreError extends Error {
  constructor(
    readonly failure: StoreFailure,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = "StoreError";
  }
}
