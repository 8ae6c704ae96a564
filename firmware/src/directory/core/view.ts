// A directory view: the durable store with an overlay of writes that are not durable yet. On the SM the
// overlay holds changes that were validated and numbered but are still being committed, so the next write
// is checked against them; on an SE it holds changes delivered by RMTP whose local commit is in flight, so
// reads see a change as soon as it was delivered (before the SE's acknowledgement reaches the SM).
import type { DirectoryStore, EntryWrite } from "../store/store.js";
import type { Entry } from "../model/types.js";

interface Pending {
  entry: Entry | undefined;
  refs: number;
}

export interface EntryReader {
  get(key: string): Entry | undefined;
  hasChildren(key: string): boolean;
}

export class OverlayView implements EntryReader {
  private readonly pending = new Map<string, Pending>();

  constructor(
    readonly store: DirectoryStore,
    private readonly indexTerms: (entry: Entry) => string[],
  ) {}

  get(key: string): Entry | undefined {
    const p = this.pending.get(key);
    return p ? p.entry : this.store.get(key);
  }

  /**
   * Entries whose key starts with prefix: store order first, then entries only the overlay has. The result
   * is the view at the first step, however long the caller takes between steps: the store's range reads
   * one snapshot, and the overlay is copied at the same moment. (Reading the overlay at the end instead
   * lost every entry whose commit completed during a long search: the store's snapshot predates it, and
   * the overlay no longer held it.)
   */
  *range(prefix: string): Generator<{ key: string; entry: Entry }> {
    const staged = new Map<string, Entry | undefined>();
    for (const [key, p] of this.pending) if (key.startsWith(prefix)) staged.set(key, p.entry);
    for (const item of this.store.range(prefix)) {
      if (!staged.has(item.key)) {
        yield item;
        continue;
      }
      const entry = staged.get(item.key);
      staged.delete(item.key);
      if (entry) yield { key: item.key, entry };
    }
    for (const [key, entry] of staged) if (entry) yield { key, entry };
  }

  lookup(term: string): string[] {
    if (this.pending.size === 0) return this.store.lookup(term);
    const keys = new Set(this.store.lookup(term).filter((k) => !this.pending.has(k)));
    for (const [key, p] of this.pending) {
      if (p.entry && this.indexTerms(p.entry).includes(term)) keys.add(key);
    }
    return [...keys];
  }

  hasChildren(key: string): boolean {
    for (const item of this.range(key)) if (item.key !== key) return true;
    return false;
  }

  count(): number {
    let n = this.store.count();
    for (const [key, p] of this.pending) {
      const stored = this.store.get(key) !== undefined;
      if (p.entry && !stored) n++;
      else if (!p.entry && stored) n--;
    }
    return n;
  }

  /** Writes that are on their way to the store. */
  stage(writes: readonly EntryWrite[]): void {
    for (const w of writes) {
      const p = this.pending.get(w.key);
      if (p) {
        p.entry = w.entry;
        p.refs++;
      } else this.pending.set(w.key, { entry: w.entry, refs: 1 });
    }
  }

  /** Writes that the store now holds durably: the overlay forgets a key once no later write is staged. */
  settle(writes: readonly EntryWrite[]): void {
    for (const w of writes) {
      const p = this.pending.get(w.key);
      if (p && --p.refs === 0) this.pending.delete(w.key);
    }
  }

  /** Drop every staged write (after a failed commit: the store is the truth again). */
  clear(): void {
    this.pending.clear();
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}
