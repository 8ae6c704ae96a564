// The directory benchmark's figures side by side: each SM figure with slapd's from the same run and their
// ratio, the issue's targets with pass/fail, and the text tables. Pure.
import { ratio } from "../rmtp/stats.js";
import type { Memory } from "./probes.js";
import type { CatchupFigures, RunFigures } from "./runs.js";
import type { SearchKind } from "./workload.js";

export type Measured<T> = T | { error: string };

export interface Pair {
  sm: Measured<RunFigures>;
  slapd: Measured<RunFigures>;
  /** SM / slapd: requests per second, p50 and p99 latency. */
  ratios: { throughput: number | null; p50: number | null; p99: number | null };
}

export interface WriteEntry extends Pair {
  clients: number;
}

export interface SearchEntry extends Pair {
  kind: SearchKind;
  clients: number;
}

export interface MemoryFigures {
  /** Content entries loaded, and the entries the SM's dir.status counts (tree, switches, engines too). */
  contentEntries: number;
  smEntries: number | null;
  sm: Memory | null;
  slapd: Memory | null;
  smToSlapd: number | null;
}

export interface Target {
  id: string;
  description: string;
  value: number | null;
  threshold: number;
  pass: boolean | null;
  detail?: string;
}

function ok(m: Measured<RunFigures>): RunFigures | null {
  return "error" in m ? null : m;
}

export function pair(sm: Measured<RunFigures>, slapd: Measured<RunFigures>): Pair {
  const a = ok(sm);
  const b = ok(slapd);
  return {
    sm,
    slapd,
    ratios: {
      throughput: ratio(a?.opsPerSecond, b?.opsPerSecond),
      p50: ratio(a?.latency.p50Ms, b?.latency.p50Ms),
      p99: ratio(a?.latency.p99Ms, b?.latency.p99Ms),
    },
  };
}

function target(
  id: string,
  description: string,
  value: number | null | undefined,
  threshold: number,
  atMost: boolean,
  detail?: string,
): Target {
  const v = value ?? null;
  const pass = v === null ? null : atMost ? v <= threshold : v >= threshold;
  return { id, description, value: v, threshold, pass, ...(detail ? { detail } : {}) };
}

export function evaluateTargets(
  writes: readonly WriteEntry[],
  searches: readonly SearchEntry[],
  memory: Measured<MemoryFigures>,
): Target[] {
  const w = (clients: number): RunFigures | null => {
    const e = writes.find((x) => x.clients === clients);
    return e ? ok(e.sm) : null;
  };
  const targets = [
    target(
      "writes-32",
      "acknowledged writes/s to 8 SEs with 32 clients >= 1000",
      w(32)?.opsPerSecond,
      1000,
      false,
    ),
    target("write-p99-8", "p99 write latency with 8 clients <= 25 ms", w(8)?.latency.p99Ms, 25, true),
    ...searches.map((s) =>
      target(
        `search-${s.kind}`,
        `${s.kind} search throughput >= 0.5 x slapd (${s.clients} clients)`,
        s.ratios.throughput,
        0.5,
        false,
      ),
    ),
  ];
  if ("error" in memory)
    return [...targets, target("sm-rss", "SM RSS at 10^5 entries <= 150 MB", null, 150, true)];
  const full = memory.contentEntries >= 100_000;
  const rss = target(
    "sm-rss",
    "SM RSS at 10^5 entries <= 150 MB",
    memory.sm?.vmRssMB,
    150,
    true,
    full ? undefined : `measured at ${memory.contentEntries} entries, not 10^5: not judged`,
  );
  return [...targets, full ? rss : { ...rss, pass: null }];
}

// ---------------------------------------------------------------------------------------------- text

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const f = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined ? "-" : v.toFixed(digits);

function cells(m: Measured<RunFigures>): string[] {
  const r = ok(m);
  if (!r) return ["error", "-", "-", "-", "-"];
  const errors = r.errors > 0 ? ` (${r.errors} failed)` : "";
  return [
    `${f(r.opsPerSecond, 0)}${errors}`,
    f(r.latency.p50Ms, 2),
    f(r.latency.p99Ms, 2),
    f(r.cpu.server, 2),
    f(r.cpu.generator, 2),
  ];
}

function pairRows(label: string[], p: Pair): string[][] {
  return [
    [...label, "SM", ...cells(p.sm), f(p.ratios.throughput, 2), f(p.ratios.p99, 2)],
    [...label.map(() => ""), "slapd", ...cells(p.slapd), "", ""],
  ];
}

const pairHeader = [
  "server",
  "req/s",
  "p50 ms",
  "p99 ms",
  "server CPUs",
  "generator CPUs",
  "SM/slapd",
  "p99 SM/slapd",
];

export interface TextInput {
  description: string[];
  load: Pair & { entries: number };
  memory: Measured<MemoryFigures>;
  writes: WriteEntry[];
  searches: SearchEntry[];
  catchup: Measured<CatchupFigures>;
  targets: Target[];
}

export function renderText(t: TextInput): string {
  const out = [...t.description, ""];
  out.push(`Loading ${t.load.entries} content entries through LDAP adds:`);
  out.push(table(["", ...pairHeader], pairRows([""], t.load)), "");
  out.push("Acknowledged writes (1:1 adds and modifies; SM: durable and acknowledged by every member):");
  out.push(
    table(
      ["clients", ...pairHeader],
      t.writes.flatMap((w) => pairRows([String(w.clients)], w)),
    ),
    "",
  );
  out.push("Searches:");
  out.push(
    table(
      ["search", "clients", ...pairHeader],
      t.searches.flatMap((s) => pairRows([s.kind, String(s.clients)], s)),
    ),
    "",
  );
  const m = t.memory;
  out.push(
    "error" in m
      ? `Memory: error: ${m.error}`
      : `Memory after loading ${m.contentEntries} content entries (SM dir.status entries ${m.smEntries ?? "-"}): ` +
          `SM VmRSS ${f(m.sm?.vmRssMB)} MB (peak ${f(m.sm?.vmHwmMB)}), slapd VmRSS ${f(m.slapd?.vmRssMB)} MB ` +
          `(peak ${f(m.slapd?.vmHwmMB)}), SM/slapd ${f(m.smToSlapd, 2)}`,
  );
  const c = t.catchup;
  out.push(
    "error" in c
      ? `Catch-up: error: ${c.error}`
      : `Catch-up of b${c.board}, killed while ${c.changes} changes were written (${f(c.writes.opsPerSecond, 0)} writes/s meanwhile), then restarted: ` +
          `its dir.status answered after ${f(c.startupSeconds, 3)} s and its lastCsn reached the SM's after ${f(c.caughtUpSeconds, 3)} s ` +
          `(catch-up ${f(c.catchupSeconds, 3)} s; the SM listed it caught up after ${f(c.smShowsCaughtUpSeconds, 1)} s); ` +
          `${c.bytesToSe} bytes to its port (${f(c.bytesPerChange)} per change; the clients had sent ${c.requestBytes} request bytes)`,
    "",
  );
  out.push("Targets:");
  for (const tg of t.targets) {
    const verdict = tg.pass === null ? "N/A " : tg.pass ? "PASS" : "FAIL";
    const value = tg.value === null ? "not measured" : String(tg.value);
    out.push(`  ${verdict}  ${tg.description}: ${value}${tg.detail ? ` (${tg.detail})` : ""}`);
  }
  return out.join("\n");
}
