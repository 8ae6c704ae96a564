// Who is the SM, sans-I/O (docs/failover.md): combines the VRRP election with what VRRP cannot know. A
// standby takes part in the election only while it is eligible (it holds a lease from the SM, so it holds
// every acknowledged write; or it may start the group at boot), and becomes SM when VRRP makes it master.
// An SM leaves the role when VRRP demotes it, when RMTP hears a higher epoch from a manager or from a
// majority of the members, when its term wins no majority before its lease runs out, and when, after a
// stall, not every standby that may have held a lease confirms in time that it is still a standby of this
// term (a stall alone proves nothing: the SM holds its adverts and acknowledgements back and asks). Events
// and the clock in, actions out.
import type { FailoverAction, FailoverEvent, FailoverParams, FailoverStatus, Role } from "./types.js";

/**
 * The epoch a node starts its next term at: the next round above every epoch seen, in the high 16 bits,
 * and the node's id in the low 16. Two nodes that start a term from the same knowledge (both elected by
 * master-down in the same instant, or one that restarted with stale counters) still get different epochs,
 * and the higher one wins at every member. 65,535 rounds fit in RMTP's 32-bit epoch.
 */
export function nextEpoch(highest: number, node: number): number {
  const epoch = (Math.floor(highest / 0x10000) + 1) * 0x10000 + node;
  if (epoch > 0xffffffff) throw new RangeError(`epoch rounds exhausted above ${highest}`);
  return epoch;
}

interface Term {
  epoch: number;
  established: boolean;
  /** An unestablished term ends here. */
  deadline: number;
}

export class FailoverController {
  private role: Role = "standby";
  private started = false;
  private bootEligible = false;
  private leaseUntil = -Infinity;
  private leaseEpoch = 0;
  /** The highest epoch seen or used: the next term is one higher. */
  private highestEpoch: number;
  /** The epoch of the last manager this node followed. */
  private followEpoch = 0;
  private term: Term | null = null;
  private known = 1;
  /** Per higher epoch, the members heard saying HELLO in it (while SM). */
  private readonly higher = new Map<number, Set<number>>();
  private vrrp: FailoverStatus["vrrp"] = "initialize";
  private vrrpRunning = false;
  private lastSeenAt: number | null = null;
  private stalls = 0;
  /** As SM after a stall: since when, how long, and when the check of the standbys began. */
  private stallCheck: { since: number; gapMs: number; startedAt: number } | null = null;
  private lastChange: FailoverStatus["lastChange"] = null;
  private actions: FailoverAction[] = [];

  constructor(
    private readonly params: FailoverParams,
    persistedEpoch: number,
    /** This node's id (1..65535): the low 16 bits of every epoch it starts, so no two nodes share one. */
    private readonly node: number,
  ) {
    if (!Number.isInteger(node) || node < 1 || node > 0xffff)
      throw new RangeError(`node id ${node} is not 1..65535`);
    this.highestEpoch = persistedEpoch;
  }

  get currentRole(): Role {
    return this.role;
  }

  /** Whether an SM may acknowledge a write now: it is SM, its term is established and it did not stall. */
  mayAcknowledge(now: number): boolean {
    return (
      this.role === "sm" &&
      this.term?.established === true &&
      this.stallCheck === null &&
      (this.lastSeenAt === null || now - this.lastSeenAt <= this.params.stallMs)
    );
  }

  handle(event: FailoverEvent, now: number): FailoverAction[] {
    this.checkStall(now);
    switch (event.kind) {
      case "start":
        this.started = true;
        this.bootEligible = event.bootEligible;
        break;
      case "tick":
        break;
      case "stall":
        this.stalled(now - event.lateMs, Math.round(event.lateMs), now);
        break;
      case "stall-checked":
        this.onStallChecked(event.ok, event.reason ?? "", now);
        break;
      case "vrrp":
        this.onVrrp(event.state, event.cause, now);
        break;
      case "lease":
        if (event.epoch >= this.followEpoch) {
          this.leaseUntil = event.until;
          this.leaseEpoch = event.epoch;
        }
        break;
      case "manager-heard":
        this.followEpoch = Math.max(this.followEpoch, event.epoch);
        this.highestEpoch = Math.max(this.highestEpoch, event.epoch);
        this.bootEligible = false;
        break;
      case "members":
        this.onMembers(event.joined, event.known);
        break;
      case "stepped-down":
        if (this.role === "sm") this.leave(`RMTP stepped down: ${event.cause}`, now, false);
        break;
      case "higher-epoch":
        this.onHigherEpoch(event.epoch, event.node, now);
        break;
      case "handover":
        if (this.role === "sm") this.push({ kind: "vrrp-release" });
        break;
    }
    this.checkTerm(now);
    this.steerVrrp(now);
    const out = this.actions;
    this.actions = [];
    return out;
  }

