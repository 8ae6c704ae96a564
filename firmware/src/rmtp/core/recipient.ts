// Sans-I/O RMTP recipient: one receive stream per sender incarnation. Puts frames in order, asks for
// re-sends of gaps (NAK, multicast so other members can hold back their own), acknowledges to the manager
// where the sender asks for it, reassembles messages and delivers each exactly once, in order per sender.
// A member that was evicted or joined late resumes at the next message start and reports the gap.
import { DataFlag, FrameType, MAX_NAK_RANGES } from "../codec/frames.js";
import type { AbortFrame, DataFrame, GrantFrame, NakFrame, NakRange } from "../codec/frames.js";
import type { Counters, NodeAction, NodeEvent, Outbox, RmtpParams } from "./types.js";

interface Assembly {
  messageId: number;
  messageBytes: number;
  chunks: Uint8Array[];
  bytes: number;
}

interface InStream {
  source: number;
  incarnation: number;
  contiguous: number;
  highestSeen: number;
  pending: Map<number, DataFrame | AbortFrame>;
  assembly: Assembly | null;
  synced: boolean;
  /** When to ask again for every frame still missing. */
  nakAt: number;
  /** The highest sequence number already covered by a NAK: a gap above it is asked for at once. */
  nakedThrough: number;
  ackDue: boolean;
  ackAt: number;
  lastAckAt: number;
  /** The highest position the manager has acknowledged to everyone, from its grants. */
  confirmed: number;
}

export class Recipient {
  private readonly streams = new Map<number, InStream>();
  /** Highest message id delivered per source, with the incarnation it belongs to; survives epoch changes. */
  private readonly delivered = new Map<number, { incarnation: number; messageId: number }>();
  private readonly maxAhead: number;

  constructor(
    private readonly params: RmtpParams,
    private readonly out: Outbox,
    private readonly actions: NodeAction[],
    private readonly counters: Counters,
    private readonly nameOf: (id: number) => string,
  ) {
    this.maxAhead = params.window.max * 2 + 64;
  }

  /** A new manager epoch: every stream starts again at sequence 1. */
  resetStreams(): void {
    this.streams.clear();
  }

  /** The source left the membership: its partial message can never complete. */
  dropSource(source: number): void {
    this.streams.delete(source);
  }

  onFrame(frame: DataFrame | AbortFrame, now: number): void {
    const s = this.stream(frame.source, frame.incarnation);
    if (!s) return;
    if (frame.ackedThrough > s.contiguous) this.resync(s, frame.ackedThrough);
    const ackRequested = frame.type === FrameType.Abort || (frame.flags & DataFlag.AckRequest) !== 0;
    if (frame.seq <= s.contiguous || s.pending.has(frame.seq)) {
      this.counters.duplicateFrames++;
      if (ackRequested && frame.seq <= s.contiguous) this.ackSoon(s, now, true);
      return;
    }
    if (frame.seq > s.contiguous + this.maxAhead) {
      this.counters.rejectedFrames++;
      return;
    }
    s.pending.set(frame.seq, frame);
    if (frame.seq > s.highestSeen) s.highestSeen = frame.seq;
    const newGap = frame.seq > Math.max(s.contiguous, s.nakedThrough) + 1 && !s.pending.has(frame.seq - 1);
    this.advance(s, now);
    if (newGap && frame.seq > s.contiguous) this.nak(s, now, Math.max(s.contiguous, s.nakedThrough) + 1);
    this.flush(s, now);
  }

  onGrant(grant: GrantFrame, now: number): void {
    const s = this.stream(grant.streamSource, grant.streamIncarnation);
    if (!s) return;
    if (grant.ackedThrough > s.confirmed) s.confirmed = grant.ackedThrough;
    if (grant.ackedThrough > s.contiguous) {
      this.resync(s, grant.ackedThrough);
      this.advance(s, now);
      this.flush(s, now);
    }
  }

