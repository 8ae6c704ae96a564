// The directory store in memory, with the same semantics as the lmdb store and no I/O: for simulation tests.
// A commit applies at once when called (so calls apply in call order); entries and changes are copied in and
// out, so callers never share objects with the store.
import type { Change, Entry } from "../model/types.js";
import { afterChecks, checkCsn, checkKey, checkSequence, oldestKept } from "./commit-check.js";
import { compareKeys } from "./key-order.js";
import { StoreError, type DirectoryStore, type EntryWrite, type StoreOptions } from "./store.js";

export function openMemoryStore(options: StoreOptions): DirectoryStore {
  const entries = new Map<string, Entry>();
  const index = new Map<string, Set<string>>();
  const log = new Map<number, Change>();
  let sortedKeys: string[] = [];
  let last = 0;
  let oldest = 1;
  let closed = false;

  function open(): void {
    if (closed) throw new StoreError("closed", "store is closed");
  }

  function lowerBound(key: string): number {
    let lo = 0;
    let hi = sortedKeys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(sortedKeys[mid] ?? "", key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function termsOf(entry: Entry | undefined): Set<string> {
    return new Set(entry ? options.indexTerms(entry) : []);
  }

  function check(write: EntryWrite): void {
    checkKey(write.key, "key");
    for (const term of termsOf(write.entry)) checkKey(term, "index term");
  }

  function apply({ key, entry }: EntryWrite): void {
    const old = entries.get(key);
    for (const term of termsOf(old)) {
      const keys = index.get(term);
      keys?.delete(key);
      if (keys?.size === 0) index.delete(term);
    }
    if (entry === undefined) {
      if (old === undefined) return;
      entries.delete(key);
      sortedKeys.splice(lowerBound(key), 1);
      return;
    }
    if (old === undefined) sortedKeys.splice(lowerBound(key), 0, key);
    const copy = structuredClone(entry);
    entries.set(key, copy);
    addTerms(key, copy);
  }

  function addTerms(key: string, entry: Entry): void {
    for (const term of termsOf(entry)) {
      const keys = index.get(term) ?? new Set<string>();
      keys.add(key);
      index.set(term, keys);
    }
  }

  function appendLog(changes: Change[]): void {
    for (const change of changes) log.set(change.csn, structuredClone(change));
    last = changes.at(-1)?.csn ?? last;
    if (log.size === 0) oldest = last + 1;
    const keep = oldestKept(oldest, last, options.changeLogSize);
    for (; oldest < keep; oldest++) log.delete(oldest);
  }

  return {
    lastCsn() {
      open();
      return last;
    },
    oldestCsn() {
      open();
      return oldest;
    },
    count() {
      open();
      return entries.size;
    },
    get(key) {
      open();
      const entry = entries.get(key);
      return entry && structuredClone(entry);
    },
    range(prefix) {
      open();
      const found: { key: string; entry: Entry }[] = [];
      for (let i = lowerBound(prefix); i < sortedKeys.length; i++) {
        const key = sortedKeys[i] ?? "";
        if (!key.startsWith(prefix)) break;
        const entry = entries.get(key);
        if (entry) found.push({ key, entry: structuredClone(entry) });
      }
      return found;
    },
    lookup(term) {
      open();
      return [...(index.get(term) ?? [])].sort(compareKeys);
    },
    commit(changes, writes) {
      return afterChecks(
        () => {
          open();
          checkSequence(last, changes);
          writes.forEach(check);
        },
        () => {
          writes.forEach(apply);
          appendLog(changes);
          return Promise.resolve();
        },
      );
    },
    changesSince(have, limit) {
      open();
      if (have > last || have + 1 < oldest) return undefined;
      const found: Change[] = [];
      for (let csn = have + 1; csn <= last && found.length < limit; csn++) {
        const change = log.get(csn);
        if (change) found.push(structuredClone(change));
      }
      return found;
    },
    replaceAll(all, csn) {
      return afterChecks(
        () => {
          open();
          checkCsn(csn);
          all.forEach(check);
        },
        () => {
          entries.clear();
          index.clear();
          log.clear();
          for (const { key, entry } of all) entries.set(key, structuredClone(entry));
          sortedKeys = [...entries.keys()].sort(compareKeys);
          for (const [key, entry] of entries) addTerms(key, entry);
          last = csn;
          oldest = csn + 1;
          return Promise.resolve();
        },
      );
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
