// The seeded pseudo-random generator of the property and fuzz tests (mulberry32): small, fast, and the same
// sequence for the same seed, so a failing case can be replayed from the seed a test prints.
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n), for n up to 2^53. */
  below(n: number): number {
    if (n <= 2 ** 32) return Math.floor((this.u32() / 2 ** 32) * n);
    return ((this.u32() & 0x1fffff) * 2 ** 32 + this.u32()) % n;
  }

  /** An integer in [lo, hi], one time in four at an end of the range. */
  range(lo: number, hi: number): number {
    const edge = this.below(8);
    if (edge === 0) return lo;
    if (edge === 1) return hi;
    return lo + this.below(hi - lo + 1);
  }

  chance(oneIn: number): boolean {
    return this.below(oneIn) === 0;
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new RangeError("pick from an empty list");
    return item;
  }
}