  status(now: number): FailoverStatus {
    const eligibleBy = this.eligibleBy(now);
    return {
      role: this.role,
      epoch: this.term?.epoch ?? this.followEpoch,
      eligible: eligibleBy !== null,
      eligibleBy,
      leaseRemainingMs: this.leaseUntil > now ? Math.round(this.leaseUntil - now) : null,
      established: this.term?.established ?? false,
      vrrp: this.vrrp,
      vrrpRunning: this.vrrpRunning,
      stalls: this.stalls,
      checkingStall: this.stallCheck !== null,
      lastChange: this.lastChange,
    };
  }

  private eligibleBy(now: number): FailoverStatus["eligibleBy"] {
    if (this.role !== "standby" || !this.started) return null;
    if (this.leaseUntil > now && this.leaseEpoch >= this.followEpoch) return "lease";
    return this.bootEligible ? "boot" : null;
  }

  private checkStall(now: number): void {
    const last = this.lastSeenAt;
    this.lastSeenAt = now;
    if (last === null || now - last <= this.params.stallMs) return;
    this.stalled(last, Math.round(now - last), now);
  }

  /**
   * As SM, a stall from `since`: a standby may have been elected meanwhile. Adverts and acknowledgements
   * stop until every standby that may have held a lease since then confirms. A stall that began before
   * the running check is the same one, reported again (by VRRP's late timer); a later one starts the
   * check again, from the earlier start.
   */
  private stalled(since: number, gapMs: number, now: number): void {
    const check = this.stallCheck;
    if (this.role === "sm" && check && since < check.startedAt) return;
    this.stalls++;
    this.log("warn", "stalled", { gapMs, role: this.role });
    if (this.role !== "sm") return;
    const from = Math.min(since, check?.since ?? since);
    this.stallCheck = { since: from, gapMs: Math.max(gapMs, check?.gapMs ?? 0), startedAt: now };
    this.push({ kind: "stall-check", since: from });
  }

  /**
   * Ends a term after a stall that not every standby could clear. Like a VRRP demotion, this node may
   * stand again until it hears the next manager (nobody may have taken over: a lease holder that lost
   * its link, say); its VRRP router, held back as master, restarts as a backup after advertising
   * priority 0, so a standby that may take over does so at once.
   */
  private leaveAfterStall(cause: string, now: number): void {
    const established = this.term?.established ?? false;
    this.leave(cause, now, false);
    if (established) this.bootEligible = true;
    if (this.vrrpRunning) {
      this.vrrpRunning = false;
      this.vrrp = "initialize";
      this.push({ kind: "vrrp-stop" });
    }
  }

  private onStallChecked(ok: boolean, reason: string, now: number): void {
    const check = this.stallCheck;
    if (this.role !== "sm" || !check) return;
    if (!ok) {
      this.leaveAfterStall(`stalled for ${check.gapMs} ms and ${reason}`, now);
      return;
    }
    this.stallCheck = null;
    this.log("info", "stall-cleared", {
      gapMs: check.gapMs,
      checkedMs: Math.round(now - check.startedAt),
    });
    this.push({ kind: "stall-cleared" });
  }

