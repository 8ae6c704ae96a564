// An SE's replica as a state machine (messages and clock in, actions out): applies the SM's changes strictly
// in CSN order, stages them so reads see them at once, asks the SM to catch it up when it finds a gap or
// learns that the SM is ahead, assembles full refreshes, and reports what it holds durably once a second.
// When a change the SM accepted does not apply here, the replica has diverged: it wipes itself and asks for
// everything again.
import type { DirectoryMessage } from "../codec/messages.js";
import { LdapError, type Change, type Entry } from "../model/types.js";
import type { EntryWrite } from "../store/store.js";
import { applyOp, type TreeContext } from "./apply-op.js";
import type { OverlayView } from "./view.js";

export type ReplicaAction =
  | { kind: "commit"; changes: Change[]; writes: EntryWrite[] }
  | { kind: "replace"; entries: { key: string; entry: Entry }[]; csn: number }
  | { kind: "send"; message: DirectoryMessage }
  | { kind: "log"; level: "info" | "warn"; event: string; fields: Record<string, unknown> };

export interface ReplicaParams {
  node: number;
  /** How long to wait for an answer to a catch-up request before asking again. */
  catchupRetryMs: number;
  statusIntervalMs: number;
}

interface RefreshAssembly {
  refreshId: number;
  csn: number;
  nextChunk: number;
  entries: { key: string; entry: Entry }[];
}

export class DirectoryReplica {
  /** CSN of the last change applied (visible to reads, maybe not yet durable). */
  private applied: number;
  /** Highest CSN the SM said it has multicast. */
  private head = 0;
  private catchupAskedAt = -Infinity;
  /** The applied CSN a change-gap was last logged at: one line per gap, not one per message past it. */
  private gapLoggedAt = -1;
  /** The CSN the last catch-up request asked to continue from. */
  private askedFor = -1;
  private statusAt = -Infinity;
  private refresh: RefreshAssembly | undefined;

  constructor(
    private readonly ctx: TreeContext,
    private readonly view: OverlayView,
    private readonly params: ReplicaParams,
  ) {
    this.applied = view.store.lastCsn();
  }

  get appliedCsn(): number {
    return this.applied;
  }

  get headCsn(): number {
    return this.head;
  }

  onMessage(m: DirectoryMessage, now: number): ReplicaAction[] {
    if (m.kind === "changes") return this.onChanges(m.changes, m.head, now);
    if (m.kind === "refresh" && m.target === this.params.node) return this.onRefresh(m, now);
    return [];
  }

  /**
   * Ask for what follows our last CSN (on start, after rejoining, after a gap). A request for the same CSN
   * within the retry time is not repeated: RMTP reports a join both as admitted and as a gap, and a second
   * answer could be a second full refresh.
   */
  requestCatchup(now: number, reason: string): ReplicaAction[] {
    if (this.askedFor === this.applied && now - this.catchupAskedAt < this.params.catchupRetryMs) return [];
    this.catchupAskedAt = now;
    this.askedFor = this.applied;
    return [
      { kind: "log", level: "info", event: "catchup-requested", fields: { have: this.applied, reason } },
      { kind: "send", message: { kind: "catchup-request", node: this.params.node, have: this.applied } },
    ];
  }

  tick(now: number): ReplicaAction[] {
    const actions: ReplicaAction[] = [];
    if (this.applied < this.head && now - this.catchupAskedAt >= this.params.catchupRetryMs) {
      actions.push(...this.requestCatchup(now, "behind the SM"));
    }
    if (now - this.statusAt >= this.params.statusIntervalMs) {
      this.statusAt = now;
      const store = this.view.store;
      actions.push({
        kind: "send",
        message: {
          kind: "replica-status",
          node: this.params.node,
          have: store.lastCsn(),
          entries: store.count(),
        },
      });
    }
    return actions;
  }

