// One RMTP member, sans-I/O: composes the sender, the recipient and (on the active Service Manager) the
// manager, tracks the manager's epoch and the membership from its announcements, says HELLO, and routes
// every frame, including frames between its own parts. The manager role comes at construction (static
// election) or from a controller at run time (becomeManager/stepDown). Frames and the clock in; actions
// out (drain()).
import { FrameType } from "../codec/frames.js";
import type { AnnounceFrame, Frame, HelloFrame } from "../codec/frames.js";
import { Manager } from "./manager.js";
import { Recipient } from "./recipient.js";
import { Sender } from "./sender.js";
import { zeroCounters } from "./types.js";
import type {
  Address,
  Counters,
  Election,
  FrameBody,
  Identity,
  NodeAction,
  NodeEvent,
  Outbox,
  RmtpParams,
} from "./types.js";

export interface NodeStatus {
  id: number;
  name: string;
  incarnation: number;
  manager: { id: number; name: string; address: string | null; self: boolean } | null;
  epoch: number;
  election: Election;
  admitted: boolean;
  members: Array<{ id: number; name: string }>;
  /** On a manager that took over with becomeManager: the membership it knew before its term. */
  previousMembers: number[];
  pendingMessages: number;
  counters: Counters;
}

export interface NodeOptions {
  /** Set on the configured Service Manager: the epoch of the manager term it starts with. */
  managerEpoch?: number;
  startedAt?: number;
  election?: Election;
}

export class RmtpNode {
  readonly counters = zeroCounters();
  private readonly actions: NodeAction[] = [];
  private readonly local: Frame[] = [];
  private readonly names = new Map<number, string>();
  private readonly outbox: Outbox;
  private readonly election: Election;
  private readonly sender: Sender;
  private readonly recipient: Recipient;
  private manager: Manager | null = null;
  private epoch = 0;
  private managerId = 0;
  private managerAddress: Address | null = null;
  private lastAnnounceAt = 0;
  private managerLost = false;
  /** The epoch of the last term this node gave up: nobody else may announce it. */
  private resignedEpoch = 0;
  private membershipVersion = -1;
  private memberIds = new Set<number>();
  private previousMembers: number[] = [];
  private admitted = false;
  private helloAt = 0;
  private senderActive = false;
  /** Time before which this node does not send: a new manager first gathers its members. */
  private settleUntil = 0;
  /**
   * Members of the previous epoch not yet back in the new one; the sender waits for them until holdUntil.
   * A member learns who is back from the announcements, a manager that took over from their HELLOs.
   */
  private awaited = new Set<number>();
  private holdUntil = 0;

  constructor(
    readonly identity: Identity,
    private readonly params: RmtpParams,
    { managerEpoch, startedAt = 0, election = "static" }: NodeOptions = {},
  ) {
    this.outbox = {
      multicast: (body) => this.emit(body, "group"),
      toManager: (body) => this.emit(body, "manager"),
    };
    this.election = election;
    this.names.set(identity.id, identity.name);
    this.sender = new Sender(params, this.outbox, this.actions, this.counters);
    this.recipient = new Recipient(params, this.outbox, this.actions, this.counters, (id) => this.nameOf(id));
    if (managerEpoch !== undefined) {
      this.epoch = managerEpoch;
      this.settleUntil = startedAt + 2 * params.helloIntervalMs;
      this.takeManagerRole(startedAt);
    }
  }

  get isManager(): boolean {
    return this.manager !== null;
  }

  submit(payload: Uint8Array, now: number): number {
    const id = this.sender.submit(payload, now);
    this.flushLocal(now);
    return id;
  }

  abort(messageId: number, now: number): ReturnType<Sender["abort"]> {
    const result = this.sender.abort(messageId, now);
    this.flushLocal(now);
    return result;
  }

