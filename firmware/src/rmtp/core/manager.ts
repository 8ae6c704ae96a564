// Sans-I/O RMTP manager (the active Service Manager's transport role): admits members from their HELLOs and
// announces the membership with its epoch, collects every member's acknowledgements per sender stream,
// grants each sender its next window once all expected members have acknowledged (fig 5), adapts the
// window to the loss it sees in re-send requests, and evicts members that stop answering.
import { FrameType } from "../codec/frames.js";
import type { AckFrame, AnnouncedMember, HelloFrame, NakFrame, Role } from "../codec/frames.js";
import type { Address, Counters, NodeAction, NodeEvent, Outbox, RmtpParams } from "./types.js";

export interface MemberRecord {
  id: number;
  incarnation: number;
  name: string;
  role: Role;
  address: Address | null;
  lastHeardAt: number;
}

interface AckEntry {
  value: number;
  lagSince: number;
}

interface ManagedStream {
  source: number;
  incarnation: number;
  acks: Map<number, AckEntry>;
  ackedAll: number;
  granted: number;
  window: number;
  highestSeen: number;
  roundStart: number;
  /** Per member, the distinct frames it asked to be re-sent in the current round. */
  nakedInRound: Map<number, Set<number>>;
  lastGrantAt: number;
}

export class Manager {
  readonly members = new Map<number, MemberRecord>();
  private readonly streams = new Map<number, ManagedStream>();
  private version = 0;
  private announceAt = 0;
  /** A member joined: the next announcement is followed by every stream's grant (repeatGrants). */
  private grantsDue = false;

  constructor(
    private readonly self: MemberRecord,
    private readonly params: RmtpParams,
    private readonly out: Outbox,
    private readonly actions: NodeAction[],
    private readonly counters: Counters,
  ) {
    this.members.set(self.id, self);
  }

  /** A new epoch under this manager: streams restart, members stay. */
  resetStreams(): void {
    this.streams.clear();
    this.announceAt = 0;
  }

  onHello(hello: HelloFrame, from: Address, now: number): void {
    const known = this.members.get(hello.source);
    if (known && hello.incarnation < known.incarnation) return;
    if (known && hello.incarnation === known.incarnation) {
      known.lastHeardAt = now;
      known.address = from;
      return;
    }
    if (known) this.removeMember(known, now);
    this.members.set(hello.source, {
      id: hello.source,
      incarnation: hello.incarnation,
      name: hello.name,
      role: hello.role,
      address: from,
      lastHeardAt: now,
    });
    this.version++;
    this.announceAt = now;
    this.event({
      event: "member-joined",
      id: hello.source,
      name: hello.name,
      incarnation: hello.incarnation,
      rejoined: known !== undefined,
    });
    this.grantsDue = true;
  }

  onLeave(source: number, incarnation: number, now: number): void {
    const m = this.members.get(source);
    if (!m || m.incarnation !== incarnation || m.id === this.self.id) return;
    this.removeMember(m, now);
    this.event({ event: "member-left", id: m.id, name: m.name });
  }

  /** Any authenticated frame from a current member shows it is alive. */
  heard(source: number, incarnation: number, now: number): void {
    const m = this.members.get(source);
    if (m && m.incarnation === incarnation) m.lastHeardAt = now;
  }

  onStreamFrame(source: number, incarnation: number, seq: number, now: number): void {
    const s = this.stream(source, incarnation);
    if (!s) return;
    if (seq > s.highestSeen) s.highestSeen = seq;
    if (s.acks.size === 0) this.recompute(s, now);
  }

  onAck(ack: AckFrame, now: number): void {
    const member = this.members.get(ack.source);
    if (!member || member.incarnation !== ack.incarnation) return;
    const s = this.stream(ack.streamSource, ack.streamIncarnation);
    if (!s || ack.source === s.source) return;
    if (ack.cumulative > s.highestSeen) s.highestSeen = ack.cumulative;
    const entry = s.acks.get(ack.source);
    if (!entry) {
      if (ack.cumulative < s.ackedAll) return;
      s.acks.set(ack.source, { value: ack.cumulative, lagSince: Infinity });
    } else if (ack.cumulative > entry.value) {
      entry.value = ack.cumulative;
      entry.lagSince = Infinity;
      this.markLagging(s, ack.cumulative, now);
    } else if (ack.cumulative <= s.ackedAll && now - s.lastGrantAt >= this.params.minRtoMs / 2) {
      this.sendGrant(s, now);
      return;
    }
    this.recompute(s, now);
  }

  onNak(nak: NakFrame): void {
    const s = this.streams.get(nak.streamSource);
    if (!s || s.incarnation !== nak.streamIncarnation) return;
    let asked = s.nakedInRound.get(nak.source);
    if (!asked) s.nakedInRound.set(nak.source, (asked = new Set()));
    for (const r of nak.ranges) {
      const end = Math.min(r.start + r.count - 1, s.granted);
      for (let seq = Math.max(r.start, s.ackedAll + 1); seq <= end; seq++) asked.add(seq);
    }
  }

  tick(now: number): void {
    for (const m of [...this.members.values()]) {
      if (m.id !== this.self.id && now - m.lastHeardAt > this.params.memberTimeoutMs) {
        this.evict(m, `silent for ${now - m.lastHeardAt} ms`, now);
      }
    }
    for (const s of [...this.streams.values()]) this.checkLag(s, now);
    if (now >= this.announceAt) {
      this.out.multicast({
        type: FrameType.Announce,
        membershipVersion: this.version,
        members: this.announced(),
      });
      this.announceAt = now + this.params.announceIntervalMs;
      if (this.grantsDue) this.repeatGrants(now);
    }
  }

