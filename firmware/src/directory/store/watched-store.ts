// A DirectoryStore that tells a watcher what changed once it is durable: the writes of each commit, and
// every entry of a full refresh (the switch follows the directory's stream groups this way, whatever the
// board's role). Everything else is the wrapped store's. A watcher must not throw.
import type { Change, Entry } from "../model/types.js";
import type { DirectoryStore, EntryWrite } from "./store.js";

export interface StoreWatcher {
  /** The store as it was opened (read its entries with range("")). */
  opened(store: DirectoryStore): void;
  committed(writes: readonly EntryWrite[]): void;
  /** A full refresh replaced every entry with these. */
  replaced(entries: readonly { key: string; entry: Entry }[]): void;
}

export function watchedStore(store: DirectoryStore, watcher: StoreWatcher): DirectoryStore {
  const watched: DirectoryStore = {
    lastCsn: () => store.lastCsn(),
    oldestCsn: () => store.oldestCsn(),
    count: () => store.count(),
    get: (key) => store.get(key),
    range: (prefix) => store.range(prefix),
    lookup: (term) => store.lookup(term),
    changesSince: (have, limit) => store.changesSince(have, limit),
    async commit(changes: Change[], writes: EntryWrite[]) {
      await store.commit(changes, writes);
      watcher.committed(writes);
    },
    async replaceAll(entries, csn) {
      await store.replaceAll(entries, csn);
      watcher.replaced(entries);
    },
    close: () => store.close(),
  };
  watcher.opened(watched);
  return watched;
}
