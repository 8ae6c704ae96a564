// The failover benchmark's figures: per fault class the cycle times summarised (p50/p99/max), the writes
// lost, our takeover as a ratio to each keepalived setting's, the issue's targets with pass/fail, and the
// text tables. Pure.
import { ratio } from "../rmtp/stats.js";
import type { CycleFigures, CycleResult } from "./cycles.js";
import type { BaselineFigures } from "./keepalived.js";
import type { FaultClass } from "./options.js";
import type { Recovery } from "./recovery.js";
import type { SoakFigures } from "./soak.js";
import { summarize, type Summary } from "./stats.js";

export interface ClassResult {
  class: FaultClass;
  cycles: CycleResult[];
  /** planned: the handover op is missing from this firmware. */
  unavailable?: string;
  hostBusyCpus?: number;
}

export interface RatioPair {
  p50: number | null;
  p99: number | null;
}

export interface ClassFigures {
  class: FaultClass | "unplanned";
  cycles: number;
  errors: number;
  unavailable?: string;
  detection: Summary;
  /** Fault to the new SM's role, directory and established term (log marks). */
  sm: Summary;
  established: Summary;
  takeover: Summary;
  gap: Summary;
  /** The stream's long-lived connections: first acknowledgement of a write sent after the fault. */
  streamResume: Summary;
  acked: number;
  lost: number;
  /** Lost on the SM once the roles settled after the old SM's return, and cycles where they did not settle. */
  lostAfterReturn: number;
  unsettledAfterReturn: number;
  anomalies: number;
  refusedApplied: number;
  stalls: number;
  /** Cycles in which the new SM left the role again other than by a planned handover. */
  newSmLeft: number;
  /** Host CPUs busy on average while the class ran (all processes, the lab's and anyone else's). */
  hostBusyCpus: number | null;
  /** Our takeover p50 and p99 over keepalived's (VIP answering from the backup), per advert_int. */
  vsKeepalived: Record<string, RatioPair>;
}

export interface Target {
  id: string;
  description: string;
  value: number | null;
  threshold: number;
  pass: boolean | null;
  detail?: string;
}

const measured = (cycles: readonly CycleResult[]): CycleFigures[] =>
  cycles.filter((c): c is CycleFigures => !("error" in c));

export function baselineLabel(b: BaselineFigures): string {
  return `advert_int ${b.advertIntSeconds}`;
}

export function classFigures(
  name: ClassFigures["class"],
  cycles: readonly CycleResult[],
  baselines: readonly BaselineFigures[],
  unavailable?: string,
  hostBusyCpus?: number,
): ClassFigures {
  const ok = measured(cycles);
  const errors = cycles.length - ok.length;
  const withErrors = (values: Array<number | null>): Array<number | null> => [
    ...values,
    ...Array<null>(errors).fill(null),
  ];
  const sum = (f: (c: CycleFigures) => number): number => ok.reduce((s, c) => s + f(c), 0);
  const takeover = summarize(withErrors(ok.map((c) => c.takeoverMs)));
  return {
    class: name,
    cycles: cycles.length,
    errors,
    ...(unavailable !== undefined ? { unavailable } : {}),
    detection: summarize(withErrors(ok.map((c) => c.detectionMs))),
    sm: summarize(withErrors(ok.map((c) => c.smMs))),
    established: summarize(withErrors(ok.map((c) => c.establishedMs))),
    takeover,
    gap: summarize(withErrors(ok.map((c) => c.gapMs))),
    streamResume: summarize(ok.map((c) => c.streamResumeMs)),
    acked: sum((c) => c.writes.acked),
    lost: sum((c) => c.writes.lost),
    lostAfterReturn: sum((c) => c.writesAfterReturn?.lost ?? 0),
    unsettledAfterReturn: ok.filter((c) => c.writesAfterReturn === null).length,
    anomalies: sum((c) => c.writes.anomalies + (c.writesAfterReturn?.anomalies ?? 0)),
    refusedApplied: sum((c) => c.writes.refusedApplied),
    stalls: sum((c) => c.stalls),
    newSmLeft: ok.filter((c) => c.newSmLeft !== null).length,
    hostBusyCpus: hostBusyCpus ?? null,
    vsKeepalived: Object.fromEntries(
      baselines.map((b) => [
        baselineLabel(b),
        { p50: ratio(takeover.p50Ms, b.takeover.p50Ms), p99: ratio(takeover.p99Ms, b.takeover.p99Ms) },
      ]),
    ),
  };
}

