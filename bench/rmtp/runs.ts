// One measurement of each protocol for one (recipients, loss) setting on a built lab: raw UDP multicast
// (the ceiling), TCP fan-out (the strong unicast baseline) and RMTP. Each spawns its agents, bounds every
// wait, reads the figures and stops its agents whatever happens.
import { execFile } from "node:child_process";
import { cpus } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { systemTool, type Lab } from "../../hil-tests/lab/index.js";
import type { Counters, RmtpParams } from "../../firmware/src/rmtp/core/types.js";
import type { NodeStatus } from "../../firmware/src/rmtp/core/node.js";
import { Agent, stopAll } from "./agents.js";
import type { LatencySent, RmtpReport, StreamResult } from "./agent-rmtp.js";
import type { RawStreamResult, RawTally } from "./agent-raw.js";
import type { TcpBulkTally, TcpStreamResult } from "./agent-tcp.js";
import { droppedOn, resetCounters, type Dropped } from "./nft-counters.js";
import {
  diffSnmp,
  now,
  timeNamespace,
  type AgentSpec,
  type ClockReading,
  type LatencyStamp,
  type UdpSnmp,
} from "./protocol.js";
import { ratio, round, sum, summarizeLatency, type LatencySummary } from "./stats.js";
import { CpuMeter, type CpuShare } from "./cpu.js";
import { portTxCounters } from "../lab-bench.js";

export interface BenchSettings {
  seconds: number;
  messageBytes: number;
  smallBytes: number;
  latencyCount: number;
  latencyIntervalMs: number;
  inflightMessages: number;
  rawOutstanding: number;
}

export interface RunContext {
  lab: Lab;
  settings: BenchSettings;
  params: RmtpParams;
  manager: number;
  sender: number;
  recipients: number[];
  incarnation: number;
  clock: ClockCheck;
}

/** Evidence that the agents' clocks are the orchestrator's: each reading falls inside the request's window. */
export class ClockCheck {
  agents = 0;
  violations: string[] = [];
  maxWindowMs = 0;
  readonly timeNamespace = timeNamespace();
  otherNamespaces = new Set<string>();

  async check(agents: readonly Agent[]): Promise<void> {
    for (const a of agents) {
      const before = now();
      const r = await a.request<ClockReading>("clock", {}, 5000);
      const after = now();
      this.agents++;
      this.maxWindowMs = Math.max(this.maxWindowMs, after - before);
      if (r.now < before || r.now > after)
        this.violations.push(`${a.name}: ${r.now} outside [${before}, ${after}]`);
      if (r.timeNamespace !== this.timeNamespace) this.otherNamespaces.add(`${a.name}: ${r.timeNamespace}`);
    }
  }

  get ok(): boolean {
    return this.violations.length === 0 && this.otherNamespaces.size === 0;
  }
}

export interface Goodput {
  /** Bytes delivered to every recipient per second, in MB/s (10^6 bytes). */
  MBps: number;
  /** Messages (datagrams for raw) delivered to every recipient per second. */
  messagesPerSec: number;
  messageBytes: number;
  messagesSent: number;
  messagesToAll: number;
  bytesToAll: number;
  /** From the first send to the moment the last recipient had everything it got. */
  seconds: number;
}

export interface RawFigures {
  goodput: Goodput & { slowestRecipientBytes: number; fastestRecipientBytes: number; sendErrors: number };
  latency: LatencySummary;
  lostDatagrams: Dropped;
  socketDrops: number;
  cpu: CpuShare;
}

export interface TcpFigures {
  goodput: Goodput & { allDelivered: boolean; checksumsOk: boolean; errors: string[] };
  latency: LatencySummary;
  /**
   * Packets to the TCP port at the recipients' input and those the loss rule dropped. The veths pass the
   * sender's TSO/GSO packets whole, so a packet here is an aggregate of many segments (avgPacketBytes):
   * TCP meets fewer, burstier loss events than RMTP's one-frame-per-packet traffic at the same loss rate.
   */
  packets: Dropped & { avgPacketBytes: number | null };
  cpu: CpuShare;
}

