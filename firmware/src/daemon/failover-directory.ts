// The directory of an SM/BSM board (docs/failover.md): one store, one LDAP service on the board's address
// whose view and write path follow the role, and a second LDAP service on the virtual address while SM.
// As SM it is the writer (SmDirectory) with synchronous replication (SyncPrimary) to the standbys that
// connect to its sync server; as standby it is a replica (SeDirectory, committing at once) that connects to
// the manager's sync server, confirms what it holds and passes the leases it gets to the failover unit.
import type { LoadedConfig } from "../config/load.js";
import type { DirectoryConfig, FailoverConfig } from "../config/schema.js";
import type { Logger } from "../log/logger.js";
import { RateLimitedLog } from "../log/rate-limited-log.js";
import type { Delivery, NodeEvent } from "../rmtp/core/types.js";
import type { RmtpEndpoint } from "../rmtp/io/endpoint.js";
import { Keyring } from "../rmtp/codec/keyring.js";
import { isDirectoryPayload, unpackMessage } from "../directory/codec/envelope.js";
import type { DirectoryMessage } from "../directory/codec/messages.js";
import type { TreeContext } from "../directory/core/apply-op.js";
import type { OverlayView } from "../directory/core/view.js";
import { DirectoryLdapService, type DirectoryBackend } from "../directory/ldap/ldap-server.js";
import type { ChangeOp } from "../directory/model/types.js";
import { SeDirectory, type AnnounceResult } from "../directory/service/se-directory.js";
import { SmDirectory, type DirectoryStatus } from "../directory/service/sm-directory.js";
import { SyncPrimary, type StandbyCheck, type StandbyStatus } from "../directory/service/sync-primary.js";
import { SyncStandby } from "../directory/service/sync-standby.js";
import type { SyncPeer } from "../directory/sync/frames.js";
import { connectSync, SyncServer } from "../directory/sync/tcp-link.js";
import {
  ldapServiceOptions,
  openDirectoryStore,
  SelfRegistration,
  type DirectoryParts,
} from "./directory-parts.js";
import type { RunningDirectory } from "./directory.js";
import { clearUnconfirmed, readUnconfirmed, writeUnconfirmed } from "./unconfirmed-marker.js";

/** What the failover unit tells the directory about the group when it becomes SM. */
export interface TermInfo {
  epoch: number;
  /** Whether a majority of the known members has joined this term. */
  hasMajority: () => boolean;
  /** Whether this SM may acknowledge now (its term is established and it did not stall). */
  mayAcknowledge: () => boolean;
}

export interface FailoverDirectoryEvents {
  onLease(epoch: number, until: number): void;
  onTakeoverRequest(node: number, priority: number): void;
  /** As standby: whether this node is still a standby that is not taking over (answers an SM's check). */
  mayConfirm(): boolean;
  /** As standby: the SM released the role to this node, which holds every change through its last CSN. */
  onReleased(): void;
}

/** After a failed dial, the standby waits this long before it dials the SM again. */
const redialMs = 250;

interface SmRole {
  kind: "sm";
  epoch: number;
  sm: SmDirectory;
  /** LDAP readers see committed changes only. */
  readers: OverlayView;
  primary: SyncPrimary;
  server: SyncServer;
  vip: DirectoryLdapService | null;
  tick: NodeJS.Timeout;
}

interface StandbyRole {
  kind: "standby";
  se: SeDirectory;
  sync: SyncStandby | null;
  connecting: boolean;
}

/** Sync status as `iss status` shows it. */
export interface ReplicationStatus {
  /** The last CSN this board's store holds: a standby's lag is this less its durable CSN. */
  lastCsn: number;
  standbys: StandbyStatus[];
  syncedCsn: number;
  sm: { node: number; epoch: number } | null;
}

