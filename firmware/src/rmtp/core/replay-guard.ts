// Anti-replay check for authenticated frames: per source member, the newest incarnation seen and a
// sliding window over its packet numbers. Older incarnations and packet numbers seen before are refused.

const WINDOW = 4096;

interface SourceState {
  incarnation: number;
  highest: number;
  seen: Uint8Array;
}

export type ReplayVerdict = "fresh" | "replayed" | "old-incarnation";

export class ReplayGuard {
  private readonly sources = new Map<number, SourceState>();

  /** Records that `incarnation` is current for `source` (learnt from the manager's announcement). */
  noteIncarnation(source: number, incarnation: number): void {
    const s = this.sources.get(source);
    if (!s || incarnation > s.incarnation) this.sources.set(source, newState(incarnation));
  }

  check(source: number, incarnation: number, packetNumber: number): ReplayVerdict {
    let s = this.sources.get(source);
    if (!s || incarnation > s.incarnation) {
      s = newState(incarnation);
      this.sources.set(source, s);
    } else if (incarnation < s.incarnation) {
      return "old-incarnation";
    }
    if (s.highest >= 0 && packetNumber <= s.highest - WINDOW) return "replayed";
    if (packetNumber > s.highest) {
      const clearFrom = Math.max(s.highest + 1, packetNumber - WINDOW + 1);
      for (let p = clearFrom; p <= packetNumber; p++) s.seen[p % WINDOW] = 0;
      s.highest = packetNumber;
    }
    const slot = packetNumber % WINDOW;
    if (s.seen[slot] === 1) return "replayed";
    s.seen[slot] = 1;
    return "fresh";
  }
}

function newState(incarnation: number): SourceState {
  return { incarnation, highest: -1, seen: new Uint8Array(WINDOW) };
}
