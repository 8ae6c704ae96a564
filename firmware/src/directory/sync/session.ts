// The authenticated sync session over a byte stream, without I/O (docs/sync-wire.md): records with a length
// prefix, per-direction sequence numbers, HMAC tags from the site Keyring bound to both sides' nonces, and
// the hello/ready handshake. Bytes in -> events out (bytes to send, the handshake's end, frames, an error);
// frames in -> bytes out. Also PeerEvents, the callback half of SyncPeer that both links share.
import { randomBytes } from "node:crypto";
import { TAG_BYTES } from "../../rmtp/codec/frames.js";
import type { Keyring } from "../../rmtp/codec/keyring.js";
import { decodeFrame, encodedLength, FIXED_BYTES, SyncDecodeError, writeFrame } from "./codec.js";
import {
  DEFAULT_MAX_FRAME_BYTES,
  NONCE_BYTES,
  SENT_BY,
  type SyncAppFrame,
  type SyncFrame,
  type SyncRole,
} from "./frames.js";

/** Record offsets: length (4), seq (8), key id (1), then the frame, then the tag. */
const SEQ_OFFSET = 4;
const KEY_ID_OFFSET = 12;
const FRAME_OFFSET = 13;
/** The length field counts seq, key id, frame and tag: the frame's size plus this. */
const LENGTH_OVERHEAD = FRAME_OFFSET - SEQ_OFFSET + TAG_BYTES;
/** The most bytes the tag covers in front of the record: direction (1) and both nonces. */
const CONTEXT_BYTES = 1 + 2 * NONCE_BYTES;
/** Direction byte of the tag context: the sender's role. */
const DIRECTION: Readonly<Record<SyncRole, number>> = { sm: 1, standby: 2 };

export type SyncSessionErrorReason =
  /** the length field announces a frame over the limit (before the handshake: over a hello) */
  | "oversize"
  /** the length field is too small to hold seq, key id and tag */
  | "length"
  /** the key id is not in the keyring */
  | "unknown-key"
  /** the tag is not the HMAC of the record in this connection and direction */
  | "auth"
  /** an authentic record with another sequence number than the next one (replayed or reordered) */
  | "sequence"
  /** the frame does not decode (the detail has the SyncDecodeError) */
  | "malformed"
  /** a frame out of the handshake's order: not hello first, not ready second, the same role, or again later */
  | "handshake"
  /** a frame that only the receiver's own role sends */
  | "direction";

export class SyncSessionError extends Error {
  constructor(
    readonly reason: SyncSessionErrorReason,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = "SyncSessionError";
  }
}

export type SessionEvent =
  /** bytes to write to the stream (the ready record of the handshake) */
  | { type: "send"; bytes: Buffer }
  /** both sides proved the key in this connection: the application may have the peer now */
  | { type: "established"; peerNode: number; peerEpoch: number }
  | { type: "frame"; frame: SyncAppFrame }
  /** the peer broke the protocol: close the connection. The session stays failed. */
  | { type: "error"; error: SyncSessionError };

export interface SyncSessionOptions {
  role: SyncRole;
  node: number;
  /** the epoch sent in hello and ready */
  epoch: number;
  keyring: Keyring;
  /** the largest frame accepted and sent, default DEFAULT_MAX_FRAME_BYTES (64 MiB) */
  maxFrameBytes?: number;
  /** this side's nonce; default 16 fresh random bytes (tests pin it) */
  nonce?: Uint8Array;
}

/** Throws RangeError unless `role` sends this frame kind and the frame fits the wire and the limit. */
export function checkSendable(role: SyncRole, frame: SyncAppFrame, maxFrameBytes: number): void {
  if (SENT_BY[frame.kind] !== role) throw new RangeError(`the ${role} does not send ${frame.kind}`);
  const size = encodedLength(frame);
  if (size > maxFrameBytes) throw new RangeError(`a ${frame.kind} of ${size} bytes is over ${maxFrameBytes}`);
}

type State = "new" | "hello" | "ready" | "open" | "failed";

export class SyncSession {
  private readonly role: SyncRole;
  private readonly peerRole: SyncRole;
  private readonly nonce: Uint8Array;
  private readonly maxFrameBytes: number;
  private state: State = "new";
  private failure: SyncSessionError | undefined;
  private peerNonce: Uint8Array = new Uint8Array(0);
  private peerNode = 0;
  private peerEpoch = 0;
  private sendSeq = 0;
  private receiveSeq = 0;
  /** The length field being read, then the record being filled behind room for the tag context. */
  private readonly lengthField = Buffer.alloc(SEQ_OFFSET);
  private lengthFill = 0;
  private record: Buffer | undefined;
  private recordFill = 0;

