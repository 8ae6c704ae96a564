// Drives a board's LEDs from the LED state machine (core.ts) on a clock: shows each state's patterns,
// ends identify on time, and reports what every LED shows.
import type { Clock } from "../rmtp/io/clock.js";
import { LedCore, type BaseState, type LedCoreStatus } from "./core.js";
import type { BoardLedLine } from "./open.js";
import { patternsFor, type LedState, type PatternName } from "./patterns.js";

export interface StatusLedsStatus extends LedCoreStatus {
  leds: Array<{ name: string; label: string; colour: string; pattern: PatternName; where: string }>;
}

export class StatusLeds {
  private readonly core: LedCore;
  private timer: unknown = null;

  constructor(
    private readonly lines: readonly BoardLedLine[],
    private readonly clock: Clock,
    initial: BaseState = "booting",
  ) {
    this.core = new LedCore(initial);
    this.show(this.core.start(clock.now()));
  }

  set(state: BaseState): void {
    this.apply(this.core.set(state, this.clock.now()));
  }

  /** Shows identify for `seconds` (0 ends it); returns when it ends, in ms from now. */
  identify(seconds: number): number {
    const ms = Math.round(seconds * 1000);
    this.apply(this.core.identify(ms, this.clock.now()));
    this.arm();
    return ms;
  }

  status(): StatusLedsStatus {
    const core = this.core.status(this.clock.now());
    const patterns = patternsFor(core.shown);
    return {
      ...core,
      leds: this.lines.map(({ led, line }) => ({
        name: led.name,
        label: led.label,
        colour: led.colour,
        pattern: patterns[led.function].name,
        where: line.where,
      })),
    };
  }

  close(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    for (const { line } of this.lines) line.close();
  }

  private arm(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    const at = this.core.nextDeadline();
    if (at === null) return;
    this.timer = this.clock.setTimer(at, () => {
      this.timer = null;
      this.apply(this.core.tick(this.clock.now()));
      this.arm();
    });
  }

  private apply(state: LedState | null): void {
    if (state !== null) this.show(state);
  }

  private show(state: LedState): void {
    const patterns = patternsFor(state);
    for (const { led, line } of this.lines) line.show(patterns[led.function]);
  }
}
