// What a failed system test prints before its lab (and with it the daemons' logs) is removed: for each
// board, whether its daemon still runs, and the log lines that explain a crash or a refusal (anything that
// is not a JSON record, such as a stack trace on stderr, records at level warn or above, role changes, and a
// replica's catch-up requests and the SM's answers), and a running daemon's transport and directory state
// at the end: epoch, admission, members, messages waiting to be sent, last and head CSN.
import { existsSync, readFileSync } from "node:fs";
import { queryControlStatus, type Lab } from "../lab/index.js";
import type { DirectoryStatus } from "../../firmware/src/directory/service/sm-directory.js";
import type { NodeStatus } from "../../firmware/src/rmtp/core/node.js";
import { daemonAlive } from "../lab/daemons.js";

const linesPerBoard = 60;

/** Role changes, catch-ups and what explains them, whatever their level. */
const roleEvents = new Set([
  "role-changed",
  "vrrp.role",
  "became-manager",
  "stepped-down",
  "handover",
  "role",
  "catchup-requested",
  "catchup-answered",
  "refreshed",
]);

function notable(line: string): boolean {
  if (line.trim() === "") return false;
  try {
    const record = JSON.parse(line) as { level?: string; event?: string };
    if (record.event !== undefined && roleEvents.has(record.event)) return true;
    return record.level === "warn" || record.level === "error" || record.level === "fatal";
  } catch {
    return true;
  }
}

/** One line of a running daemon's state, from its control ops `status` and `dir.status`. */
async function stateLine(socket: string): Promise<string> {
  const status = await queryControlStatus(socket);
  if (!status.answered) return `state: ${status.error}`;
  const rmtp = (status.status as { rmtp: NodeStatus }).rmtp;
  const dir = await queryControlStatus(socket, 1000, "dir.status");
  const d = dir.answered ? (dir.status as DirectoryStatus) : null;
  return (
    `state: epoch ${rmtp.epoch}, ${rmtp.admitted ? "admitted" : "not admitted"}, ` +
    `manager ${rmtp.manager?.name ?? "none"}, ${rmtp.members.length} members, ` +
    `${rmtp.pendingMessages} messages waiting to be sent` +
    (d ? `; directory ${d.role} lastCsn ${d.lastCsn} head ${d.head}` : "")
  );
}

/** The report as text, one section per board. */
export async function failureReport(lab: Lab): Promise<string> {
  const sections: string[] = [];
  for (const board of lab.boards) {
    const alive = await daemonAlive(board);
    const lines = existsSync(board.logPath)
      ? readFileSync(board.logPath, "utf8").split("\n").filter(notable)
      : [];
    sections.push(
      `--- ${board.name}: daemon ${alive ? "running" : "not running"} (pid ${board.pid ?? "none"}), ` +
        `${lines.length} notable log lines${lines.length > linesPerBoard ? `, last ${linesPerBoard}` : ""}`,
      ...(alive ? [await stateLine(board.controlSocket)] : []),
      ...lines.slice(-linesPerBoard),
    );
  }
  return sections.join("\n");
}