/** The LDAP service's backend: the SM's committed view and write path, or the replica's view and a referral. */
class RoleBackend implements DirectoryBackend {
  constructor(
    readonly ctx: TreeContext,
    private readonly role: () => SmRole | StandbyRole,
    readonly referral: () => string,
  ) {}

  get view(): OverlayView {
    const role = this.role();
    return role.kind === "sm" ? role.readers : role.se.view;
  }

  get write(): ((op: ChangeOp) => Promise<unknown>) | undefined {
    const role = this.role();
    return role.kind === "sm" ? (op) => role.sm.write(op) : undefined;
  }
}

export class FailoverDirectory implements RunningDirectory {
  private role: SmRole | StandbyRole;
  private readonly keyring: Keyring;
  private readonly backend: DirectoryBackend;
  private readonly connectTimer: NodeJS.Timeout;
  private switching: Promise<void> = Promise.resolve();
  private readonly syncLog: Logger;
  private readonly dataDir: string;
  private readonly syncRejects: RateLimitedLog;
  private nextDialAt = 0;
  /** The SM this node last synced with as standby: it cannot hold a lease from itself. */
  private lastSm: number | null = null;
  private closed = false;
  private readonly registration: SelfRegistration;

  private constructor(
    private readonly parts: DirectoryParts,
    private readonly loaded: LoadedConfig,
    private readonly failover: FailoverConfig,
    private readonly endpoint: RmtpEndpoint,
    private readonly events: FailoverDirectoryEvents,
    private readonly log: Logger,
  ) {
    this.keyring = new Keyring(loaded.keys, loaded.config.rmtp.sendKeyId);
    this.dataDir = loaded.config.node.dataDir;
    this.syncLog = log.child("sync");
    this.syncRejects = new RateLimitedLog(this.syncLog);
    this.registration = new SelfRegistration(parts.ctx, loaded.config, log);
    this.role = this.standby();
    this.backend = new RoleBackend(
      parts.ctx,
      () => this.role,
      () => parts.directory.managerUri ?? `ldap://${failover.virtualAddress}:${parts.directory.port}`,
    );
    this.connectTimer = setInterval(() => this.connectToSm(), 100);
    this.connectTimer.unref();
  }

  private ldap!: DirectoryLdapService;

  static async start(
    loaded: LoadedConfig,
    directory: DirectoryConfig,
    failover: FailoverConfig,
    endpoint: RmtpEndpoint,
    events: FailoverDirectoryEvents,
    log: Logger,
    smWhenStopped: number,
  ): Promise<FailoverDirectory> {
    const parts = openDirectoryStore(loaded, directory);
    const dataDir = loaded.config.node.dataDir;
    if (smWhenStopped !== 0 && !readUnconfirmed(dataDir)) {
      // This board was SM when it last stopped without stepping down (killed, power lost): its last
      // changes may never have reached a standby. Noted before any sync link opens, so that if another
      // SM leads now, the store is refreshed from it before it confirms anything to it.
      const lastCsn = parts.store.lastCsn();
      writeUnconfirmed(dataDir, { epoch: smWhenStopped, confirmedCsn: 0, lastCsn });
      log.child("directory").warn("unconfirmed-changes", {
        epoch: smWhenStopped,
        lastCsn,
        cause: "this board was SM when it stopped",
      });
    }
    const d = new FailoverDirectory(parts, loaded, failover, endpoint, events, log.child("directory"));
    d.ldap = await DirectoryLdapService.start(
      d.backend,
      ldapServiceOptions(loaded, directory, loaded.config.network.address, log),
    );
    d.log.info("started", {
      role: "standby",
      suffix: parts.ctx.suffix.display,
      entries: parts.store.count(),
      lastCsn: parts.store.lastCsn(),
      ldap: d.ldap.ports,
    });
    return d;
  }

