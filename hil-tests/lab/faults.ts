// Faults injected into one board: cut/restore its switch port, kill/restart/stop/continue its daemon,
// and random packet loss with nftables in the board's namespace (this kernel has no netem).
import { startDaemon, daemonAlive, stopDaemon } from "./daemons.js";
import { lossTable } from "./names.js";
import { nft } from "./netns.js";
import { send, waitGone, waitState } from "./processes.js";
import type { BoardState, LabState } from "./state.js";
import { setPortUp } from "./topology.js";

export type Fault =
  | { kind: "cut" }
  | { kind: "restore" }
  | { kind: "kill" }
  | { kind: "restart" }
  | { kind: "stop" }
  | { kind: "cont" }
  | { kind: "loss"; percent: number };

export const faultUsage = "cut|restore|kill|restart|stop|cont|loss PCT";

export function parseFault(argv: readonly string[]): Fault {
  const [kind, arg, extra] = argv;
  if (kind === "loss" && arg !== undefined && extra === undefined) {
    const percent = Number(arg);
    if (!/^[0-9]+$/.test(arg) || percent > 100) {
      throw new Error(`loss PCT must be an integer from 0 to 100, got '${arg}'`);
    }
    return { kind, percent };
  }
  const simple = ["cut", "restore", "kill", "restart", "stop", "cont"] as const;
  const found = simple.find((k) => k === kind);
  if (found === undefined || arg !== undefined) throw new Error(`fault must be one of ${faultUsage}`);
  return { kind: found };
}

/**
 * nft script that replaces the lab's loss table in a board's namespace: a rule in the input and the output
 * hook drops `percent`% of packets at random (numgen gives 0-99, so 100% is a plain drop); 0% only removes it.
 */
export function lossScript(labName: string, percent: number): string {
  const table = `inet ${lossTable(labName)}`;
  const reset = `table ${table} {}\ndelete table ${table}\n`;
  if (percent === 0) return reset;
  const rule = percent === 100 ? "drop" : `numgen random mod 100 < ${percent} drop`;
  const chain = (hook: string): string =>
    `  chain ${hook} {\n    type filter hook ${hook} priority raw; policy accept;\n    ${rule}\n  }\n`;
  return `${reset}table ${table} {\n${chain("input")}${chain("output")}}\n`;
}

/** Applies `fault` to `board` and records its effect (pid, cut, loss) in the board's state. */
export async function applyFault(state: LabState, board: BoardState, fault: Fault): Promise<void> {
  switch (fault.kind) {
    case "cut":
    case "restore":
      await setPortUp(state, board, fault.kind === "restore");
      board.cut = fault.kind === "cut";
      return;
    case "loss":
      await nft(board.namespace, lossScript(state.name, fault.percent));
      board.loss = fault.percent;
      return;
    case "kill":
      if (board.pid !== null && (await daemonAlive(board))) {
        send(board.pid, "SIGKILL");
        await waitGone([board.pid], 5000);
      }
      return;
    case "restart":
      await stopDaemon(board);
      board.pid = startDaemon(board);
      return;
    case "stop":
    case "cont":
      if (board.pid === null || !(await daemonAlive(board))) {
        throw new Error(`board ${board.index}'s daemon is not running (pid ${board.pid ?? "none"})`);
      }
      send(board.pid, fault.kind === "stop" ? "SIGSTOP" : "SIGCONT");
      await waitState(board.pid, fault.kind === "stop" ? "stopped" : "running");
      return;
  }
}