export interface RmtpFigures {
  goodput: Goodput & {
    allDelivered: boolean;
    checksumsOk: boolean;
    orderErrors: number;
    sendFailures: number;
    firstFailure: string | null;
  };
  latency: LatencySummary & { sendFailures: number };
  feedback: {
    perDataFramePerRecipient: number | null;
    acksPerDataFramePerRecipient: number | null;
    naksPerDataFramePerRecipient: number | null;
    grantsPerDataFramePerRecipient: number | null;
    acks: number;
    naks: number;
    managerNaks: number;
    grants: number;
    dataFramesSent: number;
  };
  resend: {
    lostDataFrames: number;
    dataFramesArrived: number;
    resentFrames: number;
    probes: number;
    resentPerLostFrame: number | null;
    /** Datagrams the kernel dropped because a member's socket buffer was full (recipients and manager). */
    socketDrops: number;
  };
  events: Record<string, number>;
  cpu: CpuShare;
}

function baseSpec(ctx: RunContext, board: number): { board: number; address: string; lifetimeMs: number } {
  const lifetimeMs = (ctx.settings.seconds * 20 + 180) * 1000;
  return { board, address: ctx.lab.board(board).address, lifetimeMs };
}

async function started(agents: readonly Agent[], timeoutMs = 15_000): Promise<void> {
  await Promise.all(agents.map((a) => a.waitEvent((e) => e.event === "ready", "ready", timeoutMs)));
}

/** Polls `probe` until `done` holds or `timeoutMs` passed; returns the last value either way. */
async function pollUntil<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() >= deadline) return value;
    await sleep(50);
  }
}

const execFileAsync = promisify(execFile);

/** Waits until the switch's snooping table lists every given board's port for the group. */
async function waitForSnooping(
  ctx: RunContext,
  boards: readonly number[],
  timeoutMs = 10_000,
): Promise<void> {
  const state = ctx.lab.describe();
  const want = boards.map((b) => ctx.lab.board(b).port);
  const missing = await pollUntil(
    async () => {
      const { stdout } = await execFileAsync(systemTool("bridge"), [
        "-n",
        state.switchNamespace,
        "-j",
        "mdb",
        "show",
      ]);
      const tables = JSON.parse(stdout.trim() === "" ? "[]" : stdout) as Array<{
        mdb?: Array<{ port: string; grp: string }>;
      }>;
      const ports = new Set(
        tables
          .flatMap((t) => t.mdb ?? [])
          .filter((e) => e.grp === state.group)
          .map((e) => e.port),
      );
      return want.filter((p) => !ports.has(p));
    },
    (left) => left.length === 0,
    timeoutMs,
  );
  if (missing.length > 0)
    throw new Error(`the switch never learned the group on ports ${missing.join(", ")}`);
}

function goodput(
  messagesSent: number,
  messagesToAll: number,
  messageBytes: number,
  startedAt: number,
  endAt: number,
): Goodput {
  const seconds = Math.max(endAt - startedAt, 1) / 1000;
  return {
    MBps: round((messagesToAll * messageBytes) / seconds / 1e6, 2),
    messagesPerSec: round(messagesToAll / seconds, 1),
    messageBytes,
    messagesSent,
    messagesToAll,
    bytesToAll: messagesToAll * messageBytes,
    seconds: round(seconds, 3),
  };
}

function latest(values: ReadonlyArray<number | null>, fallback: number): number {
  const present = values.filter((v): v is number => v !== null);
  return present.length > 0 ? Math.max(...present) : fallback;
}

// ---------------------------------------------------------------------------------------------- raw UDP

interface RawReport {
  bulk: RawTally;
  latency: LatencyStamp[];
  udpAtStart: UdpSnmp;
  udp: UdpSnmp;
}

