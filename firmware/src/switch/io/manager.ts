// Keeps the switch in its desired state: applies it at start, then follows the kernel's notifications and,
// when something else changed a managed object (a `bridge vlan del`, a port that came back), repairs it
// within the scheduler's settle time and logs the drift with the changes made. The directory's stream
// groups come in through setStreamGroups and are applied the same way, logged as an update. One netlink
// session for reads and changes, one monitor socket for notifications.
import type { Logger } from "../../log/logger.js";
import { describe } from "../core/changes.js";
import { withGroups } from "../core/desired.js";
import { groupKey, stateCounts, type GroupEntry, type StateCounts, type SwitchState } from "../core/model.js";
import { RepairScheduler } from "../core/repair-scheduler.js";
import type { NotificationSubject } from "../codec/notification.js";
import { applyWithRead, planState, type ApplyReport } from "./apply.js";
import { NetlinkMonitor, type MonitorEvent } from "./monitor.js";
import type { ReadResult } from "./read.js";
import { NetlinkSession } from "./session.js";

/** What the control op `switch.status` answers. */
export interface SwitchManagerStatus extends StateCounts {
  bridge: string;
  /** Whether the last apply or repair left the managed state as desired. */
  ok: boolean;
  /** Counts as of `readAt`, the last read of the kernel's state. */
  readAt: string | null;
  /** Permanent groups the directory's streams ask for, and streams it could not place. */
  streamGroups: number;
  unplacedStreams: string[];
  /** Repairs of drift (changes made by something else), and the last drift's commands. */
  repairs: number;
  lastDrift: { at: string; commands: string[] } | null;
  /** Changes made because the desired state changed (stream groups). */
  updates: number;
  lastApply: Record<string, unknown> | null;
}

const settleMs = 30;
const backoffMs = 1000;

export class SwitchManager {
  private readonly session = new NetlinkSession();
  private monitor: NetlinkMonitor | undefined;
  private readonly scheduler = new RepairScheduler({ settleMs, backoffMs });
  private timer: NodeJS.Timeout | undefined;
  private managed = { names: new Set<string>(), indexes: new Set<number>() };
  private started = false;
  private stopped = false;
  private desired: SwitchState;
  private streams: GroupEntry[] = [];
  private unplaced: string[] = [];
  /** The desired state changed since the last repair began. */
  private updated = false;
  /** When the first notification since the last repair began arrived, and the latest (performance.now()). */
  private noticedAt: number | undefined;
  private lastNoticeAt = -Infinity;
  /** When the last read that found the managed state as desired began. */
  private cleanReadAt = -Infinity;
  private readonly state = {
    ok: false,
    counts: { vlans: 0, vlanMemberships: 0, groups: 0 },
    readAt: null as string | null,
    repairs: 0,
    updates: 0,
    lastDrift: null as SwitchManagerStatus["lastDrift"],
    lastApply: null as Record<string, unknown> | null,
  };

  constructor(
    private readonly base: SwitchState,
    private readonly log: Logger,
  ) {
    this.desired = base;
    this.managed.names = new Set([
      base.bridge.name,
      ...base.ports.map((p) => p.name),
      ...base.interfaces.map((i) => i.name),
    ]);
  }

  /** Applies the desired state, then starts following notifications. */
  async start(): Promise<ApplyReport> {
    this.monitor = new NetlinkMonitor((e) => this.onMonitor(e));
    const report = await this.apply();
    this.log[report.ok ? "info" : "error"]("switch-applied", summary(report));
    this.started = true;
    if (this.updated || this.noticedAt !== undefined)
      this.arm(this.scheduler.onNotification(performance.now()));
    return report;
  }

  /** The directory's stream groups now (all of them); `unplaced`: the streams that got no entry, and why. */
  setStreamGroups(groups: readonly GroupEntry[], unplaced: readonly string[] = []): void {
    this.unplaced = [...unplaced];
    const next = withGroups(this.base, groups);
    const had = new Set(this.desired.groups.map(groupKey));
    const has = new Set(next.groups.map(groupKey));
    const added = next.groups.filter((g) => !had.has(groupKey(g)));
    const removed = this.desired.groups.filter((g) => !has.has(groupKey(g)));
    this.streams = [...groups];
    if (added.length === 0 && removed.length === 0) return;
    this.desired = next;
    this.updated = true;
    const line = (op: "mdb-add" | "mdb-del") => (entry: GroupEntry) =>
      describe({ op, bridge: this.base.bridge.name, entry })[0];
    this.log.info("switch-stream-groups", {
      added: added.map(line("mdb-add")),
      removed: removed.map(line("mdb-del")),
    });
    this.arm(this.scheduler.onNotification(performance.now()));
  }

