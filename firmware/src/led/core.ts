// The status LEDs' state machine, sans I/O: the unit's state as the daemon reports it, and identify, which
// overrides it until a deadline. Every input takes the time (the caller's clock) and returns the state to
// show when it changed; nextDeadline() says when to call tick() so identify ends on time.
import type { LedState } from "./patterns.js";

export type BaseState = Exclude<LedState, "identify">;

export interface LedCoreStatus {
  /** The unit's own state. */
  state: BaseState;
  /** What the LEDs show: the state, or identify while it lasts. */
  shown: LedState;
  identifyRemainingMs: number | null;
}

export class LedCore {
  private state: BaseState;
  private identifyUntil: number | null = null;
  private shown: LedState | null = null;

  constructor(initial: BaseState = "booting") {
    this.state = initial;
  }

  /** The first state to show (call once, at start). */
  start(now: number): LedState {
    this.shown = this.current(now);
    return this.shown;
  }

  set(state: BaseState, now: number): LedState | null {
    this.state = state;
    return this.update(now);
  }

  /** Identify for `ms` from now (a new request replaces the running one; 0 ends it). */
  identify(ms: number, now: number): LedState | null {
    this.identifyUntil = ms > 0 ? now + ms : null;
    return this.update(now);
  }

  tick(now: number): LedState | null {
    return this.update(now);
  }

  nextDeadline(): number | null {
    return this.identifyUntil;
  }

  status(now: number): LedCoreStatus {
    const until = this.identifyUntil;
    return {
      state: this.state,
      shown: this.current(now),
      identifyRemainingMs: until !== null && until > now ? until - now : null,
    };
  }

  private current(now: number): LedState {
    return this.identifyUntil !== null && now < this.identifyUntil ? "identify" : this.state;
  }

  private update(now: number): LedState | null {
    if (this.identifyUntil !== null && now >= this.identifyUntil) this.identifyUntil = null;
    const next = this.current(now);
    if (next === this.shown) return null;
    this.shown = next;
    return next;
  }
}
