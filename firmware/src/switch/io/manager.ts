// Keeps the switch in its desired state: applies it at start, then follows the kernel's notifications and,
// when something else changed a managed object (a `bridge vlan del`, a port that came back), repairs it
// within the scheduler's settle time and logs the drift with the changes made. One netlink session for
// reads and changes, one monitor socket for notifications.
import type { Logger } from "../../log/logger.js";
import type { SwitchState } from "../core/model.js";
import { RepairScheduler } from "../core/repair-scheduler.js";
import type { NotificationSubject } from "../codec/notification.js";
import { applyState, planState, type ApplyReport } from "./apply.js";
import { NetlinkMonitor, type MonitorEvent } from "./monitor.js";
import type { ReadResult } from "./read.js";
import { NetlinkSession } from "./session.js";

export interface SwitchManagerStatus {
  lastApply: ApplyReport | null;
  repairs: number;
  lastDrift: { at: string; commands: string[] } | null;
}

const settleMs = 30;
const backoffMs = 1000;

export class SwitchManager {
  private readonly session = new NetlinkSession();
  private monitor: NetlinkMonitor | undefined;
  private readonly scheduler = new RepairScheduler({ settleMs, backoffMs });
  private timer: NodeJS.Timeout | undefined;
  private managed = { names: new Set<string>(), indexes: new Set<number>() };
  private stopped = false;
  /** When the first notification since the last repair began arrived (performance.now()). */
  private noticedAt: number | undefined;
  private readonly state: SwitchManagerStatus = { lastApply: null, repairs: 0, lastDrift: null };

  constructor(
    private readonly desired: SwitchState,
    private readonly log: Logger,
  ) {
    this.managed.names = new Set([
      desired.bridge.name,
      ...desired.ports.map((p) => p.name),
      ...desired.interfaces.map((i) => i.name),
    ]);
  }

  /** Applies the desired state, then starts following notifications. */
  async start(): Promise<ApplyReport> {
    this.monitor = new NetlinkMonitor((e) => this.onMonitor(e));
    const report = await this.apply();
    this.log[report.ok ? "info" : "error"]("switch-applied", summary(report));
    await this.learnIndexes();
    return report;
  }

  status(): SwitchManagerStatus {
    return this.state;
  }

  private async apply(fresh?: ReadResult): Promise<ApplyReport> {
    const report = await applyState(this.session, this.desired, fresh);
    this.state.lastApply = report;
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
    this.arm(this.scheduler.onNotification(performance.now()));
  }

  private arm(wake: { at: number } | null): void {
    if (!wake || this.stopped) return;
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

  /** Re-reads the state; when it drifted, logs what differs and applies the desired state again. */
  private async repair(): Promise<boolean> {
    const noticed = this.noticedAt ?? performance.now();
    this.noticedAt = undefined;
    const plan = await planState(this.session, this.desired);
    this.rememberIndexes(
      plan.read.snapshot.links.filter((l) => this.managed.names.has(l.name)).map((l) => l.index),
    );
    if (plan.changes.length === 0) return true;
    const commands = plan.changes.flatMap((c) => c.commands);
    this.state.lastDrift = { at: new Date().toISOString(), commands };
    this.log.warn("switch-drift", { commands });
    const report = await this.apply(plan.read);
    this.state.repairs++;
    this.log[report.ok ? "info" : "error"]("switch-repaired", {
      ...summary(report),
      sinceNoticedMs: Math.round(performance.now() - noticed),
    });
    return report.ok;
  }

  private rememberIndexes(indexes: number[]): void {
    this.managed.indexes = new Set(indexes);
  }

  /** Reads the state once to learn the managed links' ifindexes (for filtering notifications). */
  private async learnIndexes(): Promise<void> {
    const plan = await planState(this.session, this.desired);
    this.rememberIndexes(
      plan.read.snapshot.links.filter((l) => this.managed.names.has(l.name)).map((l) => l.index),
    );
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
