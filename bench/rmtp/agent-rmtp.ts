// The RMTP roles of the benchmark: an RmtpEndpoint on a UdpTransport in the board's namespace, with the
// same parameters (config defaults) as the daemon. The manager (managerEpoch 1) only manages; the sender
// streams bulk messages and sends small ones; recipients count, hash and stamp what they deliver.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Role as FrameRole } from "../../firmware/src/rmtp/codec/frames.js";
import { Keyring } from "../../firmware/src/rmtp/codec/keyring.js";
import type { Delivery, NodeEvent } from "../../firmware/src/rmtp/core/types.js";
import { realClock } from "../../firmware/src/rmtp/io/clock.js";
import { RmtpEndpoint } from "../../firmware/src/rmtp/io/endpoint.js";
import { UdpTransport } from "../../firmware/src/rmtp/io/udp-transport.js";
import type { Role } from "./agent.js";
import {
  bulkPayload,
  latencyPayload,
  now,
  Phase,
  readUdpSnmp,
  rmtpPort,
  type AgentEvent,
  type AgentSpec,
  type BulkTally,
  type LatencyStamp,
  numberArg,
} from "./protocol.js";

type RmtpSpec = Extract<AgentSpec, { role: "rmtp" }>;

export interface StreamResult {
  messages: number;
  bytes: number;
  sha256: string;
  startedAt: number;
  submitEndedAt: number;
  completedAt: number;
  failures: number;
  firstFailure: string | null;
}

export interface LatencySent {
  sentAt: number[];
  failures: number;
  firstFailure: string | null;
}

export interface RmtpReport {
  bulk: BulkTally;
  latency: LatencyStamp[];
  /** How many of each RMTP event this member saw (gaps, evictions, dropped messages, ...). */
  events: Record<string, number>;
}

export async function startRmtp(spec: RmtpSpec, emit: (e: AgentEvent) => void): Promise<Role> {
  const secret = Buffer.from(readFileSync(spec.keyFile, "utf8").trim(), "hex");
  const keyring = new Keyring([{ id: 1, secret }], 1);
  const transport = await UdpTransport.open({
    group: spec.group,
    port: rmtpPort,
    interfaceAddress: spec.address,
  });

  const hash = createHash("sha256");
  const bulk: BulkTally = { count: 0, bytes: 0, sha256: "", orderErrors: 0, firstAt: null, lastAt: null };
  const latency: LatencyStamp[] = [];
  const events: Record<string, number> = {};

  const onDeliver = (d: Delivery): void => {
    const at = now();
    if (d.source !== spec.senderId) return;
    const p = d.payload;
    if (p[0] === Phase.Bulk) {
      if (p.readUInt32BE(1) !== bulk.count) bulk.orderErrors++;
      hash.update(p);
      bulk.count++;
      bulk.bytes += p.length;
      bulk.firstAt ??= at;
      bulk.lastAt = at;
    } else if (p[0] === Phase.Latency) {
      latency.push([p.readUInt32BE(1), at]);
    }
  };
  const onEvent = (e: NodeEvent): void => {
    events[e.event] = (events[e.event] ?? 0) + 1;
    if (e.event === "admitted") emit({ event: "admitted", board: spec.board, epoch: e.epoch });
  };

  const endpoint = new RmtpEndpoint({
    identity: {
      id: spec.board,
      name: `b${spec.board}`,
      role: spec.kind === "manager" ? FrameRole.Sm : FrameRole.Se,
      incarnation: spec.incarnation,
    },
    params: spec.params,
    keyring,
    transport,
    clock: realClock,
    managerEpoch: spec.kind === "manager" ? 1 : undefined,
    onDeliver,
    onEvent,
  });

  const stream = async (args: Record<string, unknown>): Promise<StreamResult> => {
    const seconds = numberArg(args, "seconds");
    const messageBytes = numberArg(args, "messageBytes");
    const inflight = numberArg(args, "inflight");
    const pool = Array.from({ length: 16 }, () => randomBytes(messageBytes));
    const sent = createHash("sha256");
    const startedAt = now();
    const submitUntil = startedAt + seconds * 1000;
    let messages = 0;
    let outstanding = 0;
    let failures = 0;
    let firstFailure: string | null = null;
    let submitEndedAt = 0;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (outstanding < inflight && now() < submitUntil) {
          const payload = bulkPayload(messages++, messageBytes, pool);
          sent.update(payload);
          outstanding++;
          endpoint.send(payload).then(
            () => settle(),
            (err: Error) => {
              failures++;
              firstFailure ??= err.message;
              settle();
            },
          );
        }
        if (submitEndedAt === 0 && now() >= submitUntil) submitEndedAt = now();
        if (outstanding === 0 && submitEndedAt !== 0) resolve();
      };
      const settle = (): void => {
        outstanding--;
        pump();
      };
      pump();
      // Nothing may complete for a while (a lost grant): look at the clock on a timer too.
      const timer = setInterval(() => {
        pump();
        if (outstanding === 0 && submitEndedAt !== 0) clearInterval(timer);
      }, 20);
    });
    return {
      messages,
      bytes: messages * messageBytes,
      sha256: sent.digest("hex"),
      startedAt,
      submitEndedAt,
      completedAt: now(),
      failures,
      firstFailure,
    };
  };

  const sendSmall = async (args: Record<string, unknown>): Promise<LatencySent> => {
    const count = numberArg(args, "count");
    const bytes = numberArg(args, "bytes");
    const intervalMs = numberArg(args, "intervalMs");
    const sentAt: number[] = [];
    const done: Promise<unknown>[] = [];
    let failures = 0;
    let firstFailure: string | null = null;
    const start = now();
    for (let i = 0; i < count; i++) {
      const due = start + i * intervalMs;
      const wait = due - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const at = now();
      sentAt.push(at);
      done.push(
        endpoint.send(latencyPayload(i, bytes, at)).catch((err: Error) => {
          failures++;
          firstFailure ??= err.message;
        }),
      );
    }
    await Promise.all(done);
    return { sentAt, failures, firstFailure };
  };

  return {
    handlers: {
      status: () => ({ ...endpoint.status(), udp: readUdpSnmp() }),
      stream,
      latency: sendSmall,
      report: (): RmtpReport => ({
        bulk: { ...bulk, sha256: hash.copy().digest("hex") },
        latency,
        events,
      }),
    },
    close: () => endpoint.close(),
  };
}
