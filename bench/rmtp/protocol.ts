// What the orchestrator and the agent processes share: the agent specs (argv), the command and reply lines
// (JSON, one per line on stdin/stdout), the clock, the payload layout and the UDP counters of a namespace.
import { readFileSync, readlinkSync } from "node:fs";
import type { RmtpParams } from "../../firmware/src/rmtp/core/types.js";

/** Milliseconds of CLOCK_MONOTONIC. Network namespaces share it, so stamps from different boards compare. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The time namespace of this process (`time:[inode]`): equal across processes means one CLOCK_MONOTONIC. */
export function timeNamespace(): string {
  try {
    return readlinkSync("/proc/self/ns/time");
  } catch {
    return "unknown";
  }
}

export const rmtpPort = 5405;
export const rawPort = 5406;
export const tcpPort = 5407;

interface CommonSpec {
  board: number;
  address: string;
  /** The agent exits by itself after this long, whatever happens to the orchestrator. */
  lifetimeMs: number;
}

export type AgentSpec =
  | (CommonSpec & {
      role: "rmtp";
      kind: "manager" | "sender" | "recipient";
      group: string;
      keyFile: string;
      params: RmtpParams;
      senderId: number;
      incarnation: number;
    })
  | (CommonSpec & { role: "raw-recv"; group: string })
  | (CommonSpec & { role: "raw-send"; group: string })
  | (CommonSpec & { role: "tcp-recv" })
  | (CommonSpec & { role: "tcp-send"; recipients: string[] });

export type AgentRole = AgentSpec["role"];

export interface Command {
  seq: number;
  cmd: string;
  args?: Record<string, unknown>;
}

export type Reply = { seq: number; ok: true; result: unknown } | { seq: number; ok: false; error: string };

export interface AgentEvent {
  event: string;
  [key: string]: unknown;
}

export interface ClockReading {
  now: number;
  timeNamespace: string;
}

/** Payload layout of every message and datagram: byte 0 the phase, bytes 1-4 the index, 8-15 the send stamp. */
export const Phase = { Bulk: 1, Latency: 2 } as const;

/** Bulk message `index`: a block of random bytes from `pool` with the phase and index written over its start. */
export function bulkPayload(index: number, bytes: number, pool: readonly Buffer[]): Buffer {
  const buf = Buffer.allocUnsafe(bytes);
  const block = pool[index % pool.length]!;
  block.copy(buf, 0, 0, bytes);
  buf[0] = Phase.Bulk;
  buf.writeUInt32BE(index, 1);
  return buf;
}

/** A numeric argument of an agent command. */
export function numberArg(args: Record<string, unknown>, key: string): number {
  const v = args[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`argument ${key} must be a number`);
  return v;
}

/**
 * Sends `count` small stamped messages `intervalMs` apart (args: count, bytes, intervalMs) through `send`;
 * returns when each was sent, for the latency runs of the baselines.
 */
export async function sendPacedSmall(
  args: Record<string, unknown>,
  now: () => number,
  send: (payload: Buffer) => void,
): Promise<{ sentAt: number[] }> {
  const count = numberArg(args, "count");
  const bytes = numberArg(args, "bytes");
  const intervalMs = numberArg(args, "intervalMs");
  const sentAt: number[] = [];
  const start = now();
  for (let i = 0; i < count; i++) {
    const wait = start + i * intervalMs - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const at = now();
    sentAt.push(at);
    send(latencyPayload(i, bytes, at));
  }
  return { sentAt };
}

/** Small message `index` stamped with its send time (ms of CLOCK_MONOTONIC). */
export function latencyPayload(index: number, bytes: number, sentAt: number): Buffer {
  const buf = Buffer.alloc(Math.max(bytes, 16));
  buf[0] = Phase.Latency;
  buf.writeUInt32BE(index, 1);
  buf.writeDoubleBE(sentAt, 8);
  return buf;
}

export interface BulkTally {
  count: number;
  bytes: number;
  sha256: string;
  /** Messages whose index was not the next expected one (lost, duplicated or reordered). */
  orderErrors: number;
  firstAt: number | null;
  lastAt: number | null;
}

/** A delivery of small message `index` at `at`. */
export type LatencyStamp = [index: number, at: number];

export interface UdpSnmp {
  inDatagrams: number;
  inErrors: number;
  rcvbufErrors: number;
  sndbufErrors: number;
}

/** The UDP counters of this process's network namespace (/proc/net/snmp is per namespace). */
export function readUdpSnmp(): UdpSnmp {
  const lines = readFileSync("/proc/net/snmp", "utf8")
    .split("\n")
    .filter((l) => l.startsWith("Udp:"));
  const names = lines[0]?.split(/\s+/).slice(1) ?? [];
  const values = lines[1]?.split(/\s+/).slice(1).map(Number) ?? [];
  const get = (name: string): number => values[names.indexOf(name)] ?? 0;
  return {
    inDatagrams: get("InDatagrams"),
    inErrors: get("InErrors"),
    rcvbufErrors: get("RcvbufErrors"),
    sndbufErrors: get("SndbufErrors"),
  };
}

export function diffSnmp(after: UdpSnmp, before: UdpSnmp): UdpSnmp {
  return {
    inDatagrams: after.inDatagrams - before.inDatagrams,
    inErrors: after.inErrors - before.inErrors,
    rcvbufErrors: after.rcvbufErrors - before.rcvbufErrors,
    sndbufErrors: after.sndbufErrors - before.sndbufErrors,
  };
}
