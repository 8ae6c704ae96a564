// Plain-text renderings of a lab for `iss lab up` and `iss lab status`: aligned tables, one row per board.
import type { LabState } from "./state.js";
import type { BoardStatus } from "./status.js";

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? "").length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, col) => cell.padEnd(widths[col] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function renderLab(state: LabState): string {
  const head =
    `lab ${state.name}: switch ${state.switchNamespace} (bridge ${state.bridge}, IGMP snooping with querier), ` +
    `LAN ${state.subnet}, group ${state.group}, ports ${state.rate ?? "not rate-limited"}`;
  const rows = [["board", "namespace", "address", "role", "pid", "config", "log"]];
  for (const b of state.boards) {
    rows.push([b.name, b.namespace, b.address, b.role, String(b.pid ?? "-"), b.configPath, b.logPath]);
  }
  return `${head}\n${table(rows)}\nstate in ${state.dir}; 'iss lab down --name ${state.name}' removes the lab\n`;
}

function control(status: BoardStatus): string {
  return status.control.answered
    ? JSON.stringify(status.control.status)
    : `no answer (${status.control.error})`;
}

export function renderStatus(state: LabState, statuses: readonly BoardStatus[]): string {
  const rows = [["board", "namespace", "port", "loss", "daemon", "pid", "status"]];
  for (const s of statuses) {
    rows.push([
      s.name,
      s.namespacePresent ? s.namespace : `${s.namespace} (missing)`,
      s.portUp === null ? "missing" : s.portUp ? "up" : "down",
      `${s.loss}%`,
      s.daemon,
      String(s.pid ?? "-"),
      control(s),
    ]);
  }
  return `lab ${state.name}${state.complete ? "" : " (incomplete: 'up' was interrupted)"}\n${table(rows)}\n`;
}