  /** Another member asked for the same frames: hold back our own request for a retry interval. */
  onOverheardNak(nak: NakFrame, now: number): void {
    const s = this.streams.get(nak.streamSource);
    if (!s || s.incarnation !== nak.streamIncarnation || s.nakAt === Infinity) return;
    const first = nak.ranges[0];
    if (first && first.start <= s.contiguous + 1) s.nakAt = Math.max(s.nakAt, now + this.params.nakRetryMs);
  }

  /**
   * Acknowledgements can be lost too: while the manager's grants have not reached what this member
   * acknowledged, the acknowledgement is repeated every ackRepeatMs.
   */
  tick(now: number): void {
    for (const s of this.streams.values()) {
      if (!s.ackDue && this.awaitsConfirmation(s) && now >= s.lastAckAt + this.params.ackRepeatMs) {
        this.ackSoon(s, now, true);
      }
      this.flush(s, now);
    }
  }

  nextDeadline(): number {
    let next = Infinity;
    for (const s of this.streams.values()) {
      if (s.nakAt < next) next = s.nakAt;
      if (s.ackDue && s.ackAt < next) next = s.ackAt;
      else if (this.awaitsConfirmation(s) && s.lastAckAt + this.params.ackRepeatMs < next)
        next = s.lastAckAt + this.params.ackRepeatMs;
    }
    return next;
  }

  private awaitsConfirmation(s: InStream): boolean {
    return s.contiguous > s.confirmed && s.lastAckAt !== -Infinity;
  }

  private stream(source: number, incarnation: number): InStream | undefined {
    const existing = this.streams.get(source);
    if (existing && existing.incarnation === incarnation) return existing;
    if (existing && existing.incarnation > incarnation) return undefined;
    const created: InStream = {
      source,
      incarnation,
      contiguous: 0,
      highestSeen: 0,
      pending: new Map(),
      assembly: null,
      synced: true,
      nakAt: Infinity,
      nakedThrough: 0,
      ackDue: false,
      ackAt: Infinity,
      lastAckAt: -Infinity,
      confirmed: 0,
    };
    this.streams.set(source, created);
    return created;
  }

  private advance(s: InStream, now: number): void {
    for (let f = s.pending.get(s.contiguous + 1); f; f = s.pending.get(s.contiguous + 1)) {
      s.pending.delete(f.seq);
      s.contiguous = f.seq;
      if (f.type === FrameType.Abort) {
        this.abortAssembly(s, f.messageId);
        this.ackSoon(s, now, false);
        continue;
      }
      this.assemble(s, f);
      if ((f.flags & DataFlag.AckRequest) !== 0) this.ackSoon(s, now, false);
    }
    if (s.contiguous >= s.highestSeen) s.nakAt = Infinity;
  }

  private assemble(s: InStream, f: DataFrame): void {
    this.counters.dataFramesReceived++;
    if ((f.flags & DataFlag.Init) !== 0) {
      if (s.assembly)
        this.dropMessage(s, s.assembly.messageId, "a new message started before its last fragment");
      if (f.messageBytes > this.params.maxMessageBytes) {
        this.dropMessage(s, f.messageId, `declared size ${f.messageBytes} exceeds maxMessageBytes`);
        s.synced = false;
        return;
      }
      s.assembly = { messageId: f.messageId, messageBytes: f.messageBytes, chunks: [], bytes: 0 };
      s.synced = true;
    }
    if (!s.synced) return;
    const a = s.assembly;
    if (
      !a ||
      a.messageId !== f.messageId ||
      a.messageBytes !== f.messageBytes ||
      a.bytes + f.payload.length > a.messageBytes
    ) {
      this.dropMessage(s, f.messageId, "fragment does not belong to the message being reassembled");
      s.assembly = null;
      s.synced = false;
      return;
    }
    a.chunks.push(f.payload);
    a.bytes += f.payload.length;
    if ((f.flags & DataFlag.Last) === 0) return;
    s.assembly = null;
    if (a.bytes !== a.messageBytes) {
      this.dropMessage(s, a.messageId, `last fragment at ${a.bytes} of ${a.messageBytes} bytes`);
      return;
    }
    this.deliver(s, a);
  }