export async function runRaw(ctx: RunContext): Promise<RawFigures> {
  const { lab, settings: s } = ctx;
  const group = lab.describe().group;
  const agents: Agent[] = [];
  const meter = new CpuMeter(cpus().length);
  try {
    await resetCounters(lab, ctx.recipients);
    const receivers = ctx.recipients.map(
      (b) => new Agent(lab, { ...baseSpec(ctx, b), role: "raw-recv", group }),
    );
    agents.push(...receivers);
    await started(receivers);
    await waitForSnooping(ctx, ctx.recipients);
    const sender = new Agent(lab, { ...baseSpec(ctx, ctx.sender), role: "raw-send", group });
    agents.push(sender);
    await started([sender]);
    await ctx.clock.check(agents);

    const frameBytes = ctx.params.frameBytes;
    const stream = await sender.request<RawStreamResult>(
      "stream",
      { seconds: s.seconds, datagramBytes: frameBytes, outstanding: s.rawOutstanding },
      s.seconds * 1000 + 15_000,
    );
    const reports = (): Promise<RawReport[]> =>
      Promise.all(receivers.map((r) => r.request<RawReport>("report")));
    // Receivers may still be working through their socket buffers: wait until none got anything for 300 ms.
    const bulk = await pollUntil(
      reports,
      (rs) => rs.every((r) => r.bulk.lastAt === null || now() - r.bulk.lastAt > 300),
      10_000,
    );
    const lostDatagrams = await droppedOn(lab, ctx.recipients, "raw");

    const sent = await sender.request<{ sentAt: number[] }>(
      "latency",
      { count: s.latencyCount, bytes: s.smallBytes, intervalMs: s.latencyIntervalMs },
      s.latencyCount * s.latencyIntervalMs + 10_000,
    );
    await sleep(300);
    const small = await reports();

    const cpu = meter.finish(agents.map((a) => a.pid));
    const counts = bulk.map((r) => r.bulk.datagrams);
    const slowest = Math.min(...counts);
    const end = latest(
      bulk.map((r) => r.bulk.lastAt),
      stream.endedAt,
    );
    return {
      goodput: {
        ...goodput(stream.datagrams, slowest, frameBytes, stream.startedAt, end),
        slowestRecipientBytes: slowest * frameBytes,
        fastestRecipientBytes: Math.max(...counts) * frameBytes,
        sendErrors: stream.errors,
      },
      latency: summarizeLatency(
        sent.sentAt,
        small.map((r) => r.latency),
      ),
      lostDatagrams,
      socketDrops: sum(bulk.map((r) => diffSnmp(r.udp, r.udpAtStart).rcvbufErrors)),
      cpu,
    };
  } finally {
    await stopAll(agents);
  }
}

// ---------------------------------------------------------------------------------------------- TCP

interface TcpReport {
  bulk: TcpBulkTally;
  latency: LatencyStamp[];
}

export async function runTcp(ctx: RunContext): Promise<TcpFigures> {
  const { lab, settings: s } = ctx;
  const agents: Agent[] = [];
  const meter = new CpuMeter(cpus().length);
  try {
    await resetCounters(lab, ctx.recipients);
    const receivers = ctx.recipients.map((b) => new Agent(lab, { ...baseSpec(ctx, b), role: "tcp-recv" }));
    agents.push(...receivers);
    await started(receivers);
    const addresses = ctx.recipients.map((b) => lab.board(b).address);
    const sender = new Agent(lab, { ...baseSpec(ctx, ctx.sender), role: "tcp-send", recipients: addresses });
    agents.push(sender);
    await started([sender]);
    await ctx.clock.check(agents);

    const stream = await sender.request<TcpStreamResult>(
      "stream",
      { seconds: s.seconds, messageBytes: s.messageBytes },
      s.seconds * 1000 + 120_000,
    );
    const reports = (): Promise<TcpReport[]> =>
      Promise.all(receivers.map((r) => r.request<TcpReport>("report")));
    const bulk = await pollUntil(reports, (rs) => rs.every((r) => r.bulk.done), 15_000);
    const packets = await droppedOn(lab, ctx.recipients, "tcp");

    await sender.request("connect-latency", { bytes: s.smallBytes });
    const sent = await sender.request<{ sentAt: number[] }>(
      "latency",
      { count: s.latencyCount, bytes: s.smallBytes, intervalMs: s.latencyIntervalMs },
      s.latencyCount * s.latencyIntervalMs + 10_000,
    );
    const small = await pollUntil(reports, (rs) => rs.every((r) => r.latency.length >= s.latencyCount), 5000);

    const cpu = meter.finish(agents.map((a) => a.pid));
    const complete = bulk.filter((r) => r.bulk.done && r.bulk.bytes === stream.bytes);
    const checksumsOk = bulk.every((r) => r.bulk.sha256 === stream.sha256);
    const allDelivered = complete.length === bulk.length && checksumsOk;
    const slowestBytes = Math.min(...bulk.map((r) => r.bulk.bytes));
    const end = latest(
      bulk.map((r) => r.bulk.lastAt),
      stream.endedAt,
    );
    return {
      goodput: {
        ...goodput(
          stream.messages,
          Math.floor(slowestBytes / s.messageBytes),
          s.messageBytes,
          stream.startedAt,
          end,
        ),
        allDelivered,
        checksumsOk,
        errors: [...stream.errors, ...bulk.flatMap((r) => r.bulk.errors)].slice(0, 5),
      },
      latency: summarizeLatency(
        sent.sentAt,
        small.map((r) => r.latency),
      ),
      packets: {
        ...packets,
        avgPacketBytes: packets.arrived > 0 ? Math.round(packets.arrivedBytes / packets.arrived) : null,
      },
      cpu,
    };
  } finally {
    await stopAll(agents);
  }
}