  /**
   * Starts a manager term at `epoch` (above every epoch this node has seen) on a member that an external
   * election chose. Streams restart as after a manager restart. The sender waits until every member of the
   * previous membership but the previous manager has said HELLO in the new epoch, or two HELLO intervals
   * (all of them when no membership is known).
   */
  becomeManager(epoch: number, now: number, cause: string): void {
    if (this.manager) throw new Error(`${this.identity.name} is already the manager of epoch ${this.epoch}`);
    if (epoch <= this.epoch) throw new Error(`epoch ${epoch} is not above the current epoch ${this.epoch}`);
    this.previousMembers = [...this.memberIds].sort((a, b) => a - b);
    this.changeEpoch(epoch, cause, now);
    this.awaited.delete(this.managerId); // the previous manager failed or stepped down: not waited for
    this.holdUntil = now + 2 * this.params.helloIntervalMs;
    if (this.previousMembers.length === 0) this.settleUntil = this.holdUntil;
    this.event({ event: "became-manager", epoch, cause });
    this.takeManagerRole(now);
    this.tick(now);
  }

  /**
   * Ends this node's manager term: no more announcements or grants. It stays a member of its old epoch,
   * without a manager, until another manager announces a higher one; its own unacknowledged messages are
   * then sent again in that epoch.
   */
  stepDown(now: number, cause: string): void {
    const manager = this.manager;
    if (!manager) throw new Error(`${this.identity.name} is not the manager`);
    this.event({ event: "stepped-down", epoch: this.epoch, cause });
    this.manager = null;
    this.resignedEpoch = this.epoch;
    this.memberIds = new Set(manager.members.keys()); // awaited when it follows the next epoch
    this.managerId = 0;
    this.managerAddress = null;
    this.lastAnnounceAt = now;
    this.managerLost = false;
    this.admitted = false;
    this.updateSender(now);
  }

  /** Graceful stop: tell the manager we are leaving so nobody waits for our acknowledgements. */
  leave(now: number): void {
    this.emit({ type: FrameType.Leave }, "group");
    this.flushLocal(now);
  }

  receive(frame: Frame, from: Address, now: number): void {
    this.counters.framesReceived++;
    if (frame.source === this.identity.id) return;
    switch (frame.type) {
      case FrameType.Announce:
        this.onAnnounce(frame, from, now);
        break;
      case FrameType.Hello:
        this.names.set(frame.source, frame.name);
        if (this.manager) this.onHelloAsManager(this.manager, frame, from, now);
        break;
      case FrameType.Leave:
        this.manager?.onLeave(frame.source, frame.incarnation, now);
        break;
      default:
        this.onStreamTraffic(frame, now);
    }
    this.flushLocal(now);
  }

  tick(now: number): void {
    if (now >= this.helloAt) {
      this.emit({ type: FrameType.Hello, role: this.identity.role, name: this.identity.name }, "group");
      this.helloAt = now + this.params.helloIntervalMs;
    }
    if (
      !this.manager &&
      this.epoch !== 0 &&
      !this.managerLost &&
      now - this.lastAnnounceAt > this.params.memberTimeoutMs
    ) {
      this.managerLost = true;
      this.event({ event: "manager-lost", epoch: this.epoch, silentMs: now - this.lastAnnounceAt });
    }
    this.updateSender(now);
    this.manager?.tick(now);
    this.sender.tick(now);
    this.recipient.tick(now);
    this.flushLocal(now);
  }

  nextDeadline(): number {
    const managerWatch =
      !this.manager && this.epoch !== 0 && !this.managerLost
        ? this.lastAnnounceAt + this.params.memberTimeoutMs + 1
        : Infinity;
    const senderWake =
      this.admitted && !this.senderActive
        ? Math.max(this.settleUntil, this.awaited.size > 0 ? this.holdUntil : 0)
        : Infinity;
    return Math.min(
      this.helloAt,
      managerWatch,
      senderWake,
      this.manager?.nextDeadline() ?? Infinity,
      this.sender.nextDeadline(),
      this.recipient.nextDeadline(),
    );
  }

  drain(): NodeAction[] {
    const out = this.actions.slice();
    this.actions.length = 0;
    return out;
  }