  /** A local commit failed (disk full, I/O error): forget what was staged and fetch it again later. */
  onCommitFailed(): void {
    this.view.clear();
    this.applied = this.view.store.lastCsn();
    this.catchupAskedAt = -Infinity;
  }

  nextTimer(): number {
    const status = this.statusAt + this.params.statusIntervalMs;
    return this.applied < this.head
      ? Math.min(status, this.catchupAskedAt + this.params.catchupRetryMs)
      : status;
  }

  private onChanges(changes: readonly Change[], head: number, now: number): ReplicaAction[] {
    const actions: ReplicaAction[] = [];
    const staged: Change[] = [];
    const writes: EntryWrite[] = [];
    this.head = Math.max(this.head, head);
    for (const change of changes) {
      if (change.csn <= this.applied) continue;
      if (change.csn !== this.applied + 1) {
        if (this.gapLoggedAt !== this.applied) {
          this.gapLoggedAt = this.applied;
          actions.push({
            kind: "log",
            level: "warn",
            event: "change-gap",
            fields: { have: this.applied, got: change.csn },
          });
        }
        break;
      }
      let w: EntryWrite[];
      try {
        w = applyOp(this.ctx, this.view, change.op);
      } catch (err) {
        if (staged.length > 0) actions.push({ kind: "commit", changes: [...staged], writes: [...writes] });
        return [...actions, ...this.diverged(change, err, now)];
      }
      this.view.stage(w);
      writes.push(...w);
      staged.push(change);
      this.applied = change.csn;
    }
    if (staged.length > 0) actions.unshift({ kind: "commit", changes: staged, writes });
    if (this.applied >= this.head) this.catchupAskedAt = -Infinity;
    else if (now - this.catchupAskedAt >= this.params.catchupRetryMs) {
      actions.push(...this.requestCatchup(now, "gap in the change stream"));
    }
    return actions;
  }

  private diverged(change: Change, err: unknown, now: number): ReplicaAction[] {
    const reason = err instanceof LdapError ? `${err.code} ${err.message}` : String(err);
    this.view.clear();
    this.applied = 0;
    this.refresh = undefined;
    return [
      { kind: "log", level: "warn", event: "replica-diverged", fields: { csn: change.csn, reason } },
      { kind: "replace", entries: [], csn: 0 },
      ...this.requestCatchup(now, "replica diverged"),
    ];
  }

  private onRefresh(m: Extract<DirectoryMessage, { kind: "refresh" }>, now: number): ReplicaAction[] {
    if (m.chunk === 0) this.refresh = { refreshId: m.refreshId, csn: m.csn, nextChunk: 0, entries: [] };
    const r = this.refresh;
    if (!r || r.refreshId !== m.refreshId || r.nextChunk !== m.chunk) {
      this.refresh = undefined;
      return [
        { kind: "log", level: "warn", event: "refresh-chunk-out-of-order", fields: { chunk: m.chunk } },
        ...this.requestCatchup(now, "refresh chunk out of order"),
      ];
    }
    for (const entry of m.entries) {
      let key: string;
      try {
        key = this.ctx.schema.dn(entry.dn).key;
      } catch (err) {
        this.refresh = undefined;
        return [
          {
            kind: "log",
            level: "warn",
            event: "refresh-entry-invalid",
            fields: { dn: entry.dn, reason: String(err) },
          },
          ...this.requestCatchup(now, "refresh entry with an invalid DN"),
        ];
      }
      r.entries.push({ key, entry });
    }
    r.nextChunk++;
    if (!m.last) return [];
    this.refresh = undefined;
    this.view.clear();
    this.applied = r.csn;
    this.head = Math.max(this.head, r.csn);
    this.catchupAskedAt = -Infinity;
    return [
      { kind: "log", level: "info", event: "refreshed", fields: { entries: r.entries.length, csn: r.csn } },
      { kind: "replace", entries: r.entries, csn: r.csn },
    ];
  }
}
