// The benchmark's result: one entry per (recipients, loss) with the RMTP figures, both baselines and the
// ratios, the targets with pass/fail, and the two renderings (JSON and text tables).
import type { RawFigures, RmtpFigures, TcpFigures } from "./runs.js";
import { ratio } from "./stats.js";

export interface Ratios {
  goodputToRaw: number | null;
  goodputToTcp: number | null;
  p50ToRaw: number | null;
  p50ToTcp: number | null;
  p99ToRaw: number | null;
  p99ToTcp: number | null;
}

export interface Entry {
  recipients: number;
  lossPercent: number;
  rmtp: RmtpFigures | { error: string };
  raw: RawFigures | { error: string };
  tcp: TcpFigures | { error: string };
  ratios: Ratios;
  /** How long the benchmark waited for the host to quieten before this setting, and the last reading. */
  quietBefore: { waitedSeconds: number; otherCpus: number };
}

export interface TargetCheck {
  id: string;
  description: string;
  recipients: number;
  lossPercent: number;
  value: number | null;
  threshold: number;
  /** null: this run did not measure the setting (or a protocol failed there). */
  pass: boolean | null;
  detail?: string;
}

/** Above this many CPUs used outside the benchmark, a setting's figures are flagged as disturbed. */
export const disturbedCpus = 0.25;

function ok<T extends object>(v: T | { error: string }): T | undefined {
  return "error" in v ? undefined : v;
}

export function ratios(rmtp: Entry["rmtp"], raw: Entry["raw"], tcp: Entry["tcp"]): Ratios {
  const r = ok(rmtp);
  const w = ok(raw);
  const t = ok(tcp);
  return {
    goodputToRaw: ratio(r?.goodput.MBps, w?.goodput.MBps),
    goodputToTcp: ratio(r?.goodput.MBps, t?.goodput.MBps),
    p50ToRaw: ratio(r?.latency.p50Ms, w?.latency.p50Ms),
    p50ToTcp: ratio(r?.latency.p50Ms, t?.latency.p50Ms),
    p99ToRaw: ratio(r?.latency.p99Ms, w?.latency.p99Ms),
    p99ToTcp: ratio(r?.latency.p99Ms, t?.latency.p99Ms),
  };
}

export function evaluateTargets(
  entries: readonly Entry[],
  measuredRecipients: readonly number[],
): TargetCheck[] {
  const at = (n: number, loss: number): Entry | undefined =>
    entries.find((e) => e.recipients === n && e.lossPercent === loss);
  const check = (
    id: string,
    description: string,
    n: number,
    loss: number,
    threshold: number,
    value: (e: Entry) => number | null | undefined,
    atLeast: boolean,
    extra?: (e: Entry) => { pass: boolean; detail: string },
  ): TargetCheck => {
    const e = at(n, loss);
    const v = e ? (value(e) ?? null) : null;
    let pass: boolean | null = v === null ? null : atLeast ? v >= threshold : v <= threshold;
    let detail: string | undefined = e ? undefined : "not measured in this run";
    if (e && v === null) detail = "a protocol failed in this setting; see its error";
    if (e && pass !== null && extra) {
      const x = extra(e);
      pass = pass && x.pass;
      detail = x.detail;
    }
    return {
      id,
      description,
      recipients: n,
      lossPercent: loss,
      value: v,
      threshold,
      pass,
      ...(detail ? { detail } : {}),
    };
  };
  const everyMessage = (e: Entry): { pass: boolean; detail: string } => {
    const r = ok(e.rmtp);
    const all = r?.goodput.allDelivered ?? false;
    return {
      pass: all,
      detail: all
        ? "every message reached every recipient, checksums equal"
        : `messages to all ${r?.goodput.messagesToAll ?? 0} of ${r?.goodput.messagesSent ?? 0}`,
    };
  };
  const targets = [
    check(
      "goodput-vs-raw-0",
      "goodput at 0% loss, N=8: >= 0.7 x raw multicast",
      8,
      0,
      0.7,
      (e) => e.ratios.goodputToRaw,
      true,
    ),
    check(
      "goodput-vs-tcp-0",
      "goodput at 0% loss, N=8: >= 1.0 x TCP fan-out",
      8,
      0,
      1.0,
      (e) => e.ratios.goodputToTcp,
      true,
    ),
    check(
      "goodput-vs-raw-1",
      "goodput at 1% loss, N=8: >= 0.5 x raw multicast, every message delivered",
      8,
      1,
      0.5,
      (e) => e.ratios.goodputToRaw,
      true,
      everyMessage,
    ),
  ];
  const feedbackAt = measuredRecipients.length > 0 ? measuredRecipients : [8];
  for (const n of feedbackAt) {
    targets.push(
      check(
        `feedback-0-n${n}`,
        `feedback frames per data frame per recipient at 0% loss, N=${n}: <= 0.05`,
        n,
        0,
        0.05,
        (e) => ok(e.rmtp)?.feedback.perDataFramePerRecipient,
        false,
      ),
    );
  }
  targets.push(
    check(
      "latency-p99",
      "p99 small-message latency at 0% loss, N=8: <= 20 ms",
      8,
      0,
      20,
      (e) => ok(e.rmtp)?.latency.p99Ms,
      false,
    ),
  );
  return targets;
}

