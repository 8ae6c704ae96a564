// Sans-I/O RMTP sender: one stream of frames per manager epoch. Messages are cut into DATA frames and sent
// within the window the manager grants (figs 5, 8), re-sent on re-send requests (NAKs) and probed on
// timeout, aborted in-stream (fig 6); a message completes when the manager's grant acknowledges its last
// frame. Time comes in as `now` (ms); nothing here touches a socket or a timer.
import { DataFlag, FrameType } from "../codec/frames.js";
import type { GrantFrame, NakFrame } from "../codec/frames.js";
import { maxPayload } from "../codec/encode.js";
import type { Counters, NodeAction, Outbox, RmtpParams } from "./types.js";

interface OutMessage {
  id: number;
  payload: Uint8Array;
  submittedAt: number;
  offset: number;
  frames: number;
  resent: number;
  lastSeq: number;
  abortSeq: number;
  aborting: boolean;
  /** Already reported to the caller (timed out); kept only so the stream stays consistent. */
  reported: boolean;
}

interface SentFrame {
  seq: number;
  message: OutMessage;
  abort: boolean;
  flags: number;
  offset: number;
  length: number;
  lastSentAt: number;
  sends: number;
}

export class Sender {
  private nextMessageId = 1;
  private queue: OutMessage[] = [];
  /** Index in `queue` of the first message not yet fully cut into frames. */
  private cursor = 0;
  private readonly inFlight = new Map<number, SentFrame>();
  private nextSeq = 1;
  private ackedThrough = 0;
  private grantThrough = 1;
  private window: number;
  private canSend = false;
  private lastProgressAt = 0;
  private probeAt = Infinity;
  private srtt = 0;
  /** Karn's rule for the window: no RTT sample from a round in which anything was re-sent. */
  private resentInRound = false;
  private rttvar = 0;
  private rto: number;
  private readonly payloadBytes: number;

  constructor(
    private readonly params: RmtpParams,
    private readonly out: Outbox,
    private readonly actions: NodeAction[],
    private readonly counters: Counters,
  ) {
    this.window = params.window.initial;
    this.rto = params.minRtoMs * 4;
    this.payloadBytes = maxPayload(params.frameBytes);
  }

  get pending(): number {
    return this.queue.filter((m) => !m.reported).length;
  }

  /** Timed-out messages sit before any later submission, so the newest one tells. */
  private hasUnreported(): boolean {
    const newest = this.queue[this.queue.length - 1];
    return newest !== undefined && !newest.reported;
  }

  /** Queues a message; returns its id. Throws RangeError when it exceeds the configured maximum size. */
  submit(payload: Uint8Array, now: number): number {
    if (payload.length > this.params.maxMessageBytes) {
      throw new RangeError(
        `message of ${payload.length} bytes exceeds maxMessageBytes ${this.params.maxMessageBytes}`,
      );
    }
    if (!this.hasUnreported()) this.lastProgressAt = now;
    const id = this.nextMessageId++;
    this.queue.push({
      id,
      payload,
      submittedAt: now,
      offset: 0,
      frames: 0,
      resent: 0,
      lastSeq: 0,
      abortSeq: 0,
      aborting: false,
      reported: false,
    });
    this.pump(now);
    return id;
  }

  /**
   * Aborts a message. Not yet started: dropped at once. Partly sent: an ABORT frame follows in the stream
   * and the message fails as aborted once the manager acknowledges it. Fully sent: too late.
   */
  abort(messageId: number, now: number): "dropped" | "aborting" | "too-late" | "unknown" {
    const index = this.queue.findIndex((m) => m.id === messageId);
    const message = this.queue[index];
    if (!message) return "unknown";
    if (message.aborting) return "aborting";
    if (message.lastSeq !== 0) return "too-late";
    if (message.frames === 0) {
      this.queue.splice(index, 1);
      this.fail(message, "aborted", "aborted before any frame was sent");
      return "dropped";
    }
    message.aborting = true;
    this.pump(now);
    return "aborting";
  }

  /** The sender may transmit only while it is an admitted member under a known manager epoch. */
  setActive(active: boolean, now: number): void {
    this.canSend = active;
    if (active) this.pump(now);
  }

