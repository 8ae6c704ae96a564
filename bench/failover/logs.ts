// What the benchmark reads from the SM/BSM daemons' JSON logs: when a standby's VRRP router became master,
// took the SM role, switched its directory and established its term; role changes and stalls in a time
// window; and the epochs that more than one board held as manager (split brain).
import { terms, type Term } from "../../hil-tests/failover/failover-lab.js";
import type { Lab } from "../../hil-tests/lab/index.js";
import { daemonRunsOf, type LogRecord } from "../../hil-tests/rmtp/daemon-log.js";

function records(lab: Lab, board: number): LogRecord[] {
  return daemonRunsOf(lab, board).flat();
}

/** Milliseconds of the first record at or after `from` that `match` accepts, or null. */
export function firstLogged(
  lab: Lab,
  board: number,
  from: number,
  match: (r: LogRecord) => boolean,
): number | null {
  for (const r of records(lab, board)) {
    const at = Date.parse(r.ts);
    if (at >= from && match(r)) return at;
  }
  return null;
}

/** When a standby, after `from`, went through the steps of taking over (absolute ms, null if not logged). */
export interface TakeoverMarks {
  /** vrrp.role state master: the election is decided. */
  vrrpMaster: number | null;
  /** role-changed role sm: the failover controller took the role (new epoch). */
  sm: number | null;
  /** The directory runs as the writer. */
  directorySm: number | null;
  /** A majority of the members joined the new epoch: writes may be acknowledged. */
  established: number | null;
  /** sm-serving: the virtual address is up and the directory listens on it. */
  serving: number | null;
  /** It left the SM role again (role-changed role standby after `sm`), and why. */
  left: { at: number; cause: string } | null;
}

/** The cause a controller logs when it hands the role over by plan (a release, not a failure). */
export const plannedRelease = "vrrp backup (released)";

export function takeoverMarks(lab: Lab, board: number, from: number): TakeoverMarks {
  const rs = records(lab, board).filter((r) => Date.parse(r.ts) >= from);
  const first = (match: (r: LogRecord) => boolean): number | null => {
    const r = rs.find(match);
    return r ? Date.parse(r.ts) : null;
  };
  const sm = first((r) => r.event === "role-changed" && r.role === "sm");
  const left =
    sm === null
      ? undefined
      : rs.find((r) => r.event === "role-changed" && r.role === "standby" && Date.parse(r.ts) >= sm);
  return {
    vrrpMaster: first((r) => r.event === "vrrp.role" && r.state === "master"),
    sm,
    directorySm: first((r) => r.component === "iss.directory" && r.event === "role" && r.role === "sm"),
    established: first((r) => r.event === "term-established"),
    serving: first((r) => r.event === "sm-serving"),
    left: left ? { at: Date.parse(left.ts), cause: String(left.cause) } : null,
  };
}

export interface Logged {
  board: number;
  at: number;
  record: LogRecord;
}

/** Records of `events` that `boards` logged in [from, to], oldest first. */
export function loggedBetween(
  lab: Lab,
  boards: readonly number[],
  events: readonly string[],
  from: number,
  to: number,
): Logged[] {
  const out: Logged[] = [];
  for (const board of boards)
    for (const record of records(lab, board)) {
      const at = Date.parse(record.ts);
      if (at >= from && at <= to && events.includes(record.event)) out.push({ board, at, record });
    }
  return out.sort((a, b) => a.at - b.at);
}

/** One line per record for the report: board, event, and the fields that say what happened. */
export function describeLogged(logged: readonly Logged[], limit = 10): string[] {
  return logged.slice(0, limit).map(({ board, record }) => {
    const fields = Object.entries(record).filter(([k]) => !["ts", "level", "component", "event"].includes(k));
    return `${record.ts} b${board} ${record.event} ${JSON.stringify(Object.fromEntries(fields))}`;
  });
}

/** Epochs that two or more boards held as manager: each is a split brain. */
export function sharedEpochs(held: readonly Term[]): number[] {
  const holders = new Map<number, Set<number>>();
  for (const t of held) holders.set(t.epoch, (holders.get(t.epoch) ?? new Set()).add(t.board));
  return [...holders.entries()]
    .filter(([, boards]) => boards.size > 1)
    .map(([epoch]) => epoch)
    .sort((a, b) => a - b);
}

/** Every manager term that the SM candidates logged, and the epochs held twice. */
export function splitBrain(
  lab: Lab,
  candidates: readonly number[],
): { terms: Term[]; sharedEpochs: number[] } {
  const held = terms(lab, [...candidates]);
  return { terms: held, sharedEpochs: sharedEpochs(held) };
}
