// A Service Engine's directory: runs the replica state machine against its durable store (commits and
// refreshes one at a time, in order), answers reads from the replica, announces content changes to the SM
// and waits for the SM's verdict (given up at once when another SM admits it and the old one had taken the
// announcement), and asks for a catch-up whenever RMTP says it (re)joined or missed data.
// While a full refresh (or a wipe) is being written, the store does not yet hold what the replica applies
// the next changes to, so directory messages are held until it is written.
import { packMessage } from "../codec/envelope.js";
import type { DirectoryMessage } from "../codec/messages.js";
import type { TreeContext } from "../core/apply-op.js";
import { DirectoryReplica, type ReplicaAction } from "../core/replica.js";
import type { OverlayView } from "../core/view.js";
import { LdapError, ResultCode, type Change, type ChangeOp } from "../model/types.js";
import type { EntryWrite } from "../store/store.js";
import type { Logger } from "../../log/logger.js";
import type { DirectoryLink } from "./link.js";
import type { DirectoryStatus } from "./sm-directory.js";

export interface SeDirectoryOptions {
  ctx: TreeContext;
  view: OverlayView;
  link: DirectoryLink;
  log: Logger;
  node: number;
  now?: () => number;
  announceTimeoutMs?: number;
  /** How long delivered changes gather before one commit (default 20 ms; a synchronous standby: 0). */
  commitDelayMs?: number;
  /** Called with the store's last CSN after each commit or refresh that reached the disk. */
  onDurable?: (csn: number) => void;
}

export interface AnnounceResult {
  code: number;
  message: string;
  csn: number;
}

interface PendingAnnounce {
  resolve: (r: AnnounceResult) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  /** The manager acknowledged the message (RMTP ack(last)): it will not be sent again in a new epoch. */
  acknowledged: boolean;
}