function target(
  id: string,
  description: string,
  value: number | null | undefined,
  threshold: number,
  detail?: string,
): Target {
  const v = value ?? null;
  return {
    id,
    description,
    value: v,
    threshold,
    pass: v === null ? null : v <= threshold,
    ...(detail ? { detail } : {}),
  };
}

/** A time target fails when some cycle produced no figure: that cycle had no takeover at all. */
function timeTarget(
  id: string,
  description: string,
  s: Summary,
  at: "p50Ms" | "p99Ms",
  threshold: number,
): Target {
  const t = target(id, description, s[at], threshold);
  if (s.missing === 0) return t;
  return {
    ...t,
    pass: false,
    detail: `${s.missing} of ${s.n + s.missing} cycles without a takeover or with an error`,
  };
}

export function evaluateTargets(
  figures: readonly ClassFigures[],
  splitBrainEpochs: readonly number[],
  soak: SoakFigures | { error: string } | null,
): Target[] {
  const out: Target[] = [];
  for (const f of figures) {
    if (f.unavailable !== undefined) {
      const t = target(`${f.class}-p99`, "planned handover p99 <= 100 ms", null, 100);
      out.push({ ...t, detail: `unavailable: ${f.unavailable}` });
      continue;
    }
    if (f.cycles === 0) continue;
    if (f.class === "planned") {
      out.push(
        timeTarget(
          "planned-p99",
          "planned handover: request to first write acknowledged by the new SM, p99 <= 100 ms",
          f.takeover,
          "p99Ms",
          100,
        ),
      );
      continue;
    }
    const what = f.class === "unplanned" ? "unplanned (kill, stop, cut together)" : f.class;
    out.push(timeTarget(`${f.class}-p50`, `${what}: takeover p50 <= 250 ms`, f.takeover, "p50Ms", 250));
    out.push(timeTarget(`${f.class}-p99`, `${what}: takeover p99 <= 400 ms`, f.takeover, "p99Ms", 400));
  }
  const soakOk = soak !== null && !("error" in soak) ? soak : null;
  const lost =
    figures.filter((f) => f.class !== "unplanned").reduce((s, f) => s + f.lost + f.lostAfterReturn, 0) +
    (soakOk?.writes.lost ?? 0);
  out.push(target("lost", "acknowledged writes lost = 0", lost, 0));
  out.push(target("split-brain", "epochs held by two managers = 0", splitBrainEpochs.length, 0));
  out.push(
    soak === null
      ? { ...target("false-failovers", "role changes during the soak = 0", null, 0), detail: "soak left out" }
      : target(
          "false-failovers",
          "role changes during the soak = 0",
          soakOk?.roleChanges,
          0,
          "error" in soak ? soak.error : undefined,
        ),
  );
  return out;
}

// ---------------------------------------------------------------------------------------------- text

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const f = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined ? "-" : v.toFixed(digits);

/** "p50/p99/max", with the cycles that gave no figure. */
function triple(s: Summary): string {
  const base = `${f(s.p50Ms)}/${f(s.p99Ms)}/${f(s.maxMs)}`;
  return s.missing > 0 ? `${base} (${s.missing} none)` : base;
}

export interface TextInput {
  description: string[];
  classes: ClassFigures[];
  baselines: Array<BaselineFigures | { advertIntSeconds: number; error: string }>;
  soak: SoakFigures | { error: string } | null;
  splitBrain: { terms: number; sharedEpochs: number[] };
  recoveries: Recovery[];
  targets: Target[];
}

