// Garbage-collection pauses of this process, kept for the last minute from V8's performance entries, so a
// stall of the event loop (the SM's VRRP adverts late) can be logged with how much of it was GC.
import {
  constants,
  PerformanceObserver,
  performance,
  type NodeGCPerformanceDetail,
  type PerformanceEntry,
} from "node:perf_hooks";

export interface GcWithin {
  /** Total time in GC pauses that overlap the window. */
  gcMs: number;
  longestMs: number;
  /** How many of them were full (mark-compact) collections. */
  major: number;
}

const keepMs = 60_000;

export class GcMonitor {
  private readonly pauses: Array<{ start: number; end: number; major: boolean }> = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.record(entry);
  });

  constructor() {
    this.observer.observe({ entryTypes: ["gc"] });
  }

  /** GC pauses overlapping [from, to], in Date.now() milliseconds. */
  within(from: number, to: number): GcWithin {
    let gcMs = 0;
    let longestMs = 0;
    let major = 0;
    for (const p of this.pauses) {
      const overlap = Math.min(p.end, to) - Math.max(p.start, from);
      if (overlap <= 0) continue;
      gcMs += overlap;
      longestMs = Math.max(longestMs, p.end - p.start);
      if (p.major) major++;
    }
    return { gcMs: Math.round(gcMs), longestMs: Math.round(longestMs), major };
  }

  close(): void {
    this.observer.disconnect();
  }

  private record(entry: PerformanceEntry): void {
    const start = performance.timeOrigin + entry.startTime;
    const kind = (entry as PerformanceEntry & { detail?: NodeGCPerformanceDetail }).detail?.kind;
    this.pauses.push({
      start,
      end: start + entry.duration,
      major: kind === constants.NODE_PERFORMANCE_GC_MAJOR,
    });
    const horizon = Date.now() - keepMs;
    while (this.pauses.length > 0 && this.pauses[0]!.end < horizon) this.pauses.shift();
  }
}
