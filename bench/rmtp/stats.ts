// Small numeric helpers for the benchmark's figures: percentiles, latency summaries, rounding, ratios.
import type { LatencyStamp } from "./protocol.js";

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface LatencySummary {
  /** Small messages sent, and how many of them reached every recipient (all of them for RMTP and TCP). */
  messages: number;
  reachedAll: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  meanMs: number | null;
}

/**
 * Latency of message i = its delivery at the last recipient (the latest stamp over recipients) minus its
 * send time. Messages that did not reach every recipient are left out and counted.
 */
export function summarizeLatency(
  sentAt: readonly number[],
  perRecipient: readonly LatencyStamp[][],
): LatencySummary {
  const latest = new Array<number>(sentAt.length).fill(-Infinity);
  const seen = new Array<number>(sentAt.length).fill(0);
  for (const stamps of perRecipient) {
    const mine = new Set<number>();
    for (const [index, at] of stamps) {
      if (index >= sentAt.length || mine.has(index)) continue;
      mine.add(index);
      seen[index]!++;
      if (at > latest[index]!) latest[index] = at;
    }
  }
  const values: number[] = [];
  for (let i = 0; i < sentAt.length; i++) {
    if (seen[i] === perRecipient.length) values.push(latest[i]! - sentAt[i]!);
  }
  values.sort((a, b) => a - b);
  const ms = (v: number): number | null => (Number.isNaN(v) ? null : round(v, 3));
  return {
    messages: sentAt.length,
    reachedAll: values.length,
    p50Ms: ms(percentile(values, 50)),
    p99Ms: ms(percentile(values, 99)),
    maxMs: ms(values.length > 0 ? values[values.length - 1]! : NaN),
    meanMs: ms(values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : NaN),
  };
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** a / b rounded, or null when either is missing or b is zero. */
export function ratio(a: number | null | undefined, b: number | null | undefined, digits = 2): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  return round(a / b, digits);
}

export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