// ---------------------------------------------------------------------------------------------- RMTP

type Status = NodeStatus & { udp: UdpSnmp };

function delta(after: Counters, before: Counters, key: keyof Counters): number {
  return after[key] - before[key];
}

export async function runRmtp(ctx: RunContext): Promise<RmtpFigures> {
  const { lab, settings: s } = ctx;
  const group = lab.describe().group;
  const agents: Agent[] = [];
  const spec = (board: number, kind: "manager" | "sender" | "recipient"): AgentSpec => ({
    ...baseSpec(ctx, board),
    role: "rmtp",
    kind,
    group,
    keyFile: lab.describe().keyFile,
    params: ctx.params,
    senderId: ctx.sender,
    incarnation: ctx.incarnation,
  });
  const meter = new CpuMeter(cpus().length);
  try {
    await resetCounters(lab, ctx.recipients);
    const manager = new Agent(lab, spec(ctx.manager, "manager"));
    agents.push(manager);
    await started([manager]);
    const recipients = ctx.recipients.map((b) => new Agent(lab, spec(b, "recipient")));
    const sender = new Agent(lab, spec(ctx.sender, "sender"));
    agents.push(...recipients, sender);
    const members = [sender, ...recipients];
    await started(members);
    await Promise.all(members.map((a) => a.waitEvent((e) => e.event === "admitted", "admission", 15_000)));
    const expected = ctx.recipients.length + 2;
    const managed = await pollUntil(
      () => manager.request<Status>("status"),
      (st) => st.members.length === expected,
      10_000,
    );
    if (managed.members.length !== expected)
      throw new Error(`the manager lists ${managed.members.length} members, expected ${expected}`);
    await waitForSnooping(ctx, [ctx.manager, ctx.sender, ...ctx.recipients]);
    await ctx.clock.check(agents);

    const statuses = (): Promise<Status[]> => Promise.all(agents.map((a) => a.request<Status>("status")));
    const before = await statuses();
    const stream = await sender.request<StreamResult>(
      "stream",
      { seconds: s.seconds, messageBytes: s.messageBytes, inflight: s.inflightMessages },
      s.seconds * 1000 + ctx.params.sendTimeoutMs + 60_000,
    );
    const reports = (): Promise<RmtpReport[]> =>
      Promise.all(recipients.map((r) => r.request<RmtpReport>("report")));
    const bulk = await pollUntil(reports, (rs) => rs.every((r) => r.bulk.count >= stream.messages), 10_000);
    const after = await statuses();
    const lost = await droppedOn(lab, ctx.recipients, "rmtpData");

    const sent = await sender.request<LatencySent>(
      "latency",
      { count: s.latencyCount, bytes: s.smallBytes, intervalMs: s.latencyIntervalMs },
      s.latencyCount * s.latencyIntervalMs + ctx.params.sendTimeoutMs + 10_000,
    );
    const small = await pollUntil(reports, (rs) => rs.every((r) => r.latency.length >= s.latencyCount), 5000);

    const cpu = meter.finish(agents.map((a) => a.pid));
    // Counters: agents are [manager, ...recipients, sender].
    const c = (i: number, key: keyof Counters): number => delta(after[i]!.counters, before[i]!.counters, key);
    const recipientIdx = ctx.recipients.map((_, k) => k + 1);
    const senderIdx = agents.length - 1;
    const n = ctx.recipients.length;
    const dataFramesSent = c(senderIdx, "dataFramesSent");
    const acks = sum(recipientIdx.map((i) => c(i, "acksSent")));
    const naks = sum(recipientIdx.map((i) => c(i, "naksSent")));
    const managerNaks = c(0, "naksSent");
    const grants = c(0, "grantsSent");
    const per = (v: number): number | null => ratio(v, dataFramesSent * n, 4);
    const resentFrames = c(senderIdx, "resentFrames");
    const udpDrops = [0, ...recipientIdx].map((i) => diffSnmp(after[i]!.udp, before[i]!.udp).rcvbufErrors);

    const counts = bulk.map((r) => r.bulk.count);
    const toAll = Math.min(...counts);
    const checksumsOk = bulk.every((r) => r.bulk.sha256 === stream.sha256);
    const orderErrors = sum(bulk.map((r) => r.bulk.orderErrors));
    const allDelivered =
      toAll === stream.messages && checksumsOk && orderErrors === 0 && stream.failures === 0;
    const end = latest(
      bulk.map((r) => r.bulk.lastAt),
      stream.completedAt,
    );
    const events: Record<string, number> = {};
    for (const r of small) for (const [k, v] of Object.entries(r.events)) events[k] = (events[k] ?? 0) + v;
    const managerEvents = await manager.request<RmtpReport>("report");
    for (const [k, v] of Object.entries(managerEvents.events)) events[`manager:${k}`] = v;

    return {
      goodput: {
        ...goodput(stream.messages, toAll, s.messageBytes, stream.startedAt, end),
        allDelivered,
        checksumsOk,
        orderErrors,
        sendFailures: stream.failures,
        firstFailure: stream.firstFailure,
      },
      latency: {
        ...summarizeLatency(
          sent.sentAt,
          small.map((r) => r.latency),
        ),
        sendFailures: sent.failures,
      },
      feedback: {
        perDataFramePerRecipient: per(acks + naks + managerNaks + grants),
        acksPerDataFramePerRecipient: per(acks),
        naksPerDataFramePerRecipient: per(naks + managerNaks),
        grantsPerDataFramePerRecipient: per(grants),
        acks,
        naks,
        managerNaks,
        grants,
        dataFramesSent,
      },
      resend: {
        lostDataFrames: lost.dropped,
        dataFramesArrived: lost.arrived,
        resentFrames,
        probes: c(senderIdx, "probes"),
        resentPerLostFrame: ratio(resentFrames, lost.dropped, 3),
        socketDrops: sum(udpDrops),
      },
      events,
      cpu,
    };
  } finally {
    await stopAll(agents);
  }
}