  status(): NodeStatus {
    const members = this.manager ? [...this.manager.members.keys()] : [...this.memberIds];
    return {
      id: this.identity.id,
      name: this.identity.name,
      incarnation: this.identity.incarnation,
      manager:
        this.managerId === 0
          ? null
          : {
              id: this.managerId,
              name: this.nameOf(this.managerId),
              address: this.managerAddress?.address ?? null,
              self: this.isManager,
            },
      epoch: this.epoch,
      election: this.election,
      admitted: this.admitted,
      members: members.sort((a, b) => a - b).map((id) => ({ id, name: this.nameOf(id) })),
      previousMembers: this.manager ? this.previousMembers : [],
      pendingMessages: this.sender.pending,
      counters: { ...this.counters },
    };
  }

  nameOf(id: number): string {
    return this.names.get(id) ?? `#${id}`;
  }

  private takeManagerRole(now: number): void {
    const self = { ...this.identity, address: null, lastHeardAt: 0 };
    this.manager = new Manager(self, this.params, this.outbox, this.actions, this.counters);
    this.managerId = this.identity.id;
    this.managerAddress = null;
    this.setAdmitted(true, now);
  }

  /**
   * A HELLO carrying a higher epoch means this manager's term is outdated. With a static election its state
   * was lost, so it moves past that epoch; with an external one another node was elected, so it steps down.
   * A HELLO in the current epoch from an awaited member may end the settling of a new term.
   */
  private onHelloAsManager(manager: Manager, hello: HelloFrame, from: Address, now: number): void {
    if (hello.epoch > this.epoch) {
      const cause = `member ${hello.name} knows epoch ${hello.epoch}`;
      if (this.election === "external") {
        this.stepDown(now, cause);
        return;
      }
      this.changeEpoch(hello.epoch + 1, cause, now);
    }
    manager.onHello(hello, from, now);
    if (hello.epoch === this.epoch && this.awaited.delete(hello.source)) this.updateSender(now);
  }

  private onAnnounce(a: AnnounceFrame, from: Address, now: number): void {
    if (this.manager) {
      if (a.epoch <= this.epoch) {
        this.counters.staleEpochFrames++;
        return;
      }
      this.stepDown(now, `manager ${this.nameOf(a.source)} announced epoch ${a.epoch}`);
    }
    if (a.epoch < this.epoch || a.epoch === this.resignedEpoch) {
      this.counters.staleEpochFrames++;
      return;
    }
    if (a.epoch > this.epoch) {
      const previous = this.managerId;
      this.changeEpoch(a.epoch, `announcement from ${this.nameOf(a.source)}`, now);
      /* Another node took over: the previous manager failed or handed over; the new one does not wait for it either. */
      if (previous !== a.source) this.awaited.delete(previous);
    }
    this.managerId = a.source;
    this.managerAddress = from;
    this.lastAnnounceAt = now;
    this.managerLost = false;
    if (a.membershipVersion === this.membershipVersion) return;
    this.membershipVersion = a.membershipVersion;
    const ids = new Set(a.members.map((m) => m.id));
    for (const id of this.memberIds) if (!ids.has(id)) this.recipient.dropSource(id);
    for (const id of ids) this.awaited.delete(id);
    this.memberIds = ids;
    const listed = a.members.some(
      (m) => m.id === this.identity.id && m.incarnation === this.identity.incarnation,
    );
    this.setAdmitted(listed, now);
  }

  private setAdmitted(admitted: boolean, now: number): void {
    if (admitted !== this.admitted) {
      this.admitted = admitted;
      if (admitted) {
        this.event({ event: "admitted", epoch: this.epoch, manager: this.nameOf(this.managerId) });
      } else {
        this.event({ event: "evicted-self", epoch: this.epoch });
        this.helloAt = now;
      }
    }
    this.updateSender(now);
  }