  /** Becomes the writer of term `term.epoch`; the LDAP service on the virtual address starts here. */
  becomeSm(term: TermInfo): Promise<void> {
    this.registration.stop();
    return this.serially(async () => {
      const old = this.role;
      if (old.kind === "sm") return;
      old.sync?.close("this node becomes the SM");
      await old.se.close();
      clearUnconfirmed(this.dataDir);
      const { config } = this.loaded;
      const primary = new SyncPrimary({
        epoch: term.epoch,
        leaseMs: this.failover.leaseMs,
        ackTimeoutMs: this.failover.leaseMs / 2,
        maxWaitMs: 2 * this.failover.leaseMs + 1000,
        now: () => performance.now(),
        hasMajority: term.hasMajority,
        inheritedStandbys: this.failover.peers.filter((p) => p !== this.lastSm),
        onTakeoverRequest: (node, priority) => this.events.onTakeoverRequest(node, priority),
        log: this.syncLog,
      });
      const server = await SyncServer.listen({
        address: config.network.address,
        port: this.failover.syncPort,
        keyring: this.keyring,
        self: { node: config.node.id, epoch: term.epoch },
        log: this.syncLog,
      });
      server.onPeer((peer) => this.attachStandby(primary, peer));
      const views = this.parts.views();
      const sm = new SmDirectory({
        ctx: this.parts.ctx,
        view: views.writer,
        link: this.endpoint,
        log: this.log,
        node: { id: config.node.id, name: config.node.name, address: config.network.address },
        replication: primary,
        mayAcknowledge: term.mayAcknowledge,
      });
      const tick = setInterval(() => primary.tick(), Math.max(10, this.failover.leaseMs / 10));
      tick.unref();
      this.role = {
        kind: "sm",
        epoch: term.epoch,
        sm,
        readers: views.readers,
        primary,
        server,
        vip: null,
        tick,
      };
      this.log.info("role", { role: "sm", epoch: term.epoch, lastCsn: this.parts.store.lastCsn() });
    });
  }

  /** Serves LDAP on the virtual address, once it is up on this board. */
  serveVirtualAddress(): Promise<void> {
    return this.serially(async () => {
      const role = this.role;
      if (role.kind !== "sm" || role.vip) return;
      role.vip = await DirectoryLdapService.start(
        this.backend,
        ldapServiceOptions(this.loaded, this.parts.directory, this.failover.virtualAddress, this.log),
      );
    });
  }

  /** As SM of an established term: creates the directory's base entries and this switch's own entry. */
  async bootstrap(): Promise<void> {
    const role = this.role;
    if (role.kind === "sm") await role.sm.bootstrap();
  }

  /**
   * Leaves the writer role: the LDAP connections on the virtual address close first (while the address is
   * still up here, so clients see the close rather than wait for an answer that never comes), what is in
   * flight is refused, the sync links close, and the store becomes a replica again. With `wipe`, changes that no standby confirmed may exist only here: unless every change
   * was confirmed, the store is emptied and the replica takes a full refresh from the next SM.
   */
  becomeStandby(cause: string, wipe: boolean): Promise<void> {
    return this.serially(async () => {
      const old = this.role;
      if (old.kind !== "sm") return;
      clearInterval(old.tick);
      await old.vip?.close();
      old.sm.close(`the SM stepped down: ${cause}`);
      await old.sm.settled();
      const synced = old.primary.confirmedCsn();
      old.primary.close(`the SM stepped down: ${cause}`);
      // A standby cut off from us lingers until its socket times out: that must not delay the switch.
      old.server.close().catch((err: unknown) => this.log.warn("sync-server-close", { reason: String(err) }));
      const lastCsn = this.parts.store.lastCsn();
      if (wipe && lastCsn > synced) {
        this.log.warn("unconfirmed-changes", { epoch: old.epoch, lastCsn, confirmedCsn: synced, cause });
        writeUnconfirmed(this.dataDir, { epoch: old.epoch, confirmedCsn: synced, lastCsn });
      }
      this.role = this.standby();
      this.log.info("role", { role: "standby", cause, lastCsn: this.parts.store.lastCsn() });
    });
  }