  private onVrrp(state: FailoverStatus["vrrp"], cause: string, now: number): void {
    this.vrrp = state;
    if (state !== "master") {
      if (this.role !== "sm") return;
      const planned = cause === "released";
      const established = this.term?.established ?? false;
      this.leave(`vrrp ${state} (${cause})`, now, planned);
      // Demoted by an advert or released, not ended by a newer manager: this node's term was the last, so
      // it may stand again until it hears the next manager (a released-to standby that never takes over).
      if (established && state === "backup") this.bootEligible = true;
      return;
    }
    if (this.role === "sm") return;
    const by = this.eligibleBy(now);
    if (by === null) {
      this.log("warn", "vrrp-master-not-eligible", { cause });
      return;
    }
    const epoch = nextEpoch(this.highestEpoch, this.node);
    this.highestEpoch = epoch;
    this.term = {
      epoch,
      established: false,
      deadline: by === "lease" ? this.leaseUntil : now + this.params.leaseMs,
    };
    this.bootEligible = false;
    this.leaseUntil = -Infinity;
    this.higher.clear();
    this.role = "sm";
    this.known = 1;
    this.changed(`vrrp master (${cause}), eligible by ${by}`, now);
    this.push({ kind: "become-sm", epoch, cause: `vrrp master (${cause}), eligible by ${by}` });
  }

  private onMembers(joined: number, known: number): void {
    this.known = Math.max(1, known);
    const term = this.term;
    if (this.role !== "sm" || !term || term.established) return;
    if (joined * 2 > this.known) {
      term.established = true;
      this.log("info", "term-established", { epoch: term.epoch, joined, known: this.known });
    }
  }

  /** A majority of the known members says HELLO in a higher epoch: another SM holds the group. */
  private onHigherEpoch(epoch: number, node: number, now: number): void {
    this.highestEpoch = Math.max(this.highestEpoch, epoch);
    if (this.role !== "sm" || !this.term || epoch <= this.term.epoch) return;
    const heard = this.higher.get(epoch) ?? new Set<number>();
    heard.add(node);
    this.higher.set(epoch, heard);
    if (heard.size * 2 > this.known) {
      this.followEpoch = Math.max(this.followEpoch, epoch);
      this.leave(`${heard.size} of ${this.known} known members are in epoch ${epoch}`, now, false);
    }
  }

  private checkTerm(now: number): void {
    const check = this.stallCheck;
    if (this.role === "sm" && check && now >= check.startedAt + this.params.checkMs) {
      this.leaveAfterStall(
        `stalled for ${check.gapMs} ms and not every standby confirmed within ${this.params.checkMs} ms`,
        now,
      );
      return;
    }
    const term = this.term;
    if (this.role !== "sm" || !term || term.established || now < term.deadline) return;
    this.leave(`no majority of ${this.known} known members joined epoch ${term.epoch} in time`, now, false);
  }

  private leave(cause: string, now: number, planned: boolean): void {
    const term = this.term;
    const established = term?.established ?? false;
    this.role = "standby";
    this.term = null;
    this.stallCheck = null;
    this.higher.clear();
    const followEpoch = this.followEpoch;
    if (established && term) this.followEpoch = Math.max(this.followEpoch, term.epoch);
    this.changed(cause, now, planned);
    this.push({
      kind: "become-standby",
      cause,
      wipe: established && !planned,
      followEpoch: established ? null : followEpoch,
    });
  }

  /** VRRP runs while this node is SM or eligible; a lease's end is a timer. */
  private steerVrrp(now: number): void {
    const want = this.role === "sm" || this.eligibleBy(now) !== null;
    if (want && !this.vrrpRunning) {
      this.vrrpRunning = true;
      this.push({ kind: "vrrp-start" });
    } else if (!want && this.vrrpRunning) {
      this.vrrpRunning = false;
      this.vrrp = "initialize";
      this.push({ kind: "vrrp-stop" });
    }
    const check = this.stallCheck;
    const at =
      this.role === "sm"
        ? Math.min(
            check ? check.startedAt + this.params.checkMs : Infinity,
            this.term && !this.term.established ? this.term.deadline : Infinity,
          )
        : this.leaseUntil;
    if (at > now && Number.isFinite(at)) this.push({ kind: "set-timer", at });
  }

  private changed(cause: string, now: number, planned = false): void {
    this.lastChange = { role: this.role, cause, at: now };
    this.log(this.role === "sm" || planned ? "info" : "warn", "role-changed", {
      role: this.role,
      epoch: this.term?.epoch ?? this.followEpoch,
      cause,
    });
  }

  private log(level: "info" | "warn", event: string, fields: Record<string, unknown>): void {
    this.push({ kind: "log", level, event, fields });
  }

  private push(action: FailoverAction): void {
    this.actions.push(action);
  }
}
