// One measurement each: load N content entries, a write run, a search run (each against one server, the
// SM or slapd, with the same load generator), and the catch-up of an SE that was stopped while changes
// were written. Each returns its figures; the orchestrator pairs the SM's with slapd's.
import type { Lab } from "../../hil-tests/lab/index.js";
import { percentile, round, sum } from "../rmtp/stats.js";
import { startGenerators, stopAll, type Generator } from "./agents.js";
import { dirStatus, memoryOf, ProcessCpu, type Memory } from "./probes.js";
import { portTxCounters } from "../lab-bench.js";
import { now, type AgentSpec, type RunReport } from "./protocol.js";
import type { SearchKind } from "./workload.js";

export interface Server {
  name: "sm" | "slapd";
  host: string;
  port: number;
  pid: number | null;
  /** Other processes that work for this server's writes (the SM's replicas), for the CPU figures. */
  helperPids: number[];
}

export interface RunContext {
  lab: Lab;
  suffix: string;
  bindDn: string;
  passwordFile: string;
  /** The board whose namespace the load generator processes run in. */
  clientBoard: number;
  processes: number;
}

export interface RunFigures {
  clients: number;
  ops: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  opsPerSecond: number;
  latency: { p50Ms: number | null; p99Ms: number | null; maxMs: number | null; meanMs: number | null };
  cpu: {
    /** Average CPUs used by the load generator processes, the server, and the server's helpers. */
    generator: number;
    server: number;
    helpers: number;
    /** Server and helper CPU ms per completed request. */
    serverMsPerOp: number | null;
    helpersMsPerOp: number | null;
  };
  requestBytes: number;
}

function generatorSpec(ctx: RunContext, server: Server, timeoutMs: number): Omit<AgentSpec, "clients"> {
  return {
    board: ctx.clientBoard,
    host: server.host,
    port: server.port,
    bindDn: ctx.bindDn,
    passwordFile: ctx.passwordFile,
    suffix: ctx.suffix,
    lifetimeMs: timeoutMs + 60_000,
  };
}

function latency(reports: readonly RunReport[]): RunFigures["latency"] {
  const all = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  if (all.length === 0) return { p50Ms: null, p99Ms: null, maxMs: null, meanMs: null };
  return {
    p50Ms: round(percentile(all, 50), 3),
    p99Ms: round(percentile(all, 99), 3),
    maxMs: round(all[all.length - 1]!, 3),
    meanMs: round(sum(all) / all.length, 3),
  };
}

/**
 * Starts `clients` connections (split over the generator processes), sends each process the command that
 * `args(p)` gives for process p, waits for every report, stops the processes and sums up.
 */
async function runOnGenerators(
  ctx: RunContext,
  server: Server,
  clients: number,
  cmd: string,
  args: (process: number, of: number) => Record<string, unknown>,
  timeoutMs: number,
): Promise<RunFigures> {
  let generators: Generator[] = [];
  try {
    generators = await startGenerators(
      ctx.lab,
      generatorSpec(ctx, server, timeoutMs),
      clients,
      ctx.processes,
    );
    const cpu = {
      generator: new ProcessCpu(generators.map((g) => g.pid)),
      server: new ProcessCpu([server.pid]),
      helpers: new ProcessCpu(server.helperPids),
    };
    const reports = await Promise.all(
      generators.map((g, p) => g.request<RunReport>(cmd, args(p, generators.length), timeoutMs)),
    );
    const cpus = { generator: cpu.generator.cpus(), server: cpu.server.cpus(), helpers: cpu.helpers.cpus() };
    const startedAt = Math.min(...reports.map((r) => r.startedAt));
    const seconds = (Math.max(...reports.map((r) => r.endedAt)) - startedAt) / 1000;
    const ops = sum(reports.map((r) => r.ops));
    const perOp = (busy: number): number | null => (ops > 0 ? round((busy * seconds * 1000) / ops, 3) : null);
    return {
      clients,
      ops,
      errors: sum(reports.map((r) => r.errors)),
      firstError: reports.find((r) => r.firstError !== null)?.firstError ?? null,
      seconds: round(seconds, 3),
      opsPerSecond: round(ops / Math.max(seconds, 0.001), 1),
      latency: latency(reports),
      cpu: {
        ...cpus,
        serverMsPerOp: perOp(cpus.server),
        helpersMsPerOp: server.helperPids.length > 0 ? perOp(cpus.helpers) : null,
      },
      requestBytes: sum(reports.map((r) => r.bytesSent)),
    };
  } finally {
    await stopAll(generators);
  }
}

/** Adds the tree (slapd only) or the 20 engine entries on one connection. */
export async function addFixedEntries(
  ctx: RunContext,
  server: Server,
  which: "tree" | "engines",
): Promise<void> {
  const r = await runOnGenerators(ctx, server, 1, "entries", () => ({ which }), 60_000);
  if (r.errors > 0) throw new Error(`adding the ${which} to ${server.name} failed: ${r.firstError}`);
}

