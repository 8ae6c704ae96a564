// One takeover seen from outside, after a fault or a handover request at `from`: the standby's log marks
// (VRRP master, SM role, directory writer, established term), the first write sent at or after `from` and
// acknowledged once the new SM had the role, whether the long-lived stream connections resumed by then,
// the longest time without any acknowledgement, and stalls meanwhile; and, at the end of the cycle, whether
// the new SM left the role again unplanned. Times are milliseconds after `from`.
import { setTimeout as sleep } from "node:timers/promises";
import { waitRole } from "../../hil-tests/failover/failover-lab.js";
import type { Lab } from "../../hil-tests/lab/index.js";
import { outcomes, type ClientSetup, type Clients } from "./clients.js";
import { loggedBetween, plannedRelease, takeoverMarks } from "./logs.js";
import { candidates } from "./roles.js";
import { firstAcked, firstAckedRecord, longestGap, since } from "./stats.js";

export interface TakeoverFigures {
  /** The standby's VRRP router became master. */
  detectionMs: number | null;
  /** Its failover controller took the SM role, its directory became the writer, its term was established. */
  smMs: number | null;
  directoryMs: number | null;
  establishedMs: number | null;
  /** It listened on the virtual address (its `sm-serving` log). */
  servingMs: number | null;
  /** The first write sent at or after the fault, acknowledged by the new SM (stream or probe). */
  takeoverMs: number | null;
  /** When that write was sent. */
  firstSentMs: number | null;
  /** The same for the stream's long-lived connections only, by the end of the observation. */
  streamResumeMs: number | null;
  /** The longest time in which no client got an acknowledgement, up to the takeover. */
  gapMs: number | null;
  /** Stall warnings on the SM candidates meanwhile. */
  stalls: number;
}

/** Waits for `board` to take over and for the clients to see it, then lets them run `tailMs` more. */
export async function observeTakeover(
  setup: ClientSetup,
  clients: Clients,
  board: number,
  from: number,
  tailMs = 300,
): Promise<TakeoverFigures> {
  const { lab } = setup;
  await waitRole(lab, board, true, 15_000);
  const smAt = takeoverMarks(lab, board, from).sm ?? Infinity;
  await clients.probe.waitFor((r) => r.outcome === "acked" && r.sent >= from && r.at >= smAt, 15_000);
  await sleep(tailMs);
  const end = Date.now();
  const marks = takeoverMarks(lab, board, from);
  const all = outcomes(clients);
  const until = marks.left?.at ?? Infinity;
  const first = marks.sm === null ? null : firstAckedRecord(all, from, marks.sm, until);
  const takeoverAt = first?.at ?? null;
  const streamAt = marks.sm === null ? null : firstAcked(clients.stream.records, from, marks.sm, until);
  const stalls = loggedBetween(lab, candidates, ["stalled"], from, end).length;
  return {
    detectionMs: since(from, marks.vrrpMaster),
    smMs: since(from, marks.sm),
    directoryMs: since(from, marks.directorySm),
    establishedMs: since(from, marks.established),
    servingMs: since(from, marks.serving),
    takeoverMs: since(from, takeoverAt),
    firstSentMs: since(from, first?.sent ?? null),
    streamResumeMs: since(from, streamAt),
    gapMs: longestGap(all, from, takeoverAt),
    stalls,
  };
}

/**
 * Whether `board`, having taken over after `from`, left the SM role again other than by a planned handover
 * (which a returning board of higher priority asks for): when and why, or null.
 */
export function unplannedLeave(lab: Lab, board: number, from: number): string | null {
  const { left } = takeoverMarks(lab, board, from);
  if (!left || left.cause.startsWith(plannedRelease)) return null;
  return `${left.at - from} ms after the fault: ${left.cause}`;
}
