// The in-memory twin of the TCP sync link, for simulation tests: an SM end and a standby end connected back
// to back, already past the handshake. Frames cross as their encoded bytes (so the receiver gets its own
// copy and the codec's and session's send rules apply) in order, each in its own microtask. The link can be
// partitioned (nothing crosses, nobody is told) or cut (both ends closed).
import { decodeFrame, encodeFrame } from "./codec.js";
import {
  DEFAULT_MAX_FRAME_BYTES,
  PEER_CLOSED_REASON,
  type SyncAppFrame,
  type SyncEndpoint,
  type SyncPeer,
  type SyncRole,
} from "./frames.js";
import { checkSendable, PeerEvents } from "./session.js";

export interface MemorySyncLinkOptions {
  sm: SyncEndpoint;
  standby: SyncEndpoint;
  /** default DEFAULT_MAX_FRAME_BYTES, as on the TCP link */
  maxFrameBytes?: number;
}

class MemoryPeer implements SyncPeer {
  readonly events = new PeerEvents();
  other!: MemoryPeer;

  constructor(
    private readonly link: MemorySyncLink,
    private readonly role: SyncRole,
    readonly peerNode: number,
    readonly peerEpoch: number,
  ) {}

  send(frame: SyncAppFrame): void {
    if (this.events.closed) return;
    checkSendable(this.role, frame, this.link.maxFrameBytes);
    const bytes = encodeFrame(frame);
    // the bytes of an application frame decode to an application frame of the same kind
    this.link.carry(() => this.other.events.deliver(decodeFrame(bytes) as SyncAppFrame));
  }

  onFrame(cb: (frame: SyncAppFrame) => void): void {
    this.events.onFrame(cb);
  }

  onClose(cb: (reason: string) => void): void {
    this.events.onClose(cb);
  }

  close(reason: string): void {
    if (this.events.finish(reason)) this.link.carry(() => this.other.events.finish(PEER_CLOSED_REASON));
  }
}

export class MemorySyncLink {
  readonly maxFrameBytes: number;
  private readonly smEnd: MemoryPeer;
  private readonly standbyEnd: MemoryPeer;
  private connected = true;

  constructor(o: MemorySyncLinkOptions) {
    this.maxFrameBytes = o.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.smEnd = new MemoryPeer(this, "sm", o.standby.node, o.standby.epoch);
    this.standbyEnd = new MemoryPeer(this, "standby", o.sm.node, o.sm.epoch);
    this.smEnd.other = this.standbyEnd;
    this.standbyEnd.other = this.smEnd;
  }

  /** The SM's end: its peer is the standby. */
  get sm(): SyncPeer {
    return this.smEnd;
  }

  /** The standby's end: its peer is the SM. */
  get standby(): SyncPeer {
    return this.standbyEnd;
  }

  /** Runs `deliver` in a later microtask, unless the link is partitioned or cut by then. */
  carry(deliver: () => void): void {
    if (!this.connected) return;
    queueMicrotask(() => {
      if (this.connected) deliver();
    });
  }

  /** From now on nothing crosses, frames in flight included, and neither end is told. */
  partition(): void {
    this.connected = false;
  }

  /** Drops the frames in flight and closes both ends with `reason`, in a later microtask. */
  cut(reason = "cut"): void {
    this.connected = false;
    queueMicrotask(() => {
      this.smEnd.events.finish(reason);
      this.standbyEnd.events.finish(reason);
    });
  }
}