  /**
   * The sender runs while this node is admitted, unless a new epoch's membership is still forming: a
   * stream started before a member of the previous epoch is back would be released without it.
   */
  private updateSender(now: number): void {
    const forming = now < this.settleUntil || (this.awaited.size > 0 && now < this.holdUntil);
    const active = this.admitted && !forming;
    if (active === this.senderActive) return;
    this.senderActive = active;
    this.sender.setActive(active, now);
  }

  private changeEpoch(epoch: number, cause: string, now: number): void {
    this.event({ event: "epoch-changed", from: this.epoch, to: epoch, cause });
    this.epoch = epoch;
    this.membershipVersion = -1;
    this.recipient.resetStreams();
    this.manager?.resetStreams();
    if (!this.manager) {
      this.awaited = new Set([...this.memberIds].filter((id) => id !== this.identity.id));
      this.holdUntil = now + this.params.memberTimeoutMs;
      this.admitted = false;
      this.helloAt = now;
      this.updateSender(now);
    }
    this.sender.resetStream(now);
  }

  private onStreamTraffic(frame: Frame, now: number): void {
    if (frame.epoch !== this.epoch || this.epoch === 0) {
      this.counters.staleEpochFrames++;
      return;
    }
    this.manager?.heard(frame.source, frame.incarnation, now);
    switch (frame.type) {
      case FrameType.Data:
      case FrameType.Abort:
        this.recipient.onFrame(frame, now);
        this.manager?.onStreamFrame(frame.source, frame.incarnation, frame.seq, now);
        return;
      case FrameType.Ack:
        this.manager?.onAck(frame, now);
        return;
      case FrameType.Nak:
        if (this.isOwnStream(frame.streamSource, frame.streamIncarnation)) this.sender.onNak(frame, now);
        else this.recipient.onOverheardNak(frame, now);
        this.manager?.onNak(frame);
        return;
      case FrameType.Grant:
        if (frame.source !== this.managerId) {
          this.counters.rejectedFrames++;
          return;
        }
        if (this.isOwnStream(frame.streamSource, frame.streamIncarnation)) this.sender.onGrant(frame, now);
        else this.recipient.onGrant(frame, now);
        return;
    }
  }

  private isOwnStream(source: number, incarnation: number): boolean {
    return source === this.identity.id && incarnation === this.identity.incarnation;
  }

  /** Stamps the header fields onto the part's fresh body object (no copy: this is the per-frame path). */
  private emit(body: FrameBody, to: "group" | "manager"): void {
    const frame = body as Frame;
    frame.epoch = this.epoch;
    frame.source = this.identity.id;
    frame.incarnation = this.identity.incarnation;
    if (to === "manager") {
      if (this.manager) this.local.push(frame);
      else if (this.managerAddress) this.send(frame, this.managerAddress);
      return;
    }
    this.send(frame, "group");
    if (this.manager && frame.type !== FrameType.Announce && frame.type !== FrameType.Hello)
      this.local.push(frame);
  }

  private send(frame: Frame, to: "group" | Address): void {
    this.counters.framesSent++;
    this.actions.push({ kind: "frame", frame, to });
  }

  /** Frames between this node's own parts: its sender and recipient talking to its own manager. */
  private flushLocal(now: number): void {
    for (let frame = this.local.shift(); frame; frame = this.local.shift()) {
      const m = this.manager;
      switch (frame.type) {
        case FrameType.Data:
        case FrameType.Abort:
          m?.onStreamFrame(frame.source, frame.incarnation, frame.seq, now);
          break;
        case FrameType.Ack:
          m?.onAck(frame, now);
          break;
        case FrameType.Nak:
          m?.onNak(frame);
          break;
        case FrameType.Grant:
          if (this.isOwnStream(frame.streamSource, frame.streamIncarnation)) this.sender.onGrant(frame, now);
          else this.recipient.onGrant(frame, now);
          break;
        case FrameType.Leave:
          break;
      }
    }
  }

  private event(detail: NodeEvent): void {
    this.actions.push({ kind: "event", detail });
  }
}