  status(): SwitchManagerStatus {
    return {
      bridge: this.base.bridge.name,
      ok: this.state.ok,
      ...this.state.counts,
      readAt: this.state.readAt,
      streamGroups: this.streams.length,
      unplacedStreams: this.unplaced,
      repairs: this.state.repairs,
      lastDrift: this.state.lastDrift,
      updates: this.state.updates,
      lastApply: this.state.lastApply,
    };
  }

  /** Counts for the status, and the managed links' ifindexes (for filtering notifications). */
  private remember(read: ReadResult): void {
    this.state.counts = stateCounts(read.state);
    this.state.readAt = new Date().toISOString();
    this.managed.indexes = new Set(
      read.snapshot.links.filter((l) => this.managed.names.has(l.name)).map((l) => l.index),
    );
  }

  private async apply(fresh?: ReadResult): Promise<ApplyReport> {
    const { report, last } = await applyWithRead(this.session, this.desired, fresh);
    if (report.ok) this.cleanReadAt = last.startedAt;
    this.state.ok = report.ok;
    this.state.lastApply = summary(report);
    this.remember(last);
    return report;
  }

  private relevant(s: NotificationSubject): boolean {
    if (this.managed.indexes.has(s.index)) return true;
    if (s.name !== undefined && this.managed.names.has(s.name)) return true;
    return s.master !== undefined && this.managed.indexes.has(s.master);
  }

  private onMonitor(e: MonitorEvent): void {
    if (this.stopped) return;
    if (e.kind === "lost") this.log.warn("switch-notifications-lost", { reason: e.reason });
    else if (!this.relevant(e.subject)) return;
    this.noticedAt ??= performance.now();
    this.lastNoticeAt = performance.now();
    this.arm(this.scheduler.onNotification(performance.now()));
  }

  /** Repairs wait for start's apply to end (one apply at a time); start arms what was noticed meanwhile. */
  private arm(wake: { at: number } | null): void {
    if (!wake || this.stopped || !this.started) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.wake(), Math.max(0, wake.at - performance.now()));
  }

  private async wake(): Promise<void> {
    const next = this.scheduler.onWake(performance.now());
    if (next !== "repair") return this.arm(next);
    let ok = false;
    try {
      ok = await this.repair();
    } catch (err) {
      this.log.error("switch-repair-failed", { error: (err as Error).message });
    }
    this.arm(this.scheduler.onRepairDone(performance.now(), ok));
  }

  /**
   * Re-reads the state; when it differs from the desired one, logs what differs (as drift, or as an update
   * when the desired state changed since the last repair) and applies the desired state against that read.
   */
  private async repair(): Promise<boolean> {
    const noticed = this.noticedAt ?? performance.now();
    this.noticedAt = undefined;
    const update = this.updated;
    this.updated = false;
    /* Notifications of its own changes (or of any made before its last clean read began) need no read. */
    if (!update && this.lastNoticeAt < this.cleanReadAt) return true;
    const plan = await planState(this.session, this.desired);
    this.remember(plan.read);
    if (plan.changes.length === 0) {
      this.state.ok = true;
      this.cleanReadAt = plan.read.startedAt;
      return true;
    }
    const commands = plan.changes.flatMap((c) => c.commands);
    if (update) this.log.info("switch-update", { commands });
    else {
      this.state.lastDrift = { at: new Date().toISOString(), commands };
      this.log.warn("switch-drift", { commands });
    }
    const applying = performance.now();
    const report = await this.apply(plan.read);
    this.state[update ? "updates" : "repairs"]++;
    if (!report.ok) this.updated ||= update;
    this.log[report.ok ? "info" : "error"](update ? "switch-updated" : "switch-repaired", {
      ...summary(report),
      restoredMs: Math.round(applying + report.timings.readMs + report.timings.applyMs - noticed),
      sinceNoticedMs: Math.round(performance.now() - noticed),
    });
    /* A read-back that differs because something changed meanwhile is repaired next, without the backoff. */
    const refused = report.results.some((r) => r.error !== undefined);
    return report.ok || (!refused && this.noticedAt !== undefined);
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.monitor?.close();
    this.session.close();
  }
}

export function summary(r: ApplyReport): Record<string, unknown> {
  return {
    ok: r.ok,
    changes: r.results.length,
    failed: r.results
      .filter((x) => x.error !== undefined)
      .map((x) => ({ commands: x.commands, error: x.error })),
    missing: r.missing,
    remaining: r.remaining.flatMap((x) => x.commands),
    ...(r.rollback
      ? {
          rolledBack: r.rollback.restored,
          rollbackRemaining: r.rollback.remaining.flatMap((x) => x.commands),
        }
      : {}),
    ms: Math.round(r.durationMs),
  };
}
