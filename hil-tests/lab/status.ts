// What `iss lab status` reports per board: namespace present, port up, loss in force, daemon state, and
// the answer of the daemon's control op `status` when its control socket answers.
import { setTimeout as sleep } from "node:timers/promises";
import { ControlClient } from "../../firmware/src/control/client.js";
import { daemonAlive } from "./daemons.js";
import { ipJson, listNetns } from "./netns.js";
import { processState, type ProcessState } from "./processes.js";
import type { BoardState, LabState } from "./state.js";

export type ControlAnswer = { answered: true; status: unknown } | { answered: false; error: string };

export interface BoardStatus {
  board: number;
  name: string;
  namespace: string;
  address: string;
  role: BoardState["role"];
  namespacePresent: boolean;
  portUp: boolean | null;
  loss: number;
  pid: number | null;
  daemon: ProcessState;
  control: ControlAnswer;
}

/** The daemon's answer to control op `op` (default `status`), or why there is none. */
export async function queryControlStatus(
  socket: string,
  timeoutMs = 1000,
  op = "status",
): Promise<ControlAnswer> {
  let client: ControlClient | undefined;
  try {
    client = await ControlClient.connect(socket, timeoutMs);
    const status = await Promise.race([
      client.call(op),
      sleep(timeoutMs).then(() => Promise.reject(new Error(`no reply to '${op}' in ${timeoutMs} ms`))),
    ]);
    return { answered: true, status };
  } catch (err) {
    return { answered: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    client?.close();
  }
}

/** A stopped daemon is not asked: it would only answer after SIGCONT, to a client that gave up. */
const notAsked: Record<"stopped" | "gone", ControlAnswer> = {
  stopped: { answered: false, error: "daemon stopped" },
  gone: { answered: false, error: "daemon not running" },
};

async function portUp(state: LabState, board: BoardState): Promise<boolean | null> {
  try {
    const [link] = await ipJson<Array<{ flags: string[] }>>(state.switchNamespace, [
      "link",
      "show",
      "dev",
      board.port,
    ]);
    return link ? link.flags.includes("UP") : null;
  } catch {
    return null;
  }
}

export async function boardStatus(
  state: LabState,
  board: BoardState,
  namespaces: string[],
): Promise<BoardStatus> {
  const daemon = board.pid !== null && (await daemonAlive(board)) ? processState(board.pid) : "gone";
  return {
    board: board.index,
    name: board.name,
    namespace: board.namespace,
    address: board.address,
    role: board.role,
    namespacePresent: namespaces.includes(board.namespace),
    portUp: await portUp(state, board),
    loss: board.loss,
    pid: board.pid,
    daemon,
    control: daemon === "running" ? await queryControlStatus(board.controlSocket) : notAsked[daemon],
  };
}

export async function labStatus(state: LabState): Promise<BoardStatus[]> {
  const namespaces = await listNetns();
  return Promise.all(state.boards.map((board) => boardStatus(state, board, namespaces)));
}
