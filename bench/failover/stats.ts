// The failover benchmark's arithmetic over client histories and timings: percentile summaries of cycle
// times, the first write acknowledged by the new SM, and the longest time without any acknowledgement. Pure.
import { percentile, round } from "../rmtp/stats.js";

export interface Summary {
  /** Cycles that produced the figure, and cycles that did not (no takeover, or an error). */
  n: number;
  missing: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** Nearest-rank p50/p99 and the maximum of the figures that exist; null counts as missing. */
export function summarize(values: ReadonlyArray<number | null | undefined>): Summary {
  const present = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const sorted = [...present].sort((a, b) => a - b);
  const at = (p: number): number | null => (sorted.length === 0 ? null : round(percentile(sorted, p), 1));
  return {
    n: sorted.length,
    missing: values.length - sorted.length,
    p50Ms: at(50),
    p99Ms: at(99),
    maxMs: sorted.length === 0 ? null : round(sorted[sorted.length - 1]!, 1),
  };
}

/** One client operation: when it was sent, when its answer came, and the answer. */
export interface Outcome {
  sent: number;
  at: number;
  outcome: string;
}

/**
 * When the first write sent at or after `sentFrom` was acknowledged, counting only acknowledgements from
 * `ackedFrom` (the new SM took the role: an earlier one came from the old SM) up to `ackedBefore` (the new
 * SM left the role again, if it did); null if none.
 */
export function firstAcked(
  records: readonly Outcome[],
  sentFrom: number,
  ackedFrom: number,
  ackedBefore = Infinity,
): number | null {
  return firstAckedRecord(records, sentFrom, ackedFrom, ackedBefore)?.at ?? null;
}

/** firstAcked's write itself (when it was sent and acknowledged), or null. */
export function firstAckedRecord(
  records: readonly Outcome[],
  sentFrom: number,
  ackedFrom: number,
  ackedBefore = Infinity,
): Outcome | null {
  let first: Outcome | null = null;
  for (const r of records) {
    if (r.outcome !== "acked" || r.sent < sentFrom || r.at < ackedFrom || r.at >= ackedBefore) continue;
    if (first === null || r.at < first.at) first = r;
  }
  return first;
}

/**
 * The longest time without any acknowledgement around a fault at `from` that ended with the new SM's first
 * acknowledgement at `until`: from the last acknowledgement at or before `from` (or `from` itself) through
 * every acknowledgement up to `until`. Null when there was no `until`.
 */
export function longestGap(records: readonly Outcome[], from: number, until: number | null): number | null {
  if (until === null) return null;
  const acks = records.filter((r) => r.outcome === "acked").map((r) => r.at);
  const before = acks.filter((t) => t <= from);
  const start = before.length > 0 ? Math.max(...before) : from;
  const points = [start, ...acks.filter((t) => t > start && t < until), until].sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < points.length; i++) gap = Math.max(gap, points[i]! - points[i - 1]!);
  return gap;
}

/** Milliseconds from `from` to `to`, or null when `to` is missing. */
export function since(from: number, to: number | null | undefined): number | null {
  return to === null || to === undefined ? null : to - from;
}