// ---------------------------------------------------------------------------------------------- text

function fmt(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(digits);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function renderText(
  description: string[],
  entries: readonly Entry[],
  targets: readonly TargetCheck[],
): string {
  const goodputRows = entries.map((e) => {
    const r = ok(e.rmtp);
    const w = ok(e.raw);
    const t = ok(e.tcp);
    return [
      String(e.recipients),
      `${e.lossPercent}%`,
      fmt(r?.goodput.MBps),
      fmt(r?.goodput.messagesPerSec, 0),
      r ? (r.goodput.allDelivered ? "yes" : "NO") : "error",
      fmt(w?.goodput.MBps),
      fmt(e.ratios.goodputToRaw, 2),
      fmt(t?.goodput.MBps),
      fmt(t?.goodput.messagesPerSec, 0),
      fmt(e.ratios.goodputToTcp, 2),
      [w, t, r].map((f) => fmt(f?.cpu.otherCpus, 2)).join("/"),
    ];
  });
  const latencyRows = entries.map((e) => {
    const r = ok(e.rmtp);
    const w = ok(e.raw);
    const t = ok(e.tcp);
    return [
      String(e.recipients),
      `${e.lossPercent}%`,
      fmt(r?.latency.p50Ms, 2),
      fmt(r?.latency.p99Ms, 2),
      fmt(w?.latency.p50Ms, 2),
      fmt(w?.latency.p99Ms, 2),
      w ? `${w.latency.reachedAll}/${w.latency.messages}` : "-",
      fmt(t?.latency.p50Ms, 2),
      fmt(t?.latency.p99Ms, 2),
      fmt(e.ratios.p99ToRaw, 2),
      fmt(e.ratios.p99ToTcp, 2),
    ];
  });
  const overheadRows = entries.map((e) => {
    const r = ok(e.rmtp);
    return [
      String(e.recipients),
      `${e.lossPercent}%`,
      fmt(r?.feedback.perDataFramePerRecipient, 4),
      fmt(r?.feedback.acksPerDataFramePerRecipient, 4),
      fmt(r?.feedback.naksPerDataFramePerRecipient, 4),
      fmt(r?.feedback.grantsPerDataFramePerRecipient, 4),
      r ? String(r.feedback.dataFramesSent) : "-",
      r ? String(r.resend.lostDataFrames) : "-",
      r ? String(r.resend.resentFrames) : "-",
      fmt(r?.resend.resentPerLostFrame, 2),
      r ? String(r.resend.socketDrops) : "-",
    ];
  });
  const errors = entries.flatMap((e) =>
    (["rmtp", "raw", "tcp"] as const).flatMap((p) => {
      const v = e[p];
      return "error" in v ? [`N=${e.recipients} loss=${e.lossPercent}% ${p}: ${v.error}`] : [];
    }),
  );
  const disturbed = entries.filter((e) =>
    [e.raw, e.tcp, e.rmtp].some((f) => (ok(f)?.cpu.otherCpus ?? 0) > disturbedCpus),
  );
  const targetLines = targets.map(
    (t) =>
      `  ${t.pass === null ? "n/a " : t.pass ? "PASS" : "FAIL"}  ${t.description}: ${fmt(t.value, 3)}` +
      (t.detail ? ` (${t.detail})` : ""),
  );
  return [
    ...description,
    "",
    "Goodput: bytes delivered to every recipient / time until the last recipient had them (MB = 10^6 bytes).",
    "RMTP and TCP move 64 KiB messages; raw moves 1,400-byte datagrams and counts its slowest recipient.",
    table(
      [
        "N",
        "loss",
        "RMTP MB/s",
        "msg/s",
        "all delivered",
        "raw MB/s",
        "RMTP/raw",
        "TCP MB/s",
        "TCP msg/s",
        "RMTP/TCP",
        "other CPUs raw/tcp/rmtp",
      ],
      goodputRows,
    ),
    "other CPUs: average CPUs busy outside the benchmark during each run (other processes, kernel threads).",
    ...(disturbed.length > 0
      ? [
          `WARNING: more than ${disturbedCpus} CPUs went elsewhere during ` +
            disturbed.map((e) => `N=${e.recipients}/${e.lossPercent}%`).join(", ") +
            "; those figures are disturbed.",
        ]
      : []),
    "",
    "Small-message latency, send call to delivery at the last recipient (ms); raw counts only datagrams that reached all.",
    table(
      [
        "N",
        "loss",
        "RMTP p50",
        "RMTP p99",
        "raw p50",
        "raw p99",
        "raw reached",
        "TCP p50",
        "TCP p99",
        "p99/raw",
        "p99/TCP",
      ],
      latencyRows,
    ),
    "",
    "RMTP overhead during the bulk phase: feedback frames per data frame per recipient, and re-sends.",
    table(
      [
        "N",
        "loss",
        "feedback",
        "ACK",
        "NAK",
        "GRANT",
        "data frames",
        "lost (nft)",
        "re-sent",
        "re-sent/lost",
        "sock drops",
      ],
      overheadRows,
    ),
    "",
    "Targets:",
    ...targetLines,
    ...(errors.length > 0 ? ["", "Errors:", ...errors.map((e) => `  ${e}`)] : []),
  ].join("\n");
}