  /** A new manager epoch starts a new stream: every unconfirmed message is sent again from its start. */
  resetStream(now: number): void {
    this.inFlight.clear();
    this.nextSeq = 1;
    this.ackedThrough = 0;
    this.grantThrough = 1;
    this.window = this.params.window.initial;
    this.probeAt = Infinity;
    this.rto = this.params.minRtoMs * 4;
    const keep: OutMessage[] = [];
    for (const m of this.queue) {
      if (m.reported) continue;
      if (m.aborting) {
        this.fail(m, "aborted", "aborted; the manager epoch changed before the abort was acknowledged");
        continue;
      }
      m.offset = 0;
      m.frames = 0;
      m.lastSeq = 0;
      keep.push(m);
    }
    this.queue = keep;
    this.cursor = 0;
    this.lastProgressAt = now;
    this.pump(now);
  }

  onGrant(grant: GrantFrame, now: number): void {
    if (grant.ackedThrough >= this.nextSeq) return;
    if (grant.ackedThrough > this.ackedThrough) {
      this.sampleRtt(grant.ackedThrough, now);
      for (let s = this.ackedThrough + 1; s <= grant.ackedThrough; s++) this.inFlight.delete(s);
      this.ackedThrough = grant.ackedThrough;
      this.lastProgressAt = now;
      this.rto = this.computedRto();
      this.completeAcknowledged(now);
    }
    this.window = grant.window || this.window;
    this.grantThrough = Math.max(this.grantThrough, grant.grantThrough);
    this.probeAt = this.nextSeq - 1 > this.ackedThrough ? now + this.rto : Infinity;
    this.pump(now);
  }

  /**
   * Several members usually ask for the same lost frame: the first request re-sends it at once, and a
   * frame re-sent less than half a NAK retry interval ago is not sent again, since that re-send is
   * already on its way to everyone.
   */
  onNak(nak: NakFrame, now: number): void {
    const holdoff = this.params.nakRetryMs / 2;
    for (const range of nak.ranges) {
      const end = Math.min(range.start + range.count - 1, this.nextSeq - 1);
      for (let s = Math.max(range.start, this.ackedThrough + 1); s <= end; s++) {
        const f = this.inFlight.get(s);
        if (f && (f.sends === 1 || now - f.lastSentAt >= holdoff)) this.transmit(f, now, true);
      }
    }
  }

  tick(now: number): void {
    if (this.hasUnreported() && now - this.lastProgressAt > this.params.sendTimeoutMs) {
      this.timeoutAll(now);
      return;
    }
    if (now >= this.probeAt) {
      const last = this.inFlight.get(this.nextSeq - 1);
      if (last) {
        this.counters.probes++;
        this.transmit(last, now, true, DataFlag.AckRequest);
      }
      this.rto = Math.min(this.rto * 2, this.params.maxRtoMs);
      this.probeAt = now + this.rto;
    }
  }

  nextDeadline(): number {
    const timeout = this.hasUnreported() ? this.lastProgressAt + this.params.sendTimeoutMs + 1 : Infinity;
    return Math.min(this.probeAt, timeout);
  }

  private pump(now: number): void {
    if (!this.canSend) return;
    while (this.nextSeq <= this.grantThrough) {
      const frame = this.nextFrame();
      if (!frame) break;
      this.inFlight.set(frame.seq, frame);
      this.nextSeq++;
      this.transmit(frame, now, false);
      if (this.probeAt === Infinity) this.probeAt = now + this.rto;
    }
  }

  private nextFrame(): SentFrame | undefined {
    let message = this.queue[this.cursor];
    while (message && (message.lastSeq !== 0 || message.abortSeq !== 0)) message = this.queue[++this.cursor];
    if (!message) return undefined;
    const seq = this.nextSeq;
    const ackEvery = Math.max(1, Math.floor(this.window / 4));
    let flags = seq === this.grantThrough || seq % ackEvery === 0 ? DataFlag.AckRequest : 0;
    if (message.aborting) {
      message.abortSeq = seq;
      return {
        seq,
        message,
        abort: true,
        flags: DataFlag.AckRequest,
        offset: 0,
        length: 0,
        lastSentAt: 0,
        sends: 0,
      };
    }
    const offset = message.offset;
    const length = Math.min(this.payloadBytes, message.payload.length - offset);
    if (offset === 0) flags |= DataFlag.Init;
    message.offset += length;
    message.frames++;
    if (message.offset === message.payload.length) {
      flags |= DataFlag.Last;
      // A later acknowledgement covers this message too; ask now only if nothing else is queued behind it.
      if (this.queue[this.cursor + 1] === undefined) flags |= DataFlag.AckRequest;
      message.lastSeq = seq;
    }
    return { seq, message, abort: false, flags, offset, length, lastSentAt: 0, sends: 0 };
  }