// ---------------------------------------------------------------------------------------------- warm-up

/**
 * A freshly built switch floods multicast to every port until its IGMP querier is established (about one
 * query interval, 10 s in the lab), which makes the sender copy each datagram to every board. Waits until
 * datagrams from `sender` to a group that `member` joined no longer leave through `outsider`'s port;
 * returns the seconds waited, or null when flooding had not stopped after `timeoutMs`.
 */
export async function waitForSnoopingActive(
  lab: Lab,
  boards: { sender: number; member: number; outsider: number },
  timeoutMs = 30_000,
): Promise<number | null> {
  const group = lab.describe().group;
  const start = Date.now();
  const member = new Agent(lab, {
    board: boards.member,
    address: lab.board(boards.member).address,
    lifetimeMs: timeoutMs + 30_000,
    role: "raw-recv",
    group,
  });
  const sender = new Agent(lab, {
    board: boards.sender,
    address: lab.board(boards.sender).address,
    lifetimeMs: timeoutMs + 30_000,
    role: "raw-send",
    group,
  });
  try {
    await started([member, sender]);
    for (;;) {
      const before = (await portTxCounters(lab, boards.outsider)).packets;
      await sender.request("latency", { count: 20, bytes: 64, intervalMs: 1 });
      await sleep(100);
      const flooded = (await portTxCounters(lab, boards.outsider)).packets - before;
      if (flooded < 10) return round((Date.now() - start) / 1000, 1);
      if (Date.now() - start > timeoutMs) return null;
      await sleep(1000);
    }
  } finally {
    await stopAll([member, sender]);
  }
}
