// Times the first client write of an SM's term through its steps (taken, committed, replicated to the
// standbys, acknowledged by every member) for the `first-write` log, so a takeover's log says where the
// clients' first wait went. Milliseconds since the SM's directory began.
export class FirstWriteTrace<T> {
  private traced: T | null = null;
  private ended = false;
  private readonly steps: Record<string, number> = {};

  constructor(
    private readonly startedAt: number,
    private readonly now: () => number,
  ) {}

  /** A client write was taken: the first one is traced. */
  take(item: T): void {
    if (this.traced !== null || this.ended) return;
    this.traced = item;
    this.mark("takenMs");
  }

  /** `items` went through step `name`; whether the traced write was among them. */
  step(items: readonly T[], name: string): boolean {
    if (this.traced === null || !items.includes(this.traced)) return false;
    this.mark(name);
    return true;
  }

  /** The last step: the steps when the traced write was among `items` (the trace then ends), else null. */
  finish(items: readonly T[], name: string): Record<string, number> | null {
    if (!this.step(items, name)) return null;
    this.traced = null;
    this.ended = true;
    return { ...this.steps };
  }

  private mark(name: string): void {
    this.steps[name] = Math.round((this.now() - this.startedAt) * 10) / 10;
  }
}
