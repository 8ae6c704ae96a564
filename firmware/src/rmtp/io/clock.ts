// Time for the drivers (RMTP, VRRP): the real monotonic clock with setTimeout, never early, and a virtual clock for
// deterministic tests that runs due timers in order when the test advances time.

export interface Clock {
  now(): number;
  setTimer(at: number, callback: () => void): unknown;
  clearTimer(handle: unknown): void;
}

interface RealTimer {
  timeout: NodeJS.Timeout;
}

/**
 * setTimeout counts whole milliseconds from its own reading of the clock and may run up to a millisecond
 * before `at` by performance.now(): a state machine that ignores a timer not yet due would then never see
 * it again. Such a timer is armed again for what is left, so the callback never runs before `at`.
 */
function armRealTimer(timer: RealTimer, at: number, callback: () => void): void {
  timer.timeout = setTimeout(
    () => {
      if (performance.now() < at) armRealTimer(timer, at, callback);
      else callback();
    },
    Math.max(0, Math.ceil(at - performance.now())),
  );
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimer: (at, callback) => {
    const timer = {} as RealTimer;
    armRealTimer(timer, at, callback);
    return timer;
  },
  clearTimer: (handle) => clearTimeout((handle as RealTimer).timeout),
};

interface VirtualTimer {
  at: number;
  order: number;
  callback: () => void;
  cancelled: boolean;
}

function earlier(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}

export class VirtualClock implements Clock {
  private time = 0;
  private order = 0;
  private readonly heap: VirtualTimer[] = [];

  now(): number {
    return this.time;
  }

  setTimer(at: number, callback: () => void): VirtualTimer {
    const timer = { at: Math.max(at, this.time), order: this.order++, callback, cancelled: false };
    this.push(timer);
    return timer;
  }

  clearTimer(handle: unknown): void {
    (handle as VirtualTimer).cancelled = true;
  }

  /** Runs every timer due up to `now + ms`, in time order, then leaves the clock there. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (let next = this.heap[0]; next && next.at <= until; next = this.heap[0]) {
      this.pop();
      if (next.cancelled) continue;
      this.time = next.at;
      next.callback();
    }
    this.time = until;
  }

  private push(t: VirtualTimer): void {
    const h = this.heap;
    h.push(t);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!earlier(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && earlier(h[l]!, h[m]!)) m = l;
      if (r < h.length && earlier(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
