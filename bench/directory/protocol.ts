// What the orchestrator and the load generator processes share: the agent spec (argv), the command and reply
// lines (JSON, one per line on stdin/stdout), the clock, and what a run of requests reports.

/** Milliseconds of CLOCK_MONOTONIC. Network namespaces share it, so stamps from different boards compare. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface AgentSpec {
  board: number;
  /** The LDAP server: a board's address and port. */
  host: string;
  port: number;
  bindDn: string;
  passwordFile: string;
  suffix: string;
  /** The simulated clients of this process, numbered across all processes of a run. */
  clients: number[];
  /** The agent exits by itself after this long, whatever happens to the orchestrator. */
  lifetimeMs: number;
}

export interface Command {
  seq: number;
  cmd: string;
  args?: Record<string, unknown>;
}

export type Reply = { seq: number; ok: true; result: unknown } | { seq: number; ok: false; error: string };

export interface ReadyEvent {
  event: "ready";
  pid: number;
}

/** What one agent reports for one run of requests. */
export interface RunReport {
  /** Requests that completed as expected, and those that did not (an LDAP error or a wrong entry count). */
  ops: number;
  errors: number;
  firstError: string | null;
  /** Request latencies in ms (send to final result), when asked for. */
  latencies: number[];
  startedAt: number;
  endedAt: number;
  /** LDAP request bytes written. */
  bytesSent: number;
  /** CPU time (user + system) this process used during the run, in ms. */
  cpuMs: number;
}

/** A numeric argument of an agent command. */
export function numberArg(args: Record<string, unknown>, key: string): number {
  const v = args[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`argument ${key} must be a number`);
  return v;
}

export function stringArg(args: Record<string, unknown>, key: string): string {
  const v = args[key];
  if (typeof v !== "string") throw new Error(`argument ${key} must be a string`);
  return v;
}
