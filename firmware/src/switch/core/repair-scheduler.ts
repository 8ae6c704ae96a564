// When to repair drift, sans-I/O: a notification about a managed object schedules a repair after a short
// settle time (a burst of notifications, as `ip link del` makes, gives one repair); a notification during a
// repair asks for one more after it; a failed repair is retried once after the settle time (its read may
// have caught a change half made, as a port leaving the bridge before its groups go), and a second failure
// in a row backs off so a change the kernel keeps refusing does not spin. Time comes in as `now` (ms); the output is when to wake and whether to repair.
export interface SchedulerParams {
  settleMs: number;
  backoffMs: number;
}

export type Wake = { at: number } | null;

export class RepairScheduler {
  private dueAt: number | null = null;
  private running = false;
  private again = false;
  private notBefore = 0;
  private failures = 0;

  constructor(private readonly params: SchedulerParams) {}

  /** Something managed changed (or notifications were lost). */
  onNotification(now: number): Wake {
    if (this.running) {
      this.again = true;
      return null;
    }
    this.dueAt ??= Math.max(now + this.params.settleMs, this.notBefore);
    return { at: this.dueAt };
  }

  /** A wake-up: "repair" when the repair should run now, else when to wake again (timers may fire early). */
  onWake(now: number): "repair" | Wake {
    if (this.running || this.dueAt === null) return null;
    if (now < this.dueAt) return { at: this.dueAt };
    this.dueAt = null;
    this.running = true;
    this.again = false;
    return "repair";
  }

  onRepairDone(now: number, ok: boolean): Wake {
    this.running = false;
    this.failures = ok ? 0 : this.failures + 1;
    if (this.failures >= 2) this.notBefore = now + this.params.backoffMs;
    if (!this.again && ok) return null;
    this.again = false;
    this.dueAt = Math.max(now + this.params.settleMs, this.notBefore);
    return { at: this.dueAt };
  }
}
