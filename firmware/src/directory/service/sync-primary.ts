// The SM's side of synchronous replication (docs/failover.md): sends every committed changes message to the
// standbys over their sync links before it may be multicast, tracks what each standby holds durably, keeps
// a standby "in sync" while it confirms in time, and grants an in-sync standby a lease in answer to each of
// its confirmations. A message may be multicast once every in-sync standby holds it and every other
// standby's last lease has run out; with no standby holding it, only while a majority of the known members
// is in this SM's epoch. After the SM stalled, it asks the standbys that may have held a lease meanwhile
// whether they are still its standbys (checkStandbys).
import type { Logger } from "../../log/logger.js";
import type { SyncAppFrame } from "../sync/frames.js";
import { LdapError, ResultCode } from "../model/types.js";

/** What the primary needs of one standby's authenticated link. */
export interface StandbyLink {
  send(frame: SyncAppFrame): void;
  close(reason: string): void;
}

export interface SyncPrimaryOptions {
  epoch: number;
  leaseMs: number;
  /** An in-sync standby that has not confirmed a message for this long falls out of sync. */
  ackTimeoutMs: number;
  /** A message that cannot be released for this long is refused. */
  maxWaitMs: number;
  now: () => number;
  /** Whether a majority of the known members has joined this SM's epoch. */
  hasMajority: () => boolean;
  /** Standbys that may hold a lease from the previous SM: waited for until it has run out. */
  inheritedStandbys: readonly number[];
  onTakeoverRequest: (node: number, priority: number) => void;
  log: Logger;
}

interface Standby {
  node: number;
  link: StandbyLink | null;
  durable: number;
  inSync: boolean;
  /** Last CSN of each message sent to it and not yet confirmed, with when it was sent. */
  pending: { csn: number; at: number }[];
  /** When the last lease granted to it runs out, on this clock, with a margin for clock rates. */
  leaseEnd: number;
  lastHeardAt: number;
}

interface Waiter {
  csn: number;
  since: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** The outcome of checkStandbys. */
export type StandbyCheck = { ok: true } | { ok: false; reason: string };

interface PendingCheck {
  seq: number;
  waiting: Set<number>;
  done: (result: StandbyCheck) => void;
}

export interface StandbyStatus {
  node: number;
  connected: boolean;
  inSync: boolean;
  durableCsn: number;
  leaseRemainingMs: number | null;
}

export class SyncPrimary {
  private readonly standbys = new Map<number, Standby>();
  private waiters: Waiter[] = [];
  /** The highest CSN sent to the standbys. */
  private sentCsn = 0;
  private closed = false;
  private checkSeq = 0;
  private check: PendingCheck | null = null;

  constructor(private readonly o: SyncPrimaryOptions) {
    const end = o.now() + this.leaseSpan();
    for (const node of o.inheritedStandbys) this.standbys.set(node, this.fresh(node, null, end));
  }

  /** A standby connected (a newer link replaces an older one). */
  attach(node: number, link: StandbyLink): void {
    const known = this.standbys.get(node);
    known?.link?.close("replaced by a new link from the same node");
    this.failCheck(node, "it connected again");
    const s = known ?? this.fresh(node, link, -Infinity);
    s.link = link;
    s.inSync = false;
    // What a standby held on an earlier link says nothing about now: it may have emptied its store since.
    s.durable = 0;
    s.pending = [];
    s.lastHeardAt = this.o.now();
    this.standbys.set(node, s);
    this.o.log.info("standby-connected", { node });
  }

  detach(node: number, reason: string): void {
    const s = this.standbys.get(node);
    if (!s?.link) return;
    s.link = null;
    this.failCheck(node, `its link closed: ${reason}`);
    this.outOfSync(s, `link closed: ${reason}`);
  }

  onFrame(node: number, frame: SyncAppFrame): void {
    const s = this.standbys.get(node);
    if (!s?.link || this.closed) return;
    s.lastHeardAt = this.o.now();
    if (frame.kind === "takeover-request") {
      if (s.inSync) this.o.onTakeoverRequest(node, frame.priority);
      return;
    }
    if (frame.kind === "check-reply") {
      if (frame.epoch === this.o.epoch) this.checkAnswered(node, frame.seq);
      return;
    }
    if (frame.kind !== "durable" || frame.epoch !== this.o.epoch) return;
    s.durable = Math.max(s.durable, frame.csn);
    s.pending = s.pending.filter((p) => p.csn > s.durable);
    if (!s.inSync && s.durable >= this.sentCsn) {
      s.inSync = true;
      this.o.log.info("standby-in-sync", { node, csn: s.durable });
    }
    if (s.inSync) {
      s.leaseEnd = this.o.now() + this.leaseSpan();
      s.link.send({
        kind: "lease",
        epoch: this.o.epoch,
        seq: frame.leaseSeq,
        headCsn: this.sentCsn,
        validMs: this.o.leaseMs,
      });
    }
    this.release();
  }

