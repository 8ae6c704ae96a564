// Acknowledged writes lost: a snapshot of the new SM's entries from the clients' prefixes (ldapsearch in a
// board's namespace, as the directory's system tests take it) checked against each client history with
// checkStream; its findings split into lost writes (missing, or an older value) and other anomalies
// (half-applied modifies, entries no client wrote). A write the server refused (a definite error code: the
// clients count busy, unavailable and other as unknown) must not be there; if it is, it counts apart, as
// refused but applied, and checkStream sees it as a write of unknown outcome.
import { parseSnapshot } from "../../hil-tests/directory/directory-lab.js";
import { checkStream } from "../../hil-tests/directory/stream-check.js";
import type { WriteRecord } from "../../hil-tests/directory/write-stream.js";
import { labAdminDn, labSuffix } from "../../hil-tests/lab/configs.js";
import { systemTool, type Lab } from "../../hil-tests/lab/index.js";

export interface History {
  prefix: string;
  records: readonly WriteRecord[];
}

export interface WriteCheck {
  acked: number;
  refused: number;
  unknown: number;
  /** Acknowledged writes missing from the new SM, or present with an older value. */
  lost: number;
  /** Half-applied modifies and entries that no client wrote. */
  anomalies: number;
  /** Writes answered with an error code whose value is on the SM nevertheless. */
  refusedApplied: number;
  /** The first findings, for the report. */
  problems: string[];
}

/** The entries of `prefixes` on board `board`, read with ldapsearch from board `from`'s namespace. */
export async function snapshotOf(
  lab: Lab,
  from: number,
  board: number,
  prefixes: readonly string[],
): Promise<Map<string, string[]>> {
  const filter = `(|${prefixes.map((p) => `(issContentId=${p}-*)`).join("")})`;
  const { stdout } = await lab.runInBoard(
    from,
    [
      systemTool("ldapsearch"),
      "-x",
      "-H",
      `ldap://${lab.board(board).address}`,
      "-D",
      labAdminDn,
      "-y",
      lab.describe().directoryPasswordFile,
      "-LLL",
      "-o",
      "ldif-wrap=no",
      "-b",
      labSuffix,
      filter,
    ],
    { timeoutMs: 60_000 },
  );
  return parseSnapshot(stdout);
}

const isLoss = (problem: string): boolean =>
  problem.startsWith("acknowledged write missing") || problem.includes(", last acknowledged ");

function attribute(lines: readonly string[] | undefined, name: string): string | undefined {
  return lines?.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
}

/** Refused writes whose value the snapshot holds. */
function refusedButApplied(snapshot: Map<string, string[]>, records: readonly WriteRecord[]): string[] {
  return records
    .filter((r) => r.outcome === "refused")
    .filter((r) => attribute(snapshot.get(`dn: ${r.dn}`.toLowerCase()), "issContentSize") === String(r.size))
    .map((r) => `${r.dn}: ${r.op} refused with code ${r.code ?? "?"}, applied all the same`);
}

export function checkWrites(snapshot: Map<string, string[]>, histories: readonly History[]): WriteCheck {
  const problems = histories.flatMap((h) =>
    checkStream(
      snapshot,
      h.records.map((r) => (r.outcome === "refused" ? { ...r, outcome: "unknown" as const } : r)),
      h.prefix,
    ),
  );
  const applied = histories.flatMap((h) => refusedButApplied(snapshot, h.records));
  const all = histories.flatMap((h) => h.records);
  const count = (outcome: WriteRecord["outcome"]): number => all.filter((r) => r.outcome === outcome).length;
  const lost = problems.filter(isLoss).length;
  return {
    acked: count("acked"),
    refused: count("refused"),
    unknown: count("unknown"),
    lost,
    anomalies: problems.length - lost,
    refusedApplied: applied.length,
    problems: [...problems, ...applied].slice(0, 5),
  };
}