  constructor(private readonly o: SyncSessionOptions) {
    this.role = o.role;
    this.peerRole = o.role === "sm" ? "standby" : "sm";
    this.nonce = o.nonce ?? randomBytes(NONCE_BYTES);
    if (this.nonce.length !== NONCE_BYTES) throw new RangeError(`a nonce has ${NONCE_BYTES} bytes`);
    this.maxFrameBytes = o.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const most = 0xffffffff - LENGTH_OVERHEAD;
    if (
      !Number.isInteger(this.maxFrameBytes) ||
      this.maxFrameBytes < FIXED_BYTES.hello ||
      this.maxFrameBytes > most
    )
      throw new RangeError(`maxFrameBytes ${this.maxFrameBytes} is not ${FIXED_BYTES.hello} to ${most}`);
  }

  /** This side's hello record, the first bytes it writes. Call once, before receive. */
  start(): Buffer {
    if (this.state !== "new") throw new Error("the session has started already");
    this.state = "hello";
    return this.seal({
      kind: "hello",
      epoch: this.o.epoch,
      node: this.o.node,
      nonce: this.nonce,
      role: this.role,
    });
  }

  /**
   * Takes the next bytes of the stream, cut anywhere. Returns what they complete, in order; an error event
   * ends the list, and from then on every call returns that error again.
   */
  receive(chunk: Uint8Array): SessionEvent[] {
    if (this.state === "new") throw new Error("start() the session before it receives bytes");
    if (this.failure !== undefined) return [{ type: "error", error: this.failure }];
    const events: SessionEvent[] = [];
    try {
      for (let at = 0; at < chunk.length;) at += this.take(chunk.subarray(at), events);
    } catch (e) {
      if (!(e instanceof SyncSessionError)) throw e;
      this.failure = e;
      this.state = "failed";
      events.push({ type: "error", error: e });
    }
    return events;
  }

  /** The record of an application frame. Throws before the handshake's end, or as checkSendable does. */
  send(frame: SyncAppFrame): Buffer {
    if (this.state !== "open") throw new Error(`the session is ${this.state}, not open`);
    checkSendable(this.role, frame, this.maxFrameBytes);
    return this.seal(frame);
  }

  /** Copies bytes into the length field or the record; processes a complete record. Returns bytes used. */
  private take(bytes: Uint8Array, events: SessionEvent[]): number {
    if (this.record === undefined) {
      const n = Math.min(SEQ_OFFSET - this.lengthFill, bytes.length);
      this.lengthField.set(bytes.subarray(0, n), this.lengthFill);
      this.lengthFill += n;
      if (this.lengthFill === SEQ_OFFSET) this.record = this.allocate(this.lengthField.readUInt32BE(0));
      return n;
    }
    const record = this.record;
    const n = Math.min(record.length - CONTEXT_BYTES - this.recordFill, bytes.length);
    record.set(bytes.subarray(0, n), CONTEXT_BYTES + this.recordFill);
    this.recordFill += n;
    if (CONTEXT_BYTES + this.recordFill === record.length) {
      this.record = undefined;
      this.lengthFill = 0;
      this.process(record, events);
    }
    return n;
  }

  /** Checks a length field before anything is buffered, and makes room for the record it announces. */
  private allocate(length: number): Buffer {
    if (length < LENGTH_OVERHEAD)
      throw new SyncSessionError("length", `length ${length} is less than ${LENGTH_OVERHEAD}`);
    const limit = this.state === "open" ? this.maxFrameBytes : FIXED_BYTES.hello;
    if (length - LENGTH_OVERHEAD > limit)
      throw new SyncSessionError(
        "oversize",
        `a frame of ${length - LENGTH_OVERHEAD} bytes, over ${limit}${this.state === "open" ? "" : " before the handshake's end"}`,
      );
    const buf = Buffer.allocUnsafe(CONTEXT_BYTES + SEQ_OFFSET + length);
    this.lengthField.copy(buf, CONTEXT_BYTES);
    this.recordFill = SEQ_OFFSET;
    return buf;
  }

  private process(buf: Buffer, events: SessionEvent[]): void {
    const record = buf.subarray(CONTEXT_BYTES);
    const keyId = record.readUInt8(KEY_ID_OFFSET);
    if (!this.o.keyring.has(keyId)) throw new SyncSessionError("unknown-key", `key id ${keyId}`);
    const body = record.subarray(FRAME_OFFSET, record.length - TAG_BYTES);
    if (this.state === "hello") {
      // The hello's tag context holds the hello's own nonce, so it is decoded before its tag is checked (the
      // decoder is total); nothing of it is used before the tag and sequence checks pass.
      const hello = decode(body);
      if (hello.kind !== "hello")
        throw new SyncSessionError("handshake", `the first frame is ${hello.kind}, not hello`);
      this.authenticate(buf, keyId, hello.role, [hello.nonce]);
      if (hello.role === this.role) throw new SyncSessionError("handshake", `the peer is also ${this.role}`);
      this.peerNonce = hello.nonce;
      this.peerNode = hello.node;
      this.peerEpoch = hello.epoch;
      this.state = "ready";
      events.push({ type: "send", bytes: this.seal({ kind: "ready", epoch: this.o.epoch }) });
      return;
    }
    this.authenticate(buf, keyId, this.peerRole, this.nonces());
    const frame = decode(body);
    if (this.state === "ready") {
      if (frame.kind !== "ready") throw new SyncSessionError("handshake", `${frame.kind} instead of ready`);
      this.state = "open";
      events.push({ type: "established", peerNode: this.peerNode, peerEpoch: this.peerEpoch });
      return;
    }
    if (frame.kind === "hello" || frame.kind === "ready")
      throw new SyncSessionError("handshake", `${frame.kind} after the handshake`);
    if (SENT_BY[frame.kind] !== this.peerRole)
      throw new SyncSessionError("direction", `${frame.kind} from the ${this.peerRole}`);
    events.push({ type: "frame", frame });
  }

