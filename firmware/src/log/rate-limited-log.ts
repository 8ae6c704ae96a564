// Keeps a flood of identical warnings (forged or replayed frames from one source) from filling the log:
// the first few per key and interval are logged, the rest are counted and summarised once per interval.
import type { Logger } from "./logger.js";

export class RateLimitedLog {
  private readonly windows = new Map<string, { start: number; logged: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly perInterval = 5,
    private readonly intervalMs = 10_000,
  ) {}

  warn(key: string, event: string, fields: Record<string, unknown>, now = Date.now()): void {
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.intervalMs) {
      if (w && w.suppressed > 0)
        this.log.warn(`${event}.suppressed`, { key, count: w.suppressed, intervalMs: this.intervalMs });
      w = { start: now, logged: 0, suppressed: 0 };
      this.windows.set(key, w);
    }
    if (w.logged < this.perInterval) {
      w.logged++;
      this.log.warn(event, fields);
    } else {
      w.suppressed++;
    }
  }
}
