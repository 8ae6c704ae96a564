// What a failed system test prints before its lab (and with it the daemons' logs) is removed: for each
// board, whether its daemon still runs, and the log lines that explain a crash or a refusal (anything that
// is not a JSON record, such as a stack trace on stderr, records at level warn or above, role changes, and a
// replica's catch-up requests and the SM's answers).
import { existsSync, readFileSync } from "node:fs";
import type { Lab } from "../lab/index.js";
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
      ...lines.slice(-linesPerBoard),
    );
  }
  return sections.join("\n");
}