  /** Checks the tag of a received record in its context (sender's direction, nonces), then its sequence. */
  private authenticate(buf: Buffer, keyId: number, sender: SyncRole, nonces: Uint8Array[]): void {
    const start = writeContext(buf, DIRECTION[sender], nonces);
    if (!this.o.keyring.verify(buf.subarray(start), buf.length - TAG_BYTES - start, keyId))
      throw new SyncSessionError("auth", `bad tag on record ${this.receiveSeq} (key id ${keyId})`);
    const record = buf.subarray(CONTEXT_BYTES);
    const seq = record.readUInt32BE(SEQ_OFFSET) * 2 ** 32 + record.readUInt32BE(SEQ_OFFSET + 4);
    if (seq !== this.receiveSeq)
      throw new SyncSessionError("sequence", `record ${seq}, expected ${this.receiveSeq}`);
    this.receiveSeq++;
  }

  /** Both nonces, the SM's first. */
  private nonces(): Uint8Array[] {
    return this.role === "sm" ? [this.nonce, this.peerNonce] : [this.peerNonce, this.nonce];
  }

  /** Frames a frame as this side's next record and tags it. */
  private seal(frame: SyncFrame): Buffer {
    const size = encodedLength(frame);
    const buf = Buffer.allocUnsafe(CONTEXT_BYTES + FRAME_OFFSET + size + TAG_BYTES);
    const record = buf.subarray(CONTEXT_BYTES);
    record.writeUInt32BE(size + LENGTH_OVERHEAD, 0);
    record.writeUInt32BE(Math.floor(this.sendSeq / 2 ** 32), SEQ_OFFSET);
    record.writeUInt32BE(this.sendSeq % 2 ** 32, SEQ_OFFSET + 4);
    record.writeUInt8(this.o.keyring.sendKeyId, KEY_ID_OFFSET);
    writeFrame(frame, record, FRAME_OFFSET);
    const start = writeContext(
      buf,
      DIRECTION[this.role],
      frame.kind === "hello" ? [this.nonce] : this.nonces(),
    );
    this.o.keyring.sign(buf.subarray(start), buf.length - TAG_BYTES - start);
    this.sendSeq++;
    return record;
  }
}

/** Writes the tag context (direction byte, nonces) just in front of the record; returns where it starts. */
function writeContext(buf: Buffer, direction: number, nonces: Uint8Array[]): number {
  const start = CONTEXT_BYTES - 1 - NONCE_BYTES * nonces.length;
  buf.writeUInt8(direction, start);
  nonces.forEach((n, i) => buf.set(n, start + 1 + NONCE_BYTES * i));
  return start;
}

function decode(body: Buffer): SyncFrame {
  try {
    return decodeFrame(body);
  } catch (e) {
    if (e instanceof SyncDecodeError) throw new SyncSessionError("malformed", e.message);
    throw e;
  }
}

/**
 * The callback half of a SyncPeer, shared by both links: frames wait for the first onFrame callback, a close
 * is reported once, and an onClose callback registered after it is called at once.
 */
export class PeerEvents {
  private readonly frameCallbacks: ((frame: SyncAppFrame) => void)[] = [];
  private readonly closeCallbacks: ((reason: string) => void)[] = [];
  private waiting: SyncAppFrame[] = [];
  private reason: string | undefined;

  get closed(): boolean {
    return this.reason !== undefined;
  }

  onFrame(cb: (frame: SyncAppFrame) => void): void {
    this.frameCallbacks.push(cb);
    const waiting = this.waiting;
    this.waiting = [];
    for (const frame of waiting) cb(frame);
  }

  onClose(cb: (reason: string) => void): void {
    this.closeCallbacks.push(cb);
    if (this.reason !== undefined) cb(this.reason);
  }

  /** Hands a received frame to the callbacks, or keeps it for the first one; drops it once closed. */
  deliver(frame: SyncAppFrame): void {
    if (this.reason !== undefined) return;
    if (this.frameCallbacks.length === 0) this.waiting.push(frame);
    else for (const cb of this.frameCallbacks) cb(frame);
  }

  /** Marks the peer closed and tells the callbacks. Returns false if it was closed already. */
  finish(reason: string): boolean {
    if (this.reason !== undefined) return false;
    this.reason = reason;
    for (const cb of this.closeCallbacks) cb(reason);
    return true;
  }
}
