// A whole RMTP group on the virtual lab for the system tests: 10 boards running real `iss run` daemons
// (board 1 the manager), formed and checked through the control sockets, with every board's deliveries and
// events recorded from its `rmtp.deliver` and `rmtp.event` subscriptions. The lab is torn down in
// t.teardown, so a failing test leaves nothing behind but a report of its daemons' notable log lines.
import type { ExecutionContext } from "ava";
import { createHash, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { loadConfigFile } from "../../firmware/src/config/load.js";
import type { RmtpConfig } from "../../firmware/src/config/schema.js";
import { ControlClient } from "../../firmware/src/control/client.js";
import type { DaemonStatus } from "../../firmware/src/daemon/daemon.js";
import type { NodeEvent, SendResult } from "../../firmware/src/rmtp/core/types.js";
import { createLab, destroyLab, type Lab } from "../lab/index.js";
import { failureReport } from "./failure-report.js";

export interface Delivered {
  source: number;
  sourceName: string;
  incarnation: number;
  messageId: number;
  bytes: number;
  /** Computed here from the delivered payload, not taken from the daemon. */
  sha256: string;
  at: number;
}

export interface SeenEvent {
  at: number;
  event: NodeEvent;
}

interface DeliverEvent {
  source: number;
  sourceName: string;
  incarnation: number;
  messageId: number;
  payloadBase64: string;
}

/** A lab name of the form st + 4 random base-36 characters ("st*" labs belong to these tests). */
export function systemTestLabName(): string {
  return "st" + [...randomBytes(4)].map((b) => (b % 36).toString(36)).join("");
}

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Polls `probe` every `everyMs` until `ok` holds or `timeoutMs` passed; returns the last value. */
export async function pollUntil<T>(
  probe: () => Promise<T> | T,
  ok: (value: T) => boolean,
  timeoutMs: number,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() >= deadline) return value;
    await sleep(everyMs);
  }
}