export function renderText(t: TextInput): string {
  const out = [...t.description, ""];
  const available = t.classes.filter((c) => c.unavailable === undefined);
  out.push("Takeover after a fault at the SM, in ms after the fault (p50/p99/max over the cycles):");
  out.push(
    table(
      [
        "class",
        "cycles",
        "VRRP master",
        "SM established",
        "takeover",
        "no-ack gap",
        "stream resumed",
        "acked",
        "lost",
        "lost after return",
        "anomalies",
        "refused applied",
        "stalls",
        "new SM left",
        "errors",
        "host CPUs busy",
      ],
      available.map((c) => [
        c.class,
        String(c.cycles),
        triple(c.detection),
        triple(c.established),
        triple(c.takeover),
        triple(c.gap),
        triple(c.streamResume),
        String(c.acked),
        String(c.lost),
        c.unsettledAfterReturn > 0
          ? `${c.lostAfterReturn} (${c.unsettledAfterReturn} unsettled)`
          : String(c.lostAfterReturn),
        String(c.anomalies),
        String(c.refusedApplied),
        String(c.stalls),
        String(c.newSmLeft),
        String(c.errors),
        f(c.hostBusyCpus, 2),
      ]),
    ),
    ...t.classes
      .filter((c) => c.unavailable !== undefined)
      .map((c) => `${c.class}: unavailable: ${c.unavailable}`),
    "",
  );
  const labels = t.baselines.map((b) => `advert_int ${b.advertIntSeconds}`);
  out.push("keepalived baseline (SIGKILL of the master to the virtual IP answering from the backup), ms:");
  out.push(
    table(
      ["setting", "cycles", "backup master", "VIP answers from backup"],
      t.baselines.map((b) =>
        "error" in b
          ? [`advert_int ${b.advertIntSeconds}`, "-", `error: ${b.error}`, ""]
          : [baselineLabel(b), String(b.cycles.length), triple(b.detection), triple(b.takeover)],
      ),
    ),
    "",
  );
  out.push("Our takeover over keepalived's (p50 ratio / p99 ratio):");
  out.push(
    table(
      ["class", ...labels],
      available.map((c) => [
        c.class,
        ...labels.map((l) => `${f(c.vsKeepalived[l]?.p50, 2)} / ${f(c.vsKeepalived[l]?.p99, 2)}`),
      ]),
    ),
    "",
  );
  const s = t.soak;
  out.push(
    s === null
      ? "False failovers: soak left out (--soak-seconds 0)."
      : "error" in s
        ? `False failovers: error: ${s.error}`
        : `False failovers: ${s.roleChanges} role changes in ${s.seconds} s under ${s.lossPercent}% loss on every port and ` +
          `${s.cpuHogs} busy-looping processes (${s.vrrpRoleChanges} VRRP role changes, ${s.stalls} stalls); ` +
          `${s.ackedPerSecond} writes/s acknowledged, ${s.writes.lost} lost, ${s.writes.anomalies} anomalies.` +
          (s.log.length > 0 ? `\n  ${s.log.join("\n  ")}` : ""),
  );
  out.push(
    `Split brain: ${t.splitBrain.sharedEpochs.length} epochs held by two boards` +
      (t.splitBrain.sharedEpochs.length > 0 ? ` (${t.splitBrain.sharedEpochs.join(", ")})` : "") +
      ` among ${t.splitBrain.terms} manager terms.`,
    "",
  );
  for (const r of t.recoveries) {
    const rebuilt = r.settled
      ? "the lab was rebuilt"
      : `even a rebuilt lab did not settle (${r.error ?? "no SM"})`;
    const how = r.restartSettled ? "restarting b1 and b2 settled them" : `a restart did not help; ${rebuilt}`;
    out.push(`No settled SM before ${r.where}: ${how}. The candidates' last records before:`);
    out.push(...r.log.map((l) => `  ${l}`));
  }
  if (t.recoveries.length > 0) out.push("");
  out.push("Targets:");
  for (const tg of t.targets) {
    const verdict = tg.pass === null ? "N/A " : tg.pass ? "PASS" : "FAIL";
    const value = tg.value === null ? "not measured" : String(tg.value);
    out.push(`  ${verdict}  ${tg.description}: ${value}${tg.detail ? ` (${tg.detail})` : ""}`);
  }
  return out.join("\n");
}
