// Applies a desired switch state: reads the kernel's state, applies the difference over the session in
// batches (structural changes first, then the state is read again and the rest planned against it), reads
// it back and compares. When a request fails, it rolls back toward the state read before and reports what
// still differs from that state: the result is the previous state, or a precise list, never a silent half.
import { describe, isStructural, type Change } from "../core/changes.js";
import { diff, type Plan } from "../core/diff.js";
import type { SwitchState } from "../core/model.js";
import { toRequest, type Request } from "../core/requests.js";
import type { KernelSnapshot } from "../core/actual.js";
import { errnoName } from "./errno.js";
import { readState, type ReadResult } from "./read.js";
import type { NetlinkSession } from "./session.js";

export interface ChangeResult {
  change: Change;
  commands: string[];
  /** Absent when the kernel accepted it. */
  error?: string;
}

export interface ApplyReport {
  ok: boolean;
  results: ChangeResult[];
  /** Configured ports that do not exist. */
  missing: string[];
  /** What still differs from the desired state after the read-back (empty when ok). */
  remaining: ChangeResult[];
  /** After a failed request: whether the previous state was restored, and what still differs from it. */
  rollback?: { restored: boolean; remaining: ChangeResult[] };
  durationMs: number;
  /** Where the time went: the first read, the changes (with the reads between structural rounds), the read-back. */
  timings: { readMs: number; applyMs: number; readBackMs: number };
}

const asResults = (changes: readonly Change[]): ChangeResult[] =>
  changes.map((change) => ({ change, commands: describe(change) }));

class UnknownLink extends Error {}

/** Sends the changes whose links all exist now; the others are left for a later round. */
async function run(
  session: NetlinkSession,
  snapshot: KernelSnapshot,
  changes: readonly Change[],
): Promise<ChangeResult[]> {
  const byName = new Map(snapshot.links.map((l) => [l.name, l.index]));
  const index = (name: string): number => {
    const i = byName.get(name);
    if (i === undefined) throw new UnknownLink(`no link named ${name}`);
    return i;
  };
  const requests: Request[] = [];
  const sent: ChangeResult[] = [];
  for (const change of changes) {
    try {
      requests.push(toRequest(change, index));
      sent.push({ change, commands: describe(change) });
    } catch (err) {
      if (!(err instanceof UnknownLink)) throw err;
    }
  }
  const acks = await session.batch(requests);
  acks.forEach((ack, i) => {
    const r = sent[i];
    if (r && ack.errno !== 0) r.error = `${errnoName(ack.errno)}${ack.message ? `: ${ack.message}` : ""}`;
  });
  return sent;
}

/**
 * Makes the kernel's state `desired`: structural changes first (a round per dependency level: a bridge
 * before its ports and interfaces), each followed by a fresh read, then the rest against the last read.
 */
async function converge(
  session: NetlinkSession,
  desired: SwitchState,
  start: ReadResult,
): Promise<{ results: ChangeResult[]; last: ReadResult; plan: Plan; readBackMs: number }> {
  const results: ChangeResult[] = [];
  let current = start;
  let plan = diff(desired, current.state);
  let readBackMs = 0;
  for (let round = 0; round < 5 && plan.changes.length > 0; round++) {
    const structural = plan.changes.filter(isStructural);
    const batch = structural.length > 0 ? structural : plan.changes;
    const done = await run(session, current.snapshot, batch);
    if (done.length === 0) {
      results.push(...asResults(batch).map((r) => ({ ...r, error: "a link it names does not exist" })));
      break;
    }
    results.push(...done);
    const read = performance.now();
    current = await readState(session, desired);
    readBackMs = performance.now() - read;
    plan = diff(desired, current.state);
    if (done.some((r) => r.error !== undefined)) break;
  }
  return { results, last: current, plan, readBackMs };
}

/** `fresh`: a read the caller has just made (a drift repair's), used instead of reading again. */
export async function applyState(
  session: NetlinkSession,
  desired: SwitchState,
  fresh?: ReadResult,
): Promise<ApplyReport> {
  return (await applyWithRead(session, desired, fresh)).report;
}

/** applyState, with the last read of the kernel's state (the read-back, or the read after a rollback). */
export async function applyWithRead(
  session: NetlinkSession,
  desired: SwitchState,
  fresh?: ReadResult,
): Promise<{ report: ApplyReport; last: ReadResult }> {
  const started = performance.now();
  const before = fresh ?? (await readState(session, desired));
  const readMs = performance.now() - started;
  const { results, last, plan, readBackMs } = await converge(session, desired, before);
  const converged = performance.now();
  const report: ApplyReport = {
    ok: false,
    results,
    missing: plan.missing,
    remaining: asResults(plan.changes),
    durationMs: 0,
    timings: { readMs, applyMs: converged - started - readMs - readBackMs, readBackMs },
  };
  let end = last;
  if (results.some((r) => r.error !== undefined)) {
    const back = await converge(session, before.state, last);
    const left = back.plan.changes;
    report.rollback = { restored: left.length === 0, remaining: asResults(left) };
    report.remaining = asResults(diff(desired, back.last.state).changes);
    end = back.last;
  }
  report.ok = report.remaining.length === 0 && !results.some((r) => r.error !== undefined);
  report.durationMs = performance.now() - started;
  return { report, last: end };
}

/** The changes `desired` needs now (what `iss net diff` shows). */
export async function planState(
  session: NetlinkSession,
  desired: SwitchState,
): Promise<{ read: ReadResult; changes: ChangeResult[]; missing: string[] }> {
  const read = await readState(session, desired);
  const plan = diff(desired, read.state);
  return { read, changes: asResults(plan.changes), missing: plan.missing };
}
