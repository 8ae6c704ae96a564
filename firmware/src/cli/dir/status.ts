// `iss dir status`: the shape of the daemon's `dir.status` control answer and its rendering as text.

import type { DirectoryStatus } from "../../directory/service/sm-directory.js";

export type DirStatus = DirectoryStatus;

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [header, ...rows].map((r) => `  ${line(r)}`.trimEnd());
}

export function renderDirStatus(s: DirStatus): string {
  const lines = [
    `${s.role}, suffix ${s.suffix}: ${s.entries} entries, last CSN ${s.lastCsn}`,
    `  change log: CSN ${s.oldestCsn} to ${s.lastCsn}`,
  ];
  if (s.role === "sm") {
    if (s.replicas.length === 0) lines.push("  replicas: none reported");
    else
      lines.push(
        ...table(
          ["replica", "id", "have CSN", "lag", "entries", "last report"],
          s.replicas.map((r) => [
            r.name,
            String(r.node),
            String(r.have),
            String(r.lag),
            String(r.entries),
            `${(r.ageMs / 1000).toFixed(1)} s ago`,
          ]),
        ),
      );
  }
  return lines.join("\n") + "\n";
}
