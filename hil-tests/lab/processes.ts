// Processes of the lab, seen through /proc: whether a pid is alive or stopped, and ending a set of
// processes with SIGTERM and, after a bound, SIGKILL. A zombie counts as gone.
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export type ProcessState = "running" | "stopped" | "gone";

export function processState(pid: number): ProcessState {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return "gone";
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  if (state === "Z" || state === "X" || state === "x") return "gone";
  return state === "T" || state === "t" ? "stopped" : "running";
}

/** The process's command line, or an empty list when it is gone. */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8")
      .split("\0")
      .filter((arg) => arg !== "");
  } catch {
    return [];
  }
}

export function isAlive(pid: number): boolean {
  return processState(pid) !== "gone";
}

/** Sends `sig` to `pid`; a process that is already gone is not an error. */
export function send(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** Waits until every pid is gone or `timeoutMs` passed; returns those still alive. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(isAlive);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(25);
    left = left.filter(isAlive);
  }
  return left;
}

/** Waits until `pid` is in `state` (a signal takes effect when the process is next scheduled). */
export async function waitState(pid: number, state: ProcessState, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (processState(pid) !== state) {
    if (Date.now() > deadline) throw new Error(`process ${pid} is not ${state} after ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** SIGTERM (and SIGCONT, so a stopped process sees it), then SIGKILL what is left after `graceMs`. */
export async function terminate(pids: readonly number[], graceMs = 3000): Promise<void> {
  const alive = pids.filter(isAlive);
  for (const pid of alive) {
    send(pid, "SIGTERM");
    send(pid, "SIGCONT");
  }
  const stubborn = await waitGone(alive, graceMs);
  for (const pid of stubborn) send(pid, "SIGKILL");
  const left = await waitGone(stubborn, 5000);
  if (left.length > 0) throw new Error(`processes ${left.join(", ")} survived SIGKILL`);
}
