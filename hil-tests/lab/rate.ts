// Port line rates: parses `--rate` (1gbit, 100mbit, none) and builds the tbf qdisc that gives a veth,
// which has no line rate of its own, the rate of a real switch port.

export const defaultRate = "1gbit";

const unitBits: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9 };
const ratePattern = /^([1-9][0-9]*)(k|m|g)?bit$/;

/** Parses a tc-style rate; `none` (no rate limit) gives null. */
export function parseRate(rate: string): string | null {
  if (rate === "none") return null;
  if (!ratePattern.test(rate))
    throw new Error(`rate '${rate}' must look like 1gbit, 100mbit, 500kbit or be none`);
  return rate;
}

export function rateBitsPerSecond(rate: string): number {
  const match = ratePattern.exec(rate);
  if (!match) throw new Error(`rate '${rate}' must look like 1gbit, 100mbit or 500kbit`);
  return Number(match[1]) * (unitBits[match[2] ?? ""] ?? 1);
}

const fullFrameBytes = 1514;

/**
 * `tc qdisc add` arguments for a root tbf on `dev`: the bucket holds 1 ms of line rate (at least ten
 * full frames), and the queue holds 10 ms, about the 1,000-frame transmit queue of a NIC at 1 Gbit/s.
 */
export function tbfArgs(dev: string, rate: string): string[] {
  const burst = Math.max(Math.round(rateBitsPerSecond(rate) / 8 / 1000), 10 * fullFrameBytes);
  return ["qdisc", "add", "dev", dev, "root", "tbf", "rate", rate, "burst", String(burst), "latency", "10ms"];
}