  private deliver(s: InStream, a: Assembly): void {
    const last = this.delivered.get(s.source);
    if (last && last.incarnation === s.incarnation && a.messageId <= last.messageId) {
      this.counters.duplicateFrames++;
      return;
    }
    this.delivered.set(s.source, { incarnation: s.incarnation, messageId: a.messageId });
    this.counters.messagesDelivered++;
    this.counters.bytesDelivered += a.bytes;
    const payload = a.chunks.length === 1 ? Buffer.from(a.chunks[0]!) : Buffer.concat(a.chunks);
    this.actions.push({
      kind: "deliver",
      delivery: {
        source: s.source,
        sourceName: this.nameOf(s.source),
        incarnation: s.incarnation,
        messageId: a.messageId,
        payload,
      },
    });
  }

  private abortAssembly(s: InStream, messageId: number): void {
    if (s.assembly?.messageId === messageId) s.assembly = null;
    this.event({ event: "remote-abort", source: s.source, messageId });
  }

  private dropMessage(s: InStream, messageId: number, reason: string): void {
    this.counters.rejectedFrames++;
    this.event({ event: "message-dropped", source: s.source, messageId, reason });
  }

  /** Frames through `through` are gone for this member: skip them and resume at the next message start. */
  private resync(s: InStream, through: number): void {
    const joinedLate = s.contiguous === 0 && !this.delivered.has(s.source);
    for (const seq of s.pending.keys()) if (seq <= through) s.pending.delete(seq);
    s.contiguous = through;
    if (s.highestSeen < through) s.highestSeen = through;
    s.assembly = null;
    s.synced = false;
    this.counters.gaps++;
    this.event({
      event: "gap",
      source: s.source,
      sourceName: this.nameOf(s.source),
      reason: joinedLate ? "joined-late" : "missed",
      resumeAfter: through,
    });
  }

  private ackSoon(s: InStream, now: number, repeat: boolean): void {
    if (s.ackDue && !repeat) return;
    s.ackDue = true;
    s.ackAt = Math.max(now, s.lastAckAt + this.params.ackDelayMs);
  }

  /**
   * Asks for the frames missing from `from` on. A gap is asked for once when it shows, and then, with every
   * other gap, every nakRetryMs while it lasts; a frame that arrives while the first re-send is on its way
   * does not ask again.
   */
  private nak(s: InStream, now: number, from: number): void {
    const ranges = this.missingRanges(s, from);
    if (ranges.length === 0) return;
    this.counters.naksSent++;
    this.out.multicast({
      type: FrameType.Nak,
      streamSource: s.source,
      streamIncarnation: s.incarnation,
      ranges,
    });
    s.nakedThrough = Math.max(s.nakedThrough, s.highestSeen);
    if (s.nakAt === Infinity || from <= s.contiguous + 1) s.nakAt = now + this.params.nakRetryMs;
  }

  private flush(s: InStream, now: number): void {
    if (s.nakAt <= now) {
      s.nakAt = Infinity;
      this.nak(s, now, s.contiguous + 1);
    }
    if (s.ackDue && s.ackAt <= now) {
      s.ackDue = false;
      s.ackAt = Infinity;
      s.lastAckAt = now;
      this.counters.acksSent++;
      this.out.toManager({
        type: FrameType.Ack,
        streamSource: s.source,
        streamIncarnation: s.incarnation,
        cumulative: s.contiguous,
      });
    }
  }

  private missingRanges(s: InStream, from: number): NakRange[] {
    const ranges: NakRange[] = [];
    let seq = from;
    while (seq <= s.highestSeen && ranges.length < MAX_NAK_RANGES) {
      if (s.pending.has(seq)) {
        seq++;
        continue;
      }
      const start = seq;
      while (seq <= s.highestSeen && !s.pending.has(seq) && seq - start < 0xffff) seq++;
      ranges.push({ start, count: seq - start });
    }
    return ranges;
  }

  private event(detail: NodeEvent): void {
    this.actions.push({ kind: "event", detail });
  }
}