  /** As SM, after a stall: whether every standby that may have held a lease since `since` still is ours. */
  checkStandbys(since: number, done: (result: StandbyCheck) => void): void {
    const role = this.role;
    if (role.kind !== "sm") return done({ ok: false, reason: "this node is not the SM" });
    role.primary.checkStandbys(since, done);
  }

  replication(): ReplicationStatus {
    const role = this.role;
    if (role.kind === "sm")
      return {
        lastCsn: this.parts.store.lastCsn(),
        standbys: role.primary.status(),
        syncedCsn: role.primary.syncedCsn(),
        sm: null,
      };
    const sync = role.sync;
    return {
      lastCsn: this.parts.store.lastCsn(),
      standbys: [],
      syncedCsn: 0,
      sm: sync ? { node: sync.smNode, epoch: sync.smEpoch } : null,
    };
  }

  /**
   * A planned handover: refuses new writes, waits for those taken, and tells `node` (an in-sync standby)
   * that everything through the returned CSN is acknowledged.
   */
  async handOver(node: number): Promise<number> {
    const role = this.role;
    if (role.kind !== "sm") throw new Error("only the SM hands over");
    const standby = role.primary.status().find((s) => s.node === node);
    if (!standby?.inSync) throw new Error(`node ${node} is not an in-sync standby`);
    const csn = await role.sm.drain(`handing over to node ${node}`);
    role.primary.handOver(node, csn);
    return csn;
  }

  /** As standby: asks the SM to hand over to this node (at most once a second). */
  requestTakeover(): void {
    if (this.role.kind === "standby") this.role.sync?.requestTakeover();
  }

  onDeliver(d: Delivery): boolean {
    if (!isDirectoryPayload(d.payload)) return false;
    const message = this.unpack(d.payload, d.sourceName);
    if (!message) return true;
    const role = this.role;
    if (role.kind === "sm") role.sm.onMessage(message, { id: d.source, name: d.sourceName });
    else role.se.onMessage(message);
    return true;
  }

  onEvent(e: NodeEvent): void {
    const role = this.role;
    if (role.kind === "sm" && (e.event === "member-left" || e.event === "member-evicted"))
      role.sm.forgetReplica(e.id);
    if (role.kind === "standby" && (e.event === "admitted" || e.event === "gap")) role.se.catchUp(e.event);
    if (role.kind === "standby" && e.event === "admitted") this.registration.admitted(role.se, e.manager);
  }

  status(): DirectoryStatus {
    return this.role.kind === "sm" ? this.role.sm.status() : this.role.se.status();
  }

  announce(ops: ChangeOp[]): Promise<AnnounceResult> {
    if (this.role.kind === "sm")
      return Promise.reject(new Error("the SM writes directly; announcements come from SEs"));
    return this.role.se.announce(ops);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.registration.stop();
    clearInterval(this.connectTimer);
    await this.switching;
    await this.ldap.close();
    const role = this.role;
    if (role.kind === "sm") {
      clearInterval(role.tick);
      role.sm.close();
      role.primary.close("the daemon is stopping");
      await role.vip?.close();
      await role.server.close();
    } else {
      role.sync?.close("the daemon is stopping");
      await role.se.close();
    }
    await this.parts.store.close();
  }

  private standby(): StandbyRole {
    const se = new SeDirectory({
      ctx: this.parts.ctx,
      view: this.parts.views().writer,
      link: this.endpoint,
      log: this.log,
      node: this.loaded.config.node.id,
      commitDelayMs: 0,
      onDurable: (csn) => {
        const role = this.role;
        if (role.kind === "standby") role.sync?.durable(csn);
      },
    });
    se.catchUp("standby");
    return { kind: "standby", se, sync: null, connecting: false };
  }

