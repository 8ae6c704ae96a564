// Binds one RmtpNode to a transport and a clock: feeds it datagrams and timer events, carries out its
// actions, and offers the sender API: send() returns a promise that settles when the manager acknowledges
// the message's last frame, or rejects on abort or timeout.
import type { Keyring } from "../codec/keyring.js";
import { RmtpNode, type NodeStatus } from "../core/node.js";
import type {
  Address,
  Delivery,
  Election,
  Identity,
  NodeAction,
  NodeEvent,
  RmtpParams,
  SendFailure,
  SendResult,
} from "../core/types.js";
import type { Clock } from "./clock.js";
import { FrameGate, type Rejection } from "./frame-gate.js";
import type { Transport } from "./transport.js";

export class RmtpSendError extends Error {
  constructor(
    readonly messageId: number,
    readonly failure: SendFailure,
    detail: string,
  ) {
    super(`message ${messageId}: ${detail}`);
    this.name = failure === "aborted" ? "RmtpAbortError" : "RmtpTimeoutError";
  }
}

export interface EndpointOptions {
  identity: Identity;
  params: RmtpParams;
  keyring: Keyring;
  transport: Transport;
  clock: Clock;
  /** Set on the configured Service Manager: the epoch its manager term starts with. */
  managerEpoch?: number;
  /** "static" (default): the manager role comes only from managerEpoch; "external": see becomeManager. */
  election?: Election;
  onDeliver?: (delivery: Delivery) => void;
  onEvent?: (event: NodeEvent) => void;
  onReject?: (reason: Rejection, from: Address, bytes: number) => void;
}

interface Waiter {
  resolve: (result: SendResult) => void;
  reject: (error: RmtpSendError) => void;
}

export class RmtpEndpoint {
  readonly node: RmtpNode;
  private readonly gate: FrameGate;
  private readonly waiters = new Map<number, Waiter>();
  private timer: unknown = undefined;
  private timerAt = Infinity;
  private closed = false;

  constructor(private readonly options: EndpointOptions) {
    this.node = new RmtpNode(options.identity, options.params, {
      managerEpoch: options.managerEpoch,
      startedAt: options.clock.now(),
      election: options.election,
    });
    this.gate = new FrameGate(options.keyring, this.node.counters, (reason, from, bytes) =>
      options.onReject?.(reason, from, bytes),
    );
    options.transport.onDatagram((datagram, from) => this.onDatagram(datagram, from));
    this.run(() => this.node.tick(this.options.clock.now()));
  }

  send(payload: Uint8Array): Promise<SendResult> {
    return this.submit(payload).done;
  }

  /** Queues a message and returns its id (for abort()) with the promise of its acknowledgement. */
  submit(payload: Uint8Array): { messageId: number; done: Promise<SendResult> } {
    if (this.closed) throw new Error("endpoint is closed");
    const messageId = this.node.submit(payload, this.options.clock.now());
    const done = new Promise<SendResult>((resolve, reject) =>
      this.waiters.set(messageId, { resolve, reject }),
    );
    this.process();
    return { messageId, done };
  }

  abort(messageId: number): ReturnType<RmtpNode["abort"]> {
    const result = this.node.abort(messageId, this.options.clock.now());
    this.process();
    return result;
  }

  /**
   * Starts a manager term on this member, chosen by an external election. `epoch` must be above every
   * epoch this node has seen (the caller persists it first); throws otherwise or when already the manager.
   */
  becomeManager(epoch: number, cause: string): void {
    if (this.closed) throw new Error("endpoint is closed");
    this.run(() => this.node.becomeManager(epoch, this.options.clock.now(), cause));
  }

  /** Ends this node's manager term (throws when it is not the manager); it then follows the next one. */
  stepDown(cause: string): void {
    if (this.closed) throw new Error("endpoint is closed");
    this.run(() => this.node.stepDown(this.options.clock.now(), cause));
  }

  status(): NodeStatus {
    return this.node.status();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.node.leave(this.options.clock.now());
    this.process();
    this.closed = true;
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer);
    for (const [id, w] of this.waiters) w.reject(new RmtpSendError(id, "aborted", "endpoint closed"));
    this.waiters.clear();
    await this.options.transport.close();
  }

  private onDatagram(datagram: Buffer, from: Address): void {
    if (this.closed) return;
    const frame = this.gate.decode(datagram, from);
    if (frame) this.run(() => this.node.receive(frame, from, this.options.clock.now()));
  }

  private run(step: () => void): void {
    step();
    this.process();
  }

  private process(): void {
    for (const action of this.node.drain()) this.apply(action);
    this.schedule();
  }

  private apply(action: NodeAction): void {
    switch (action.kind) {
      case "frame":
        this.options.transport.send(this.gate.encode(action.frame), action.to);
        return;
      case "deliver":
        this.options.onDeliver?.(action.delivery);
        return;
      case "sent":
        this.waiters.get(action.result.messageId)?.resolve(action.result);
        this.waiters.delete(action.result.messageId);
        return;
      case "send-failed":
        this.waiters
          .get(action.messageId)
          ?.reject(new RmtpSendError(action.messageId, action.failure, action.detail));
        this.waiters.delete(action.messageId);
        return;
      case "event":
        this.options.onEvent?.(action.detail);
        return;
    }
  }

  private schedule(): void {
    if (this.closed) return;
    const at = this.node.nextDeadline();
    if (at >= this.timerAt) return;
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer);
    this.timerAt = at;
    this.timer = this.options.clock.setTimer(at, () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.run(() => this.node.tick(this.options.clock.now()));
    });
  }
}
