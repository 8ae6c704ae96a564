// The test backend: an LED that records what it was asked to show and when, on an injected clock, and says
// whether it is lit at any time since. The LED tests drive the state machine and the driver through it.
import type { Clock } from "../rmtp/io/clock.js";
import type { LedLine } from "./line.js";
import { litAt, type Pattern } from "./patterns.js";

export class MemoryLedLine implements LedLine {
  readonly history: Array<{ at: number; pattern: Pattern }> = [];

  constructor(
    readonly where: string,
    private readonly clock: Clock,
  ) {}

  show(p: Pattern): void {
    if (this.history.at(-1)?.pattern.name === p.name) return;
    this.history.push({ at: this.clock.now(), pattern: p });
  }

  close(): void {}

  current(): Pattern | undefined {
    return this.history.at(-1)?.pattern;
  }

  /** Lit at time `t` by the pattern in force then (dark before the first). */
  litAt(t: number): boolean {
    const entry = this.history.findLast((h) => h.at <= t);
    return entry ? litAt(entry.pattern, t - entry.at) : false;
  }
}
