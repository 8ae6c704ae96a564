// The board daemons: `iss run --config FILE` started inside the board's namespace, detached, with stdout
// and stderr appended to the board's log; stopped by pid, but only while that pid is inside the namespace.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { inNetns, netnsPids, spawnInNetns } from "./netns.js";
import { isAlive, terminate } from "./processes.js";
import type { BoardState } from "./state.js";
import { daemonNice, daemonNodeFlags } from "../../firmware/src/daemon/node-flags.js";

export const issCli = fileURLToPath(new URL("../../firmware/src/cli/iss.js", import.meta.url));

export function issRunCommand(board: BoardState): string[] {
  return [
    "nice",
    "-n",
    String(daemonNice),
    process.execPath,
    ...daemonNodeFlags,
    issCli,
    "run",
    "--config",
    board.configPath,
  ];
}

/** Starts the board's daemon command and returns its pid (`ip netns exec` execs in place). */
export function startDaemon(board: BoardState): number {
  mkdirSync(dirname(board.logPath), { recursive: true });
  const log = openSync(board.logPath, "a");
  try {
    const argv = inNetns(board.namespace, board.command);
    const record = {
      ts: new Date().toISOString(),
      level: "info",
      component: "lab",
      event: "daemon.start",
      argv,
    };
    writeSync(log, JSON.stringify(record) + "\n");
    const child = spawnInNetns(board.namespace, board.command, {
      detached: true,
      stdio: ["ignore", log, log],
    });
    child.on("error", () => undefined);
    child.unref();
    if (child.pid === undefined) throw new Error(`cannot start '${argv.join(" ")}'`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** True when the recorded pid is alive and still inside the board's namespace. */
export async function daemonAlive(board: BoardState): Promise<boolean> {
  if (board.pid === null || !isAlive(board.pid)) return false;
  return (await netnsPids(board.namespace)).includes(board.pid);
}

export async function stopDaemon(board: BoardState, graceMs?: number): Promise<void> {
  if (board.pid !== null && (await daemonAlive(board))) await terminate([board.pid], graceMs);
}