  /** Sends a packed changes message ending at lastCsn; resolves when it may be multicast. */
  replicate(payload: Uint8Array, lastCsn: number): Promise<void> {
    if (this.closed) return Promise.reject(unavailable("the SM is stepping down"));
    const now = this.o.now();
    this.sentCsn = Math.max(this.sentCsn, lastCsn);
    for (const s of this.standbys.values()) {
      if (!s.link) continue;
      s.link.send({ kind: "changes", epoch: this.o.epoch, payload });
      if (s.inSync) s.pending.push({ csn: lastCsn, at: now });
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ csn: lastCsn, since: now, resolve, reject });
      this.release();
    });
  }

  /** Checks confirmation timeouts, leases that ran out and waiters that waited too long. */
  tick(): void {
    const now = this.o.now();
    for (const s of this.standbys.values()) {
      const oldest = s.pending[0];
      if (s.inSync && oldest && now - oldest.at > this.o.ackTimeoutMs)
        this.outOfSync(s, `CSN ${oldest.csn} not confirmed within ${this.o.ackTimeoutMs} ms`);
      else if (s.inSync && now - s.lastHeardAt > this.o.leaseMs / 2)
        this.outOfSync(s, `silent for ${Math.round(now - s.lastHeardAt)} ms`);
      if (!s.link && now >= s.leaseEnd) this.standbys.delete(s.node);
    }
    this.release();
    const late = this.waiters.filter((w) => now - w.since > this.o.maxWaitMs);
    if (late.length === 0) return;
    this.waiters = this.waiters.filter((w) => now - w.since <= this.o.maxWaitMs);
    for (const w of late)
      w.reject(unavailable(`CSN ${w.csn} reached no standby and no majority within ${this.o.maxWaitMs} ms`));
  }

  /**
   * After this SM stalled: asks every standby whose lease (granted here, or inherited from the previous SM)
   * ran at some time since `since` whether it is still a standby of this term; only such a standby can
   * have been elected meanwhile. `done` gets ok once each has answered on its link, or the first reason
   * one cannot (it has no link, its link closed). A later check replaces an unfinished one.
   */
  checkStandbys(since: number, done: (result: StandbyCheck) => void): void {
    const seq = (this.checkSeq = (this.checkSeq + 1) >>> 0);
    this.check = null;
    const waiting = new Set<number>();
    for (const s of this.standbys.values()) {
      if (s.leaseEnd <= since) continue;
      if (!s.link) return done({ ok: false, reason: `standby ${s.node} may hold a lease and has no link` });
      waiting.add(s.node);
    }
    if (waiting.size === 0) return done({ ok: true });
    this.check = { seq, waiting, done };
    for (const node of waiting)
      this.standbys.get(node)?.link?.send({ kind: "check", epoch: this.o.epoch, seq });
  }

  /** The highest CSN every in-sync standby holds durably (the SM's own when none is in sync). */
  syncedCsn(): number {
    const inSync = [...this.standbys.values()].filter((s) => s.inSync);
    return inSync.length === 0 ? 0 : Math.min(...inSync.map((s) => s.durable));
  }

  /**
   * The highest CSN that every standby which may take over holds durably: one in sync, and one out of sync
   * whose last lease still runs (it may be elected until then). A standby that fell out of sync only
   * because this SM stalled and did not hear it still counts, with what it confirmed. 0 when there is none.
   */
  confirmedCsn(): number {
    const now = this.o.now();
    const electable = [...this.standbys.values()].filter((s) => s.inSync || now < s.leaseEnd);
    return electable.length === 0 ? 0 : Math.min(...electable.map((s) => s.durable));
  }

  /** Sends `release` to the standby taking over: everything through csn is acknowledged. */
  handOver(node: number, csn: number): void {
    this.standbys.get(node)?.link?.send({ kind: "release", epoch: this.o.epoch, csn });
  }

  status(): StandbyStatus[] {
    const now = this.o.now();
    return [...this.standbys.values()].map((s) => ({
      node: s.node,
      connected: s.link !== null,
      inSync: s.inSync,
      durableCsn: s.durable,
      leaseRemainingMs: s.leaseEnd > now ? Math.round(s.leaseEnd - now) : null,
    }));
  }

  /** Refuses what waits and closes every link. */
  close(reason: string): void {
    this.closed = true;
    this.check = null;
    for (const w of this.waiters.splice(0)) w.reject(unavailable(reason));
    for (const s of this.standbys.values()) s.link?.close(reason);
    this.standbys.clear();
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const limit = this.releasable();
    while (this.waiters[0] && this.waiters[0].csn <= limit) this.waiters.shift()?.resolve();
  }

  /** The highest CSN that may be multicast now. */
  private releasable(): number {
    const now = this.o.now();
    let limit = Infinity;
    let held = false;
    for (const s of this.standbys.values()) {
      if (s.inSync) {
        limit = Math.min(limit, s.durable);
        held = true;
      } else if (now < s.leaseEnd) return -1;
    }
    if (held) return limit;
    return this.o.hasMajority() ? Infinity : -1;
  }

  private checkAnswered(node: number, seq: number): void {
    const check = this.check;
    if (!check || check.seq !== seq || !check.waiting.delete(node) || check.waiting.size > 0) return;
    this.check = null;
    check.done({ ok: true });
  }

  private failCheck(node: number, why: string): void {
    const check = this.check;
    if (!check?.waiting.has(node)) return;
    this.check = null;
    check.done({ ok: false, reason: `standby ${node} did not answer: ${why}` });
  }

  private outOfSync(s: Standby, reason: string): void {
    if (s.inSync) this.o.log.warn("standby-out-of-sync", { node: s.node, durable: s.durable, reason });
    s.inSync = false;
    s.pending = [];
    this.release();
  }

  private fresh(node: number, link: StandbyLink | null, leaseEnd: number): Standby {
    return { node, link, durable: 0, inSync: false, pending: [], leaseEnd, lastHeardAt: this.o.now() };
  }

  /** A lease granted now ends, on the standby's clock, before this: 5 % for clock rates. */
  private leaseSpan(): number {
    return this.o.leaseMs * 1.05;
  }
}

function unavailable(reason: string): LdapError {
  return new LdapError(ResultCode.unavailable, reason);
}