  /**
   * Right after the announcement that admits a member (or takes it back), each stream's current grant: the
   * member, now in this epoch, learns how far the others got. What lies before that point is gone for it,
   * and it reports the gap now rather than at the sender's next message, which may never come.
   */
  private repeatGrants(now: number): void {
    this.grantsDue = false;
    for (const s of this.streams.values()) if (s.ackedAll > 0) this.sendGrant(s, now);
  }

  nextDeadline(): number {
    let next = this.announceAt;
    for (const m of this.members.values()) {
      if (m.id !== this.self.id) next = Math.min(next, m.lastHeardAt + this.params.memberTimeoutMs + 1);
    }
    for (const s of this.streams.values()) {
      for (const e of s.acks.values())
        if (e.lagSince !== Infinity) next = Math.min(next, e.lagSince + this.params.evictAfterMs + 1);
    }
    return next;
  }

  private announced(): AnnouncedMember[] {
    return [...this.members.values()].map((m) => ({ id: m.id, incarnation: m.incarnation }));
  }

  private stream(source: number, incarnation: number): ManagedStream | undefined {
    const sender = this.members.get(source);
    if (!sender || sender.incarnation !== incarnation) return undefined;
    let s = this.streams.get(source);
    if (s && s.incarnation === incarnation) return s;
    s = {
      source,
      incarnation,
      acks: new Map(),
      ackedAll: 0,
      granted: 1,
      window: this.params.window.initial,
      highestSeen: 0,
      roundStart: 0,
      nakedInRound: new Map(),
      lastGrantAt: -Infinity,
    };
    for (const id of this.members.keys()) if (id !== source) s.acks.set(id, { value: 0, lagSince: Infinity });
    this.streams.set(source, s);
    return s;
  }

  private recompute(s: ManagedStream, now: number): void {
    let min = Infinity;
    for (const e of s.acks.values()) if (e.value < min) min = e.value;
    if (min === Infinity) min = s.highestSeen;
    if (min <= s.ackedAll) return;
    this.adaptWindow(s, min);
    s.ackedAll = min;
    s.granted = Math.max(s.granted, s.ackedAll + s.window);
    this.sendGrant(s, now);
  }

  /**
   * Loss-driven window: the worst member's share of distinct frames it asked to be re-sent in the round just
   * acknowledged, a round being at least one window of frames. Up to 5%: grow by a quarter; up to 15%: hold;
   * above: halve. Random loss of a few percent therefore does not collapse the window; a member that drowns
   * (full buffers) does. A NAK repeated while its re-send is on the way, or a round of the two frames one
   * ACK step covers at a small window, would otherwise make one lost frame look like 10-50% loss.
   */
  private adaptWindow(s: ManagedStream, ackedAll: number): void {
    const frames = ackedAll - s.roundStart;
    if (frames < s.window) return;
    let worst = 0;
    for (const asked of s.nakedInRound.values()) {
      let inRound = 0;
      for (const seq of asked) {
        if (seq > ackedAll) continue;
        inRound++;
        asked.delete(seq);
      }
      if (inRound > worst) worst = inRound;
    }
    const loss = worst / frames;
    const w = this.params.window;
    if (loss > 0.15) s.window = Math.max(w.min, Math.floor(s.window / 2));
    else if (loss <= 0.05) s.window = Math.min(w.max, s.window + Math.max(1, Math.floor(s.window / 4)));
    s.roundStart = ackedAll;
  }

  private sendGrant(s: ManagedStream, now: number): void {
    s.lastGrantAt = now;
    this.counters.grantsSent++;
    this.out.multicast({
      type: FrameType.Grant,
      streamSource: s.source,
      streamIncarnation: s.incarnation,
      ackedThrough: s.ackedAll,
      grantThrough: s.granted,
      window: s.window,
    });
  }

  /** The eviction clock of a member starts the moment another member gets ahead of it. */
  private markLagging(s: ManagedStream, front: number, now: number): void {
    for (const [id, e] of s.acks)
      if (e.value < front && e.lagSince === Infinity && id !== this.self.id) e.lagSince = now;
  }

  /**
   * A member behind the most advanced member for evictAfterMs is evicted. Members all stuck at the same
   * point (the sender died mid-message) are not: the silent sender is evicted by its own timeout instead.
   */
  private checkLag(s: ManagedStream, now: number): void {
    let front = 0;
    for (const e of s.acks.values()) if (e.value > front) front = e.value;
    for (const [id, e] of s.acks) {
      if (id === this.self.id) continue;
      if (e.value >= front) {
        e.lagSince = Infinity;
      } else if (e.lagSince === Infinity) {
        e.lagSince = now;
      } else if (now - e.lagSince > this.params.evictAfterMs) {
        const m = this.members.get(id);
        const sender = this.members.get(s.source)?.name ?? String(s.source);
        if (m)
          this.evict(
            m,
            `no progress on the stream of ${sender} for ${now - e.lagSince} ms (at ${e.value} of ${front})`,
            now,
          );
      }
    }
  }

  private evict(m: MemberRecord, reason: string, now: number): void {
    this.counters.evictions++;
    this.removeMember(m, now);
    this.event({ event: "member-evicted", id: m.id, name: m.name, reason });
  }

  private removeMember(m: MemberRecord, now: number): void {
    this.members.delete(m.id);
    this.streams.delete(m.id);
    this.version++;
    this.announceAt = now;
    for (const s of this.streams.values()) {
      s.acks.delete(m.id);
      s.nakedInRound.delete(m.id);
      this.recompute(s, now);
    }
  }

  private event(detail: NodeEvent): void {
    this.actions.push({ kind: "event", detail });
  }
}
