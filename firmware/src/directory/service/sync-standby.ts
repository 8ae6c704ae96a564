// A standby's side of synchronous replication (docs/failover.md): hands the changes the SM sends over the
// sync link to the replica, confirms what it holds durably after every commit and at least four times a
// lease, and turns the SM's answers into leases. A lease runs from when this standby sent the confirmation
// it answers, not from when the answer arrived: a late answer can only shorten it. It answers the SM's
// check after a stall while it is still that SM's standby (mayConfirm).
import type { Logger } from "../../log/logger.js";
import type { SyncPeer } from "../sync/frames.js";

export interface SyncStandbyOptions {
  peer: SyncPeer;
  node: number;
  priority: number;
  leaseMs: number;
  now: () => number;
  /** What the store holds durably now. */
  durableCsn: () => number;
  onChanges: (payload: Uint8Array) => void;
  onLease: (epoch: number, until: number) => void;
  onRelease: (epoch: number, csn: number) => void;
  /** Whether this node is still a standby that is not taking over (a check may be answered). */
  mayConfirm: () => boolean;
  log: Logger;
}

/** Confirmations remembered for the leases that answer them. */
const REMEMBERED = 64;

export class SyncStandby {
  private seq = 0;
  private readonly sentAt = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;
  private takeoverAskedAt = -Infinity;

  constructor(private readonly o: SyncStandbyOptions) {
    o.peer.onFrame((frame) => {
      switch (frame.kind) {
        case "changes":
          o.onChanges(frame.payload);
          return;
        case "lease": {
          const sent = this.sentAt.get(frame.seq);
          if (sent !== undefined && frame.epoch === o.peer.peerEpoch)
            o.onLease(frame.epoch, sent + Math.min(frame.validMs, o.leaseMs));
          return;
        }
        case "release":
          o.onRelease(frame.epoch, frame.csn);
          return;
        case "check":
          if (frame.epoch === o.peer.peerEpoch && o.mayConfirm())
            o.peer.send({ kind: "check-reply", epoch: frame.epoch, seq: frame.seq });
          return;
        default:
          return;
      }
    });
    this.timer = setInterval(() => this.durable(o.durableCsn()), Math.max(10, o.leaseMs / 4));
    this.timer.unref();
    this.durable(o.durableCsn());
  }

  get smNode(): number {
    return this.o.peer.peerNode;
  }

  get smEpoch(): number {
    return this.o.peer.peerEpoch;
  }

  /** Confirms that everything through csn is durable here (and asks for a lease). */
  durable(csn: number): void {
    const seq = ++this.seq >>> 0;
    this.sentAt.set(seq, this.o.now());
    this.sentAt.delete(seq - REMEMBERED);
    this.o.peer.send({ kind: "durable", epoch: this.o.peer.peerEpoch, csn, leaseSeq: seq });
  }

  /** Asks the SM for a planned handover, at most once a second. */
  requestTakeover(): void {
    const now = this.o.now();
    if (now - this.takeoverAskedAt < 1000) return;
    this.takeoverAskedAt = now;
    this.o.log.info("takeover-requested", { sm: this.o.peer.peerNode, priority: this.o.priority });
    this.o.peer.send({
      kind: "takeover-request",
      epoch: this.o.peer.peerEpoch,
      node: this.o.node,
      priority: this.o.priority,
    });
  }

  close(reason: string): void {
    clearInterval(this.timer);
    this.o.peer.close(reason);
  }
}
