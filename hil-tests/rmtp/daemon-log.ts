// The daemons' JSON-line logs as the system tests read them: the records of a board's log, split into the
// runs the lab started (each begins with the lab's `daemon.start` line), so a restarted daemon's records
// can be told from its predecessor's.
import type { ExecutionContext } from "ava";
import { readFileSync } from "node:fs";
import type { Lab } from "../lab/index.js";
import type { GroupUnderTest } from "./group-under-test.js";

export interface LogRecord {
  ts: string;
  level: string;
  component: string;
  event: string;
  [field: string]: unknown;
}

/** The board's log, one array of records per daemon run, oldest run first. */
export function daemonRuns(group: GroupUnderTest, board: number): LogRecord[][] {
  return daemonRunsOf(group.lab, board);
}

/** daemonRuns for any lab. */
export function daemonRunsOf(lab: Lab, board: number): LogRecord[][] {
  const runs: LogRecord[][] = [];
  for (const line of readFileSync(lab.board(board).logPath, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    let record: LogRecord;
    try {
      record = JSON.parse(line) as LogRecord;
    } catch {
      continue;
    }
    if (record.component === "lab" && record.event === "daemon.start") runs.push([]);
    runs[runs.length - 1]?.push(record);
  }
  return runs;
}

/**
 * A restarted daemon is a new incarnation with a fresh receive state: it may deliver again what its
 * predecessor delivered, but each of its runs delivers every message at most once, in order. Checks that
 * for the board's deliveries from `source` (by its log) and returns each run's message ids.
 */
export function assertEachRunOnceInOrder(
  t: ExecutionContext,
  group: GroupUnderTest,
  board: number,
  source: number,
): number[][] {
  const runs = daemonRuns(group, board).map((run) =>
    run.filter((r) => r.event === "delivered" && r.source === `b${source}`).map((r) => Number(r.messageId)),
  );
  for (const [i, ids] of runs.entries())
    t.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b).filter((id, k, all) => all.indexOf(id) === k),
      `board ${board}, run ${i + 1}: deliveries from board ${source} once each, in order`,
    );
  return runs;
}

/** Every record of every run of the board's daemon with the given event name. */
export function logEvents(group: GroupUnderTest, board: number, event: string): LogRecord[] {
  return daemonRuns(group, board)
    .flat()
    .filter((r) => r.event === event);
}