  /**
   * Another SM leads now and this store may hold changes it never had: empty the store and take a full
   * refresh from the new SM, so no unconfirmed change survives under a CSN the new SM reuses.
   */
  private async dropUnconfirmed(role: StandbyRole): Promise<void> {
    if (this.role !== role || this.closed) return;
    const note = readUnconfirmed(this.dataDir);
    await role.se.close();
    await this.parts.store.replaceAll([], 0);
    clearUnconfirmed(this.dataDir);
    this.log.warn("wiped", { ...note, reason: "another SM leads; this store held unconfirmed changes" });
    this.role = this.standby();
  }

  private attachStandby(primary: SyncPrimary, peer: SyncPeer): void {
    primary.attach(peer.peerNode, peer);
    peer.onFrame((frame) => primary.onFrame(peer.peerNode, frame));
    peer.onClose((reason) => primary.detach(peer.peerNode, reason));
  }

  /** As standby: keeps one sync link to the manager RMTP follows, in the manager's epoch. */
  private connectToSm(): void {
    const role = this.role;
    if (this.closed || role.kind !== "standby" || role.connecting || performance.now() < this.nextDialAt)
      return;
    const rmtp = this.endpoint.status();
    const manager = rmtp.manager;
    if (role.sync && role.sync.smEpoch !== rmtp.epoch) {
      role.sync.close(`RMTP follows epoch ${rmtp.epoch} now`);
      role.sync = null;
    }
    if (role.sync || !manager || manager.self || !manager.address || !rmtp.admitted) return;
    role.connecting = true;
    if (readUnconfirmed(this.dataDir)) {
      this.serially(() => this.dropUnconfirmed(role))
        .catch((err: unknown) => this.log.error("wipe-failed", { reason: String(err) }))
        .finally(() => (role.connecting = false));
      return;
    }
    const { config } = this.loaded;
    connectSync({
      address: manager.address,
      port: this.failover.syncPort,
      keyring: this.keyring,
      self: { node: config.node.id, epoch: rmtp.epoch },
      timeoutMs: 1000,
      log: this.syncLog,
      rejects: this.syncRejects,
    }).then(
      (peer) => {
        role.connecting = false;
        if (this.role !== role || this.closed) return peer.close("this node is no longer a standby");
        role.sync = this.syncStandby(role, peer);
      },
      () => {
        role.connecting = false;
        this.nextDialAt = performance.now() + redialMs;
      },
    );
  }

  private syncStandby(role: StandbyRole, peer: SyncPeer): SyncStandby {
    const sync = new SyncStandby({
      peer,
      node: this.loaded.config.node.id,
      priority: this.failover.priority,
      leaseMs: this.failover.leaseMs,
      now: () => performance.now(),
      durableCsn: () => this.parts.store.lastCsn(),
      onChanges: (payload) => {
        const message = this.unpack(payload, `sync from node ${peer.peerNode}`);
        if (message) role.se.onMessage(message);
      },
      onLease: (epoch, until) => this.events.onLease(epoch, until),
      onRelease: (epoch, csn) => {
        const held = this.parts.store.lastCsn();
        this.log.info("released-to-us", { epoch, csn, held });
        if (held >= csn) this.events.onReleased();
      },
      mayConfirm: () => this.events.mayConfirm(),
      log: this.syncLog,
    });
    peer.onClose((reason) => {
      if (role.sync === sync) role.sync = null;
      this.log.info("sync-closed", { sm: peer.peerNode, reason });
    });
    this.lastSm = peer.peerNode;
    this.log.info("sync-connected", { sm: peer.peerNode, epoch: peer.peerEpoch });
    return sync;
  }

  private unpack(payload: Uint8Array, source: string): DirectoryMessage | undefined {
    try {
      return unpackMessage(
        Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
        this.loaded.config.rmtp.maxMessageBytes,
      );
    } catch (err) {
      this.log.warn("message-undecodable", { source, reason: String(err) });
      return undefined;
    }
  }

  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.switching.then(step);
    this.switching = next.catch(() => undefined);
    return next;
  }
}