/** `promise`, or a rejection naming `what` after `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class GroupUnderTest {
  readonly deliveries = new Map<number, Delivered[]>();
  readonly events = new Map<number, SeenEvent[]>();
  private readonly clients = new Map<number, ControlClient>();
  private closed = false;

  private constructor(readonly lab: Lab) {
    for (const b of lab.boards) {
      this.deliveries.set(b.index, []);
      this.events.set(b.index, []);
    }
  }

  /** Starts a lab of `boards` boards, waits until the group has formed and subscribes to every board. */
  static async start(t: ExecutionContext, boards = 10, formTimeoutMs = 15_000): Promise<GroupUnderTest> {
    const name = systemTestLabName();
    const opened: GroupUnderTest[] = [];
    t.teardown(async () => {
      opened.forEach((g) => g.close());
      const lab = opened[0]?.lab;
      if (!t.passed && lab)
        process.stderr.write(`lab ${name} after a failure:\n${await failureReport(lab)}\n`);
      await destroyLab(name);
    });
    const lab = await createLab({ name, boards, directory: false });
    const group = new GroupUnderTest(lab);
    opened.push(group);
    t.log(`lab ${name}: ${boards} boards`);
    for (const b of lab.boards) await group.connect(b.index, formTimeoutMs);
    await group.waitFormed(formTimeoutMs);
    return group;
  }

  get boardIndexes(): number[] {
    return this.lab.boards.map((b) => b.index);
  }

  /** The board's validated `rmtp` config, defaults included (what its daemon runs with). */
  rmtpConfig(board: number): RmtpConfig {
    const loaded = loadConfigFile(this.lab.board(board).configPath);
    if (!loaded.ok) throw new Error(`config of board ${board}: ${JSON.stringify(loaded.errors)}`);
    return loaded.value.config.rmtp;
  }

  client(board: number): ControlClient {
    const c = this.clients.get(board);
    if (!c) throw new Error(`no control connection to board ${board}`);
    return c;
  }

  /** (Re)connects to the board's control socket, retrying until it answers, and subscribes again. */
  async connect(board: number, timeoutMs = 10_000): Promise<void> {
    this.clients.get(board)?.close();
    this.clients.delete(board);
    const path = this.lab.board(board).controlSocket;
    const deadline = Date.now() + timeoutMs;
    let client: ControlClient | undefined;
    let lastError: unknown;
    while (!client && Date.now() < deadline) {
      try {
        client = await ControlClient.connect(path, 1000);
      } catch (err) {
        lastError = err;
        await sleep(50);
      }
    }
    if (!client) throw new Error(`board ${board}: ${String(lastError)}`);
    this.clients.set(board, client);
    await client.subscribe("rmtp.deliver", (e) => this.recordDelivery(board, e as DeliverEvent));
    await client.subscribe("rmtp.event", (e) =>
      this.events.get(board)?.push({ at: Date.now(), event: e as NodeEvent }),
    );
  }

  status(board: number): Promise<DaemonStatus> {
    return this.client(board).call<DaemonStatus>("status");
  }

  /**
   * `status` over a connection of its own, so the answer does not queue behind large requests (submissions)
   * pipelined on the board's main connection.
   */
  async freshStatus(board: number): Promise<DaemonStatus> {
    const client = await ControlClient.connect(this.lab.board(board).controlSocket, 2000);
    try {
      return await client.call<DaemonStatus>("status");
    } finally {
      client.close();
    }
  }

  /** Waits until board `board` has sent at least `frames` more DATA frames than `since` (a counter value). */
  async waitDataFramesSent(board: number, since: number, frames: number, timeoutMs = 5000): Promise<number> {
    const sent = await pollUntil(
      async () => (await this.freshStatus(board)).rmtp.counters.dataFramesSent - since,
      (n) => n >= frames,
      timeoutMs,
      5,
    );
    if (sent < frames) {
      const r = (await this.freshStatus(board)).rmtp;
      const c = r.counters;
      throw new Error(
        `board ${board} sent ${sent} of ${frames} DATA frames in ${timeoutMs} ms; it is ` +
          `${r.admitted ? "admitted" : "not admitted"} in epoch ${r.epoch} under ${r.manager?.name ?? "no manager"}, ` +
          `${r.pendingMessages} messages pending, messages sent ${c.messagesSent}, probes ${c.probes}, ` +
          `re-sent ${c.resentFrames}, frames received ${c.framesReceived}`,
      );
    }
    return sent;
  }

  async statuses(boards = this.boardIndexes): Promise<Map<number, DaemonStatus>> {
    const all = await Promise.all(boards.map(async (b) => [b, await this.status(b)] as const));
    return new Map(all);
  }

  /** Waits until every board in `boards` is admitted, at one epoch, and lists exactly `boards`. */
  async waitFormed(timeoutMs: number, boards = this.boardIndexes): Promise<Map<number, DaemonStatus>> {
    const want = [...boards].sort((a, b) => a - b).join(",");
    const formed = (all: Map<number, DaemonStatus>): boolean => {
      const epochs = new Set([...all.values()].map((s) => s.rmtp.epoch));
      return (
        epochs.size === 1 &&
        [...all.values()].every((s) => s.rmtp.admitted && s.rmtp.members.map((m) => m.id).join(",") === want)
      );
    };
    const all = await pollUntil(
      () => this.statuses(boards).catch(() => new Map<number, DaemonStatus>()),
      (s) => s.size === boards.length && formed(s),
      timeoutMs,
      100,
    );
    if (all.size !== boards.length || !formed(all)) {
      const view = [...all].map(
        ([b, s]) =>
          `b${b}: admitted ${s.rmtp.admitted} epoch ${s.rmtp.epoch} members ${s.rmtp.members.map((m) => m.id).join(",")}`,
      );
      throw new Error(`group of ${want} not formed within ${timeoutMs} ms: ${view.join("; ")}`);
    }
    return all;
  }

  /** Hands `payload` to board `board`'s daemon; resolves with its message id once it is queued. */
  async submit(board: number, payload: Uint8Array): Promise<number> {
    const reply = await this.client(board).call<{ messageId: number }>("rmtp.submit", {
      payloadBase64: Buffer.from(payload).toString("base64"),
    });
    return reply.messageId;
  }

  result(board: number, messageId: number): Promise<SendResult> {
    return this.client(board).call<SendResult>("rmtp.result", { messageId });
  }

  abort(board: number, messageId: number): Promise<{ outcome: string }> {
    return this.client(board).call<{ outcome: string }>("rmtp.abort", { messageId });
  }

  /** Deliveries at `board` of messages from `source` (node id = board index). */
  deliveredFrom(board: number, source: number): Delivered[] {
    return (this.deliveries.get(board) ?? []).filter((d) => d.source === source);
  }

  eventsOf(board: number, name: NodeEvent["event"]): NodeEvent[] {
    return (this.events.get(board) ?? []).map((e) => e.event).filter((e) => e.event === name);
  }

  /** Waits until every board in `boards` has delivered at least `count` messages from `source`. */
  async waitDeliveries(source: number, count: number, boards: number[], timeoutMs: number): Promise<boolean> {
    const done = (): boolean => boards.every((b) => this.deliveredFrom(b, source).length >= count);
    return pollUntil(done, (ok) => ok, timeoutMs);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private recordDelivery(board: number, e: DeliverEvent): void {
    const payload = Buffer.from(e.payloadBase64, "base64");
    this.deliveries.get(board)?.push({
      source: e.source,
      sourceName: e.sourceName,
      incarnation: e.incarnation,
      messageId: e.messageId,
      bytes: payload.length,
      sha256: sha256(payload),
      at: Date.now(),
    });
  }
}
