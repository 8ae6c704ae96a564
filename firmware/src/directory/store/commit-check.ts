// Checks shared by both store implementations before anything is written: a commit's CSNs continue the log
// without a gap, keys and index terms are not empty, a full refresh's CSN is a CSN. Pure.
import type { Change } from "../model/types.js";
import { StoreError } from "./store.js";

/** Throws unless changes are lastCsn+1, lastCsn+2, ... */
export function checkSequence(lastCsn: number, changes: readonly Change[]): void {
  let expected = lastCsn + 1;
  for (const change of changes) {
    if (change.csn !== expected) {
      throw new StoreError("sequence", `change csn ${change.csn} out of sequence (expected ${expected})`);
    }
    expected++;
  }
}

export function checkKey(key: string, what: "key" | "index term"): void {
  if (key.length === 0) throw new StoreError("key", `empty ${what}`);
}

export function checkCsn(csn: number): void {
  if (!Number.isSafeInteger(csn) || csn < 0) throw new StoreError("sequence", `bad csn ${csn}`);
}

/** The oldest CSN a log of [oldest, last] keeps when trimmed to `size` changes. */
export function oldestKept(oldest: number, last: number, size: number): number {
  return Math.max(oldest, last - size + 1);
}

/** run() once check() passed; a check's error becomes the rejection. */
export function afterChecks(check: () => void, run: () => Promise<void>): Promise<void> {
  try {
    check();
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  return run();
}