  private transmit(f: SentFrame, now: number, resend: boolean, extraFlags = 0): void {
    f.lastSentAt = now;
    f.sends++;
    if (resend) {
      this.resentInRound = true;
      f.message.resent++;
      this.counters.resentFrames++;
    }
    if (f.abort) {
      this.out.multicast({
        type: FrameType.Abort,
        seq: f.seq,
        messageId: f.message.id,
        ackedThrough: this.ackedThrough,
      });
      return;
    }
    this.counters.dataFramesSent++;
    this.out.multicast({
      type: FrameType.Data,
      flags: f.flags | extraFlags | (resend ? DataFlag.Resend : 0),
      seq: f.seq,
      messageId: f.message.id,
      messageBytes: f.message.payload.length,
      ackedThrough: this.ackedThrough,
      payload: f.message.payload.subarray(f.offset, f.offset + f.length),
    });
  }

  private completeAcknowledged(now: number): void {
    while (this.queue.length > 0) {
      const m = this.queue[0]!;
      if (m.abortSeq !== 0 && m.abortSeq <= this.ackedThrough) {
        this.shift();
        this.counters.aborts++;
        this.fail(m, "aborted", "aborted; every member acknowledged the abort");
      } else if (m.lastSeq !== 0 && m.abortSeq === 0 && m.lastSeq <= this.ackedThrough) {
        this.shift();
        if (m.reported) continue;
        this.counters.messagesSent++;
        this.actions.push({
          kind: "sent",
          result: {
            messageId: m.id,
            bytes: m.payload.length,
            frames: m.frames,
            resentFrames: m.resent,
            elapsedMs: now - m.submittedAt,
          },
        });
      } else {
        return;
      }
    }
  }

  /**
   * Nothing was acknowledged for sendTimeoutMs: every waiting message fails. A partly sent one is aborted
   * in-stream so members drop its fragments; a fully sent one stays in flight (it may still reach members).
   */
  private shift(): void {
    this.queue.shift();
    this.cursor = Math.max(0, this.cursor - 1);
  }

  private timeoutAll(now: number): void {
    const detail = `no acknowledgement from the manager for ${now - this.lastProgressAt} ms`;
    const keep: OutMessage[] = [];
    for (const m of this.queue) {
      if (!m.reported) this.fail(m, "timeout", detail);
      m.reported = true;
      if (m.frames > 0 && m.lastSeq === 0) m.aborting = true;
      if (m.frames > 0) keep.push(m);
    }
    this.queue = keep;
    this.cursor = 0;
    this.lastProgressAt = now;
    this.pump(now);
  }

  private fail(m: OutMessage, failure: "aborted" | "timeout", detail: string): void {
    if (m.reported) return;
    this.actions.push({ kind: "send-failed", messageId: m.id, failure, detail });
  }

  private sampleRtt(ackedThrough: number, now: number): void {
    const f = this.inFlight.get(ackedThrough);
    const clean = !this.resentInRound;
    this.resentInRound = false;
    if (!f || f.sends !== 1 || !clean) return;
    const sample = now - f.lastSentAt;
    if (this.srtt === 0) {
      this.srtt = sample;
      this.rttvar = sample / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - sample);
      this.srtt = 0.875 * this.srtt + 0.125 * sample;
    }
  }

  private computedRto(): number {
    const rto = this.srtt === 0 ? this.params.minRtoMs * 4 : this.srtt + 4 * this.rttvar;
    return Math.min(Math.max(rto, this.params.minRtoMs), this.params.maxRtoMs);
  }
}