/** Adds content entries 0 .. entries - 1 with `clients` connections, each process taking a share. */
export async function load(
  ctx: RunContext,
  server: Server,
  clients: number,
  entries: number,
): Promise<RunFigures> {
  const share = (p: number, of: number): { from: number; to: number } => ({
    from: Math.floor((entries * p) / of),
    to: Math.floor((entries * (p + 1)) / of),
  });
  const r = await runOnGenerators(ctx, server, clients, "load", share, Math.max(120_000, entries * 20));
  if (r.errors > 0)
    throw new Error(`loading ${server.name}: ${r.errors} adds failed, first: ${r.firstError}`);
  return r;
}

/** The write mix for `seconds` with `clients` connections; `run` keeps the DNs of each run apart. */
export function writes(
  ctx: RunContext,
  server: Server,
  clients: number,
  seconds: number,
  run: string,
): Promise<RunFigures> {
  return runOnGenerators(ctx, server, clients, "write", () => ({ run, seconds }), seconds * 1000 + 60_000);
}

export function searches(
  ctx: RunContext,
  server: Server,
  clients: number,
  seconds: number,
  kind: SearchKind,
  loaded: number,
): Promise<RunFigures> {
  return runOnGenerators(
    ctx,
    server,
    clients,
    "search",
    () => ({ kind, seconds, loaded }),
    seconds * 1000 + 30_000,
  );
}

export interface CatchupFigures {
  board: number;
  /** Changes the SE missed: the SM's last CSN at the restart minus the SE's before it was killed. */
  changes: number;
  writes: RunFigures;
  /** From the restart until the daemon's control socket answered dir.status (process start, store open). */
  startupSeconds: number;
  /** From the restart until the SE's own dir.status lastCsn reached the SM's (polled every 20 ms). */
  caughtUpSeconds: number;
  /** caughtUpSeconds - startupSeconds: the catch-up itself. */
  catchupSeconds: number;
  /** From the restart until the SM's dir.status listed the SE at the SM's CSN (replicas report once a second). */
  smShowsCaughtUpSeconds: number | null;
  /** Bytes the switch sent to the SE's port from the restart until it had caught up, and per change. */
  bytesToSe: number;
  bytesPerChange: number | null;
  /** LDAP request bytes of the writes it missed, as the clients sent them. */
  requestBytes: number;
  seMemoryAfter: Memory | null;
}

async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const until = now() + timeoutMs;
  for (;;) {
    const v = await read().catch(() => undefined);
    if (v !== undefined && done(v)) return v;
    if (now() > until) throw new Error(`condition not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Kills SE `board`'s daemon (SIGKILL), writes `changes` changes to the SM with `clients` connections,
 * restarts the daemon and times its catch-up.
 */
export async function catchup(
  ctx: RunContext,
  sm: Server,
  board: number,
  clients: number,
  changes: number,
): Promise<CatchupFigures> {
  const { lab } = ctx;
  const before = await dirStatus(lab, board);
  await lab.fault(board, { kind: "kill" });
  const perClient = Math.ceil(changes / clients);
  const run = `catchup${Date.now() % 1e6}`;
  const w = await runOnGenerators(
    ctx,
    sm,
    clients,
    "write",
    () => ({ run, perClient }),
    changes * 50 + 60_000,
  );
  if (w.errors > 0) throw new Error(`writes while b${board} was down: ${w.errors} failed, ${w.firstError}`);
  const target = (await dirStatus(lab, 1)).lastCsn;
  const bytesBefore = (await portTxCounters(lab, board)).bytes;
  const t0 = now();
  await lab.fault(board, { kind: "restart" });
  const timeoutMs = 120_000 + changes * 10;
  await waitFor(
    () => dirStatus(lab, board, 1000),
    () => true,
    timeoutMs,
  );
  const startup = now() - t0;
  await waitFor(
    () => dirStatus(lab, board, 1000),
    (s) => s.lastCsn >= target,
    timeoutMs,
  );
  const caughtUp = now() - t0;
  const bytesToSe = (await portTxCounters(lab, board)).bytes - bytesBefore;
  const smView = await waitFor(
    () => dirStatus(lab, 1),
    (s) => s.replicas.some((r) => r.node === board && r.have >= target),
    10_000,
  ).then(
    () => now() - t0,
    () => null,
  );
  const missed = target - before.lastCsn;
  const pid = lab.describe().boards[board - 1]?.pid;
  return {
    board,
    changes: missed,
    writes: w,
    startupSeconds: round(startup / 1000, 3),
    caughtUpSeconds: round(caughtUp / 1000, 3),
    catchupSeconds: round((caughtUp - startup) / 1000, 3),
    smShowsCaughtUpSeconds: smView === null ? null : round(smView / 1000, 3),
    bytesToSe,
    bytesPerChange: missed > 0 ? round(bytesToSe / missed, 1) : null,
    requestBytes: w.requestBytes,
    seMemoryAfter: pid ? memoryOf(pid) : null,
  };
}
