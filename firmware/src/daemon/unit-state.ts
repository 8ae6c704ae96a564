// What the daemon's status means for the technician and for systemd, sans I/O: the LED state (role,
// degraded), the STATUS= line, and whether the role is known (READY=1). Fed the daemon's status and the
// time; remembers what it needs to see change (evictions, losing the manager, the switch's drift repairs).
import type { BaseState } from "../led/core.js";
import type { DaemonStatus } from "./daemon.js";

/** How long an eviction keeps the unit degraded. */
export const evictionMemoryMs = 60_000;
/** This many drift repairs of the switch within driftWindowMs make the unit degraded. */
export const frequentDriftRepairs = 3;
export const driftWindowMs = 600_000;

export interface UnitReading {
  state: BaseState;
  /** The role is known and services listen: time for READY=1. */
  ready: boolean;
  statusLine: string;
  degraded: string[];
}

export class UnitConditions {
  private evictions = 0;
  private evictedAt: number | null = null;
  private wasAdmitted = false;
  private switchRepairs = 0;
  private repairTimes: number[] = [];

  /** discoveryMs: how long a failover board listens for an SM before its role is settled. */
  constructor(private readonly discoveryMs: number) {}

  observe(s: DaemonStatus, now: number): UnitReading {
    const r = s.rmtp;
    if (r.counters.evictions > this.evictions) this.evictedAt = now;
    this.evictions = r.counters.evictions;
    const ready =
      !s.failover || s.failover.role === "sm" || r.manager !== null || s.uptimeMs >= this.discoveryMs;
    const role = roleState(s, ready);
    const degraded: string[] = [];
    if (this.evictedAt !== null && now - this.evictedAt < evictionMemoryMs) degraded.push("member evicted");
    if (this.wasAdmitted && !r.admitted) degraded.push("manager lost");
    this.wasAdmitted ||= r.admitted;
    const f = s.failover;
    if (f?.role === "sm" && !f.replication.standbys.some((p) => p.connected))
      degraded.push("no standby connected");
    if (f?.role === "standby" && ready && f.replication.sm === null) degraded.push("no sync link to the SM");
    degraded.push(...this.switchConditions(s, now));
    const state = degraded.length > 0 && (role !== "booting" || this.wasAdmitted) ? "degraded" : role;
    return { state, ready, statusLine: statusLine(s, role, degraded), degraded };
  }

  private switchConditions(s: DaemonStatus, now: number): string[] {
    const sw = s.switch;
    if (!sw) return [];
    for (let n = this.switchRepairs; n < sw.repairs; n++) this.repairTimes.push(now);
    this.switchRepairs = sw.repairs;
    this.repairTimes = this.repairTimes.filter((at) => now - at < driftWindowMs);
    const found: string[] = [];
    if (!sw.ok) found.push("switch not as configured");
    if (this.repairTimes.length >= frequentDriftRepairs)
      found.push(`switch drift repaired ${this.repairTimes.length} times in ${driftWindowMs / 60_000} min`);
    return found;
  }
}

function roleState(s: DaemonStatus, ready: boolean): BaseState {
  const r = s.rmtp;
  if (s.failover) {
    if (s.failover.role === "sm") return s.failover.established ? "sm-active" : "booting";
    return ready ? "bsm-standby" : "booting";
  }
  if (s.node.role === "sm") return r.manager?.self ? "sm-active" : "booting";
  if (!r.admitted) return "booting";
  return s.node.role === "bsm" ? "bsm-standby" : "se-ready";
}

function statusLine(s: DaemonStatus, role: BaseState, degraded: string[]): string {
  const r = s.rmtp;
  const what =
    role === "sm-active"
      ? `SM of epoch ${r.epoch}`
      : role === "bsm-standby"
        ? "standby"
        : role === "se-ready"
          ? "SE"
          : `starting (${s.node.role})`;
  const manager = r.manager ? `manager ${r.manager.name}` : "no manager heard";
  const tail = degraded.length > 0 ? `; degraded: ${degraded.join(", ")}` : "";
  return `${what}, ${manager}, ${r.members.length} members${tail}`;
}