export class SeDirectory {
  private readonly replica: DirectoryReplica;
  private readonly now: () => number;
  private chain: Promise<void> = Promise.resolve();
  /** Bumped when a commit fails: the commits queued behind it are dropped, the replica fetches them again. */
  private generation = 0;
  private request = 0;
  /**
   * Changes applied but not yet queued for commit: everything delivered within commitDelayMs joins one
   * transaction, so a replica commits (and syncs) once per burst rather than once per message. Reads see
   * the changes at once (the overlay); the SM's acknowledgement does not wait for a replica's commit, and
   * what a crash loses here the replica fetches again from the SM's change log.
   */
  private openBatch: { changes: Change[]; writes: EntryWrite[]; generation: number } | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  /** Full refreshes queued or being written; messages wait in `held` until none is left. */
  private replacing = 0;
  private held: DirectoryMessage[] = [];
  private readonly announces = new Map<number, PendingAnnounce>();
  /** The manager that admitted this node last. */
  private manager: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: SeDirectoryOptions) {
    this.now = o.now ?? Date.now;
    this.replica = new DirectoryReplica(o.ctx, o.view, {
      node: o.node,
      catchupRetryMs: 2000,
      statusIntervalMs: 1000,
    });
    this.schedule();
  }

  get view(): OverlayView {
    return this.o.view;
  }

  onMessage(m: DirectoryMessage): void {
    if (m.kind === "announce-result" && m.node === this.o.node) {
      const pending = this.announces.get(m.request);
      if (!pending) return;
      this.announces.delete(m.request);
      clearTimeout(pending.timer);
      pending.resolve({ code: m.code, message: m.message, csn: m.csn });
      return;
    }
    if (this.replacing > 0) this.held.push(m);
    else this.run(this.replica.onMessage(m, this.now()));
  }

  /** RMTP admitted this node, or it missed messages: ask the SM for what follows our last CSN. */
  catchUp(reason: string): void {
    this.run(this.replica.requestCatchup(this.now(), reason));
  }

  /**
   * RMTP admitted this node under `manager`. When that is another manager than before (a failover), the
   * announcements the old one acknowledged will not be answered (RMTP sends only unacknowledged messages
   * again, and the new SM answers those): they fail now, as of unknown outcome, instead of at their timeout.
   */
  admittedBy(manager: string): void {
    const previous = this.manager;
    this.manager = manager;
    if (previous === undefined || previous === manager) return;
    const error = new LdapError(
      ResultCode.unavailable,
      `no answer from ${previous}, no longer the SM (now ${manager}); the outcome is unknown`,
    );
    for (const [request, p] of this.announces) {
      if (!p.acknowledged) continue;
      clearTimeout(p.timer);
      this.announces.delete(request);
      p.reject(error);
    }
  }

  /** Sends content changes to the SM; resolves with the SM's result (code 0 when committed). */
  announce(ops: ChangeOp[]): Promise<AnnounceResult> {
    const request = ++this.request;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.announces.delete(request);
        reject(new Error(`no answer from the SM to announcement ${request}`));
      }, this.o.announceTimeoutMs ?? 10_000);
      const pending: PendingAnnounce = { resolve, reject, timer, acknowledged: false };
      this.announces.set(request, pending);
      this.send({ kind: "announce", node: this.o.node, request, ops }).then(
        () => (pending.acknowledged = true),
        (err: unknown) => {
          clearTimeout(timer);
          this.announces.delete(request);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  status(): DirectoryStatus {
    const store = this.view.store;
    return {
      role: "se",
      suffix: this.o.ctx.suffix.display,
      entries: this.view.count(),
      lastCsn: this.replica.appliedCsn,
      oldestCsn: store.oldestCsn(),
      head: this.replica.headCsn,
      replicas: [],
    };
  }

  /** Resolves when every queued commit has finished. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const [, p] of this.announces) {
      clearTimeout(p.timer);
      p.reject(new LdapError(ResultCode.unavailable, "directory closing"));
    }
    this.announces.clear();
    this.closeBatch();
    await this.chain;
  }

  private schedule(): void {
    if (this.closed) return;
    const delay = Math.max(10, this.replica.nextTimer() - this.now());
    this.timer = setTimeout(
      () => {
        this.run(this.replica.tick(this.now()));
        this.schedule();
      },
      Math.min(delay, 1000),
    );
    this.timer.unref();
  }

  private run(actions: ReplicaAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case "log":
          this.o.log[a.level](a.event, a.fields);
          break;
        case "send":
          this.send(a.message).catch((err: unknown) =>
            this.o.log.debug("send-not-acknowledged", { kind: a.message.kind, reason: String(err) }),
          );
          break;
        case "commit": {
          const open = this.openBatch;
          if (open && open.generation === this.generation) {
            open.changes.push(...a.changes);
            open.writes.push(...a.writes);
            break;
          }
          this.closeBatch();
          this.openBatch = { changes: [...a.changes], writes: [...a.writes], generation: this.generation };
          this.batchTimer = setTimeout(() => this.closeBatch(), this.o.commitDelayMs ?? 20);
          break;
        }
        case "replace": {
          this.generation++;
          this.replacing++;
          const generation = this.generation;
          this.enqueue(async () => {
            try {
              await this.view.store.replaceAll(a.entries, a.csn);
              this.o.onDurable?.(this.view.store.lastCsn());
            } catch (err) {
              if (generation === this.generation) this.generation++;
              this.replica.onCommitFailed();
              this.o.log.error("replica-refresh-failed", {
                csn: a.csn,
                reason: err instanceof Error ? err.message : String(err),
              });
            }
            this.replaced();
          });
          break;
        }
      }
    }
  }

  /** A full refresh is written (or failed): the messages held meanwhile apply now, in arrival order. */
  private replaced(): void {
    if (--this.replacing > 0) return;
    const held = this.held;
    this.held = [];
    for (const m of held) {
      if (this.replacing > 0) this.held.push(m);
      else this.run(this.replica.onMessage(m, this.now()));
    }
  }

  /** Queues the open batch's commit; a batch of an older generation (superseded) is dropped then. */
  private closeBatch(): void {
    const batch = this.openBatch;
    clearTimeout(this.batchTimer);
    if (!batch) return;
    this.openBatch = undefined;
    const store = this.view.store;
    this.enqueue(async () => {
      if (batch.generation !== this.generation) return;
      try {
        await store.commit(batch.changes, batch.writes);
        this.view.settle(batch.writes);
        this.o.onDurable?.(store.lastCsn());
      } catch (err) {
        this.generation++;
        this.replica.onCommitFailed();
        this.o.log.error("replica-commit-failed", {
          firstCsn: batch.changes[0]?.csn,
          reason: err instanceof Error ? err.message : String(err),
        });
      }
    });
  }

  private enqueue(job: () => Promise<void>): void {
    this.chain = this.chain.then(job);
  }

  private send(m: DirectoryMessage): Promise<unknown> {
    return this.o.link.send(packMessage(m));
  }
}
