// The failover unit of an SM/BSM board (docs/failover.md): drives the FailoverController with the VRRP
// router's role changes, RMTP's view of the group, the leases the directory's sync link brings, its own
// timers and a watchdog reading of the clock; and carries out what the controller decides: VRRP started,
// stopped or released, the manager term begun (epoch persisted first, RMTP manager, directory writer,
// macvlan with the virtual MAC and address, LDAP on it) or ended (the reverse, the store wiped when it may
// hold changes nobody else has). While not SM it keeps the macvlan created and down, so a takeover only
// adds the address and sets it up. Actions run one at a time, in order.
import { setTimeout as sleep } from "node:timers/promises";
import type { FailoverConfig } from "../config/schema.js";
import type { Logger } from "../log/logger.js";
import { FailoverController } from "../failover/core/controller.js";
import type { FailoverAction, FailoverEvent, FailoverStatus } from "../failover/core/types.js";
import type { NodeEvent } from "../rmtp/core/types.js";
import { realClock } from "../rmtp/io/clock.js";
import type { RmtpEndpoint } from "../rmtp/io/endpoint.js";
import { GcMonitor } from "./gc-monitor.js";
import { MacvlanControl, NetlinkError, type VirtualAddressDevice } from "../vrrp/io/macvlan.js";
import { MasterSendTransport } from "../vrrp/io/master-send-transport.js";
import { RawTransport } from "../vrrp/io/raw-transport.js";
import { VrrpService } from "../vrrp/service/vrrp-service.js";
import type { VrrpServiceStatus } from "../vrrp/service/service-types.js";
import type { FailoverDirectory, ReplicationStatus } from "./failover-directory.js";
import { writeCounters, type Counters } from "./persistent-counters.js";

export interface FailoverUnitOptions {
  failover: FailoverConfig;
  node: { id: number; interface: string; address: string; dataDir: string };
  /** The daemon's persisted counters; the unit updates epoch and managerOf. */
  counters: Counters;
  /** May this node start the group alone if it hears no manager at boot. */
  bootEligible: boolean;
  /** How long to listen for a manager before a boot-eligible node stands for election. */
  discoveryMs: number;
  endpoint: RmtpEndpoint;
  directory: FailoverDirectory;
  log: Logger;
  /** Called after each change of role (SNMP notifies at once: a role held 200 ms counts too). */
  onRoleChange?: () => void;
}

/** What `iss status` shows under `failover`. */
export interface FailoverUnitStatus extends FailoverStatus {
  virtualAddress: string;
  vrrpRouter: VrrpServiceStatus | null;
  replication: ReplicationStatus;
}

export class FailoverUnit {
  private readonly controller: FailoverController;
  private readonly macvlan = new MacvlanControl();
  private readonly gc = new GcMonitor();
  private readonly deviceName: string;
  /** The ifindex of the macvlan made ready (down, no address) for the next takeover, if any. */
  private prepared: number | null = null;
  private readonly stallMs: number;
  private vrrp: VrrpService | null = null;
  private vrrpTransport: MasterSendTransport | null = null;
  /** Whether the VRRP router may preempt a lower-priority master (see syncPreemption). */
  private preemptOpen = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly watchdog: NodeJS.Timeout;
  private discovery: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private bootstrappedEpoch = 0;
  private handingOver = false;
  private heardManager = false;
  private readonly queue: FailoverEvent[] = [];
  private feeding = false;
  private stopped = false;

  constructor(private readonly o: FailoverUnitOptions) {
    const stallMs = 3 * o.failover.advertIntervalCs * 10;
    this.stallMs = stallMs;
    this.controller = new FailoverController(
      { leaseMs: o.failover.leaseMs, stallMs, checkMs: stallMs },
      o.counters.epoch,
      o.node.id,
    );
    this.deviceName = `vrrp${o.failover.vrid}`;
    this.watchdog = setInterval(() => this.feed({ kind: "tick" }), Math.max(10, stallMs / 3));
  }

  /** Listens for a manager for discoveryMs, then stands for election if eligible. */
  async start(): Promise<void> {
    await this.removeVirtualAddress();
    await this.prepareVirtualAddress();
    this.discovery = setTimeout(() => {
      this.discovery = undefined;
      this.followRmtpManager();
      this.feed({ kind: "start", bootEligible: this.o.bootEligible && !this.heardManager });
    }, this.o.discoveryMs);
  }

  /**
   * Also asked when a write's multicast completes, which can be long after the write was released: an SM
   * cut off from everyone released writes while its members were not yet evicted (a "majority"), and once
   * it had evicted them all, alone in its epoch, its RMTP sends completed; acknowledged then, when its port
   * came back, they were on no other board (8 writes in 2 of 200 cut cycles). Without a majority now, no.
   */
  mayAcknowledge(): boolean {
    return this.controller.mayAcknowledge(realClock.now()) && this.hasMajority();
  }

  /** As standby: not SM and not VRRP master, so an SM's check after its stall may be answered. */
  mayConfirm(): boolean {
    return this.controller.currentRole === "standby" && this.vrrp?.status().state !== "master";
  }

  /**
   * The SM released the role to this standby over the sync link and it holds the SM's last change: its
   * VRRP router becomes master now instead of Skew_Time after the SM's priority 0, if it is eligible.
   */
  onReleased(): void {
    if (this.eligibleByLease()) this.vrrp?.releasedToUs();
  }

  /** A majority of the known members is in this node's epoch (its own term). */
  hasMajority(): boolean {
    const { joined, known } = this.membership();
    return joined * 2 > known;
  }

  onLease(epoch: number, until: number): void {
    this.feed({ kind: "lease", epoch, until });
    const masterPriority = this.vrrp?.status().masterPriority ?? null;
    const { preempt, priority } = this.o.failover;
    if (preempt && masterPriority !== null && priority > masterPriority && this.eligibleByLease())
      this.o.directory.requestTakeover();
  }

  /** As SM: a caught-up standby of higher priority asks for the role (preemption, planned). */
  onTakeoverRequest(node: number, priority: number): void {
    if (!this.o.failover.preempt || priority <= this.o.failover.priority) return;
    if (this.handingOver) return;
    this.handOver(node).catch((err: unknown) =>
      this.o.log.warn("handover-failed", { to: node, reason: String(err) }),
    );
  }

  /**
   * A planned switchover to `to` (default: the first in-sync standby): new writes are refused, the ones
   * taken are acknowledged, the standby is told the last CSN, and VRRP advertises priority 0 so the
   * standby takes over after its skew time instead of a master-down interval.
   */
  async handOver(to?: number): Promise<{ to: number; csn: number }> {
    if (this.controller.currentRole !== "sm") throw new Error("this node is not the SM");
    const standbys = this.o.directory.replication().standbys.filter((s) => s.inSync && s.connected);
    const target = to ?? standbys[0]?.node;
    if (target === undefined) throw new Error("no in-sync standby to hand over to");
    this.handingOver = true;
    try {
      const startedAt = realClock.now();
      const csn = await this.o.directory.handOver(target);
      this.o.log.info("handover", { to: target, csn, drainedMs: Math.round(realClock.now() - startedAt) });
      this.feed({ kind: "handover" });
      return { to: target, csn };
    } finally {
      this.handingOver = false;
    }
  }

  onRmtpEvent(e: NodeEvent): void {
    const rmtp = this.o.endpoint.status();
    const manager = rmtp.manager;
    switch (e.event) {
      case "admitted":
      case "epoch-changed":
        if (manager?.self) this.feedMembers();
        else this.followRmtpManager();
        return;
      case "stepped-down":
        this.feed({ kind: "stepped-down", cause: e.cause });
        return;
      case "became-manager":
      case "member-joined":
      case "member-left":
      case "member-evicted":
        if (manager?.self) this.feedMembers();
        return;
      default:
        return;
    }
  }

  status(): FailoverUnitStatus {
    return {
      ...this.controller.status(realClock.now()),
      virtualAddress: this.o.failover.virtualAddress,
      vrrpRouter: this.vrrp?.status() ?? null,
      replication: this.o.directory.replication(),
    };
  }

  /**
   * Graceful stop: as SM, hand over to an in-sync standby (bounded by a lease), else advertise priority 0
   * so a backup takes over at once; then drop the address.
   */
  async stop(): Promise<void> {
    if (this.controller.currentRole === "sm" && !this.handingOver) {
      const handover = this.handOver().catch((err: unknown) =>
        this.o.log.info("no-handover-on-stop", { reason: String(err) }),
      );
      await Promise.race([handover, sleep(this.o.failover.leaseMs)]);
    }
    this.stopped = true;
    clearInterval(this.watchdog);
    clearTimeout(this.timer);
    clearTimeout(this.discovery);
    await this.chain;
    await this.vrrp?.stop();
    this.vrrp = null;
    await this.removeVirtualAddress();
    this.macvlan.close();
    this.gc.close();
  }

  /** RMTP follows another manager: the controller learns its epoch (RMTP may have heard it before we started). */
  private followRmtpManager(): void {
    const rmtp = this.o.endpoint.status();
    if (!rmtp.manager || rmtp.manager.self) return;
    this.heardManager = true;
    this.feed({ kind: "manager-heard", epoch: rmtp.epoch, manager: rmtp.manager.name });
  }

  private eligibleByLease(): boolean {
    return this.controller.status(realClock.now()).eligibleBy === "lease";
  }

  private membership(): { joined: number; known: number } {
    const rmtp = this.o.endpoint.status();
    const joined = rmtp.manager?.self ? rmtp.members.length : 0;
    const known = this.o.failover.groupSize ?? Math.max(rmtp.previousMembers.length, rmtp.members.length, 1);
    return { joined, known };
  }

  private feedMembers(): void {
    this.feed({ kind: "members", ...this.membership() });
  }

  /**
   * Runs events one at a time: an event raised while the actions of another are applied (VRRP reporting a
   * role as it starts, a stall noticed by the driver) waits until they all are, so actions never interleave.
   */
  private feed(event: FailoverEvent): void {
    if (this.stopped) return;
    this.queue.push(event);
    if (this.feeding) return;
    this.feeding = true;
    const role = this.controller.currentRole;
    try {
      for (let next = this.queue.shift(); next && !this.stopped; next = this.queue.shift()) this.handle(next);
    } finally {
      this.feeding = false;
      this.queue.length = 0;
    }
    if (this.controller.currentRole !== role) this.o.onRoleChange?.();
  }

  private handle(event: FailoverEvent): void {
    const actions = this.controller.handle(event, realClock.now());
    for (const action of actions) this.apply(action);
    const status = this.controller.status(realClock.now());
    this.syncPreemption(status.eligible);
    if (status.role === "sm" && status.established && this.bootstrappedEpoch !== status.epoch) {
      this.bootstrappedEpoch = status.epoch;
      this.serially("bootstrap", () => this.o.directory.bootstrap());
    }
  }

  private apply(action: FailoverAction): void {
    switch (action.kind) {
      case "log":
        this.o.log[action.level](action.event, action.fields);
        return;
      case "set-timer":
        clearTimeout(this.timer);
        this.timer = setTimeout(
          () => this.feed({ kind: "tick" }),
          Math.max(0, action.at - realClock.now()) + 1,
        );
        return;
      case "vrrp-start":
        this.startVrrp();
        return;
      case "vrrp-stop": {
        const vrrp = this.vrrp;
        this.vrrp = null;
        this.serially("vrrp-stop", async () => vrrp?.stop());
        return;
      }
      case "vrrp-release":
        this.vrrp?.release();
        return;
      case "become-sm":
        this.serially("become-sm", () => this.becomeSm(action.epoch, action.cause));
        return;
      case "become-standby":
        this.serially("become-standby", () => this.becomeStandby(action.cause, action.wipe));
        return;
      case "stall-check":
        this.vrrp?.hold();
        this.o.directory.checkStandbys(action.since, (r) =>
          this.feed(
            r.ok
              ? { kind: "stall-checked", ok: true }
              : { kind: "stall-checked", ok: false, reason: r.reason },
          ),
        );
        return;
      case "stall-cleared":
        this.vrrp?.resume();
        return;
    }
  }

  /**
   * VRRP preemption of a lower-priority master is open while this node is eligible (it holds every
   * acknowledged write) and that master is not the SM RMTP follows: over our own SM the planned handover
   * is the way back, but a master that is no SM (keepalived in the same VRID, which may win the race to
   * Master_Down_Interval) would otherwise hold the address with no SM behind it.
   */
  private syncPreemption(eligible: boolean): void {
    const vrrp = this.vrrp;
    if (!vrrp) return;
    const master = vrrp.status().master;
    const open = eligible && master !== null && master !== this.o.endpoint.status().manager?.address;
    if (open === this.preemptOpen) return;
    this.preemptOpen = open;
    vrrp.caughtUp(open);
    this.o.log.info("vrrp-preemption", { open, master });
  }

  private startVrrp(): void {
    const { failover, node } = this.o;
    const transport = new MasterSendTransport(
      RawTransport.open({ interfaceName: failover.device ?? node.interface, localAddress: node.address }),
    );
    this.vrrpTransport = transport;
    this.preemptOpen = false;
    this.vrrp = new VrrpService({
      config: {
        vrid: failover.vrid,
        priority: failover.priority,
        advertIntervalCs: failover.advertIntervalCs,
        preempt: failover.preempt,
        addresses: [failover.virtualAddress],
      },
      transport,
      clock: realClock,
      log: this.o.log.child("vrrp"),
      caughtUp: false,
      onRole: (change) => this.feed({ kind: "vrrp", state: change.state, cause: change.cause }),
      stallMs: this.stallMs,
      onStall: (lateMs) => {
        this.logStallGc(lateMs);
        this.feed({ kind: "stall", lateMs });
      },
    });
    this.vrrp.start();
  }

  /** How much of a stall was garbage collection (V8 reports a pause shortly after it ended). */
  private logStallGc(lateMs: number): void {
    const to = Date.now();
    setTimeout(() => {
      this.o.log.info("stall-gc", { lateMs: Math.round(lateMs), ...this.gc.within(to - lateMs, to) });
    }, 20).unref();
  }

  private async becomeSm(epoch: number, cause: string): Promise<void> {
    const { counters, node, endpoint, directory } = this.o;
    counters.epoch = epoch;
    counters.managerOf = epoch;
    writeCounters(node.dataDir, counters);
    const previous = endpoint.status().manager;
    if (previous && !previous.self && previous.address) this.vrrp?.fence(previous.address);
    const startedAt = realClock.now();
    const steps: Record<string, number> = {};
    const step = async (name: string, run: () => Promise<unknown>): Promise<void> => {
      const at = realClock.now();
      await run();
      steps[name] = Math.round((realClock.now() - at) * 10) / 10;
    };
    if (!previous?.self) endpoint.becomeManager(epoch, cause);
    await step("directoryMs", () =>
      directory.becomeSm({
        epoch,
        hasMajority: () => this.hasMajority(),
        mayAcknowledge: () => this.mayAcknowledge(),
      }),
    );
    await step("addressMs", async () => {
      await this.bringUpVirtualAddress();
      await this.vrrpTransport?.useSender(
        RawTransport.open({ interfaceName: this.deviceName, localAddress: node.address }),
      );
    });
    await step("listenMs", () => directory.serveVirtualAddress());
    this.o.log.info("sm-serving", { epoch, ...steps, totalMs: Math.round(realClock.now() - startedAt) });
    this.feedMembers();
  }

  private async becomeStandby(cause: string, wipe: boolean): Promise<void> {
    const { counters, node, endpoint, directory } = this.o;
    if (endpoint.status().manager?.self) endpoint.stepDown(cause);
    this.vrrp?.fence(null);
    await directory.becomeStandby(cause, wipe);
    await this.removeVirtualAddress();
    await this.prepareVirtualAddress();
    counters.managerOf = 0;
    writeCounters(node.dataDir, counters);
  }

  private virtualDevice(): VirtualAddressDevice {
    const { failover, node } = this.o;
    return {
      name: this.deviceName,
      parent: failover.device ?? node.interface,
      vrid: failover.vrid,
      address: failover.virtualAddress,
      prefixLength: failover.prefixLength,
    };
  }

  /** Creates the macvlan, down, for the next takeover; on failure the takeover creates it (logged). */
  private async prepareVirtualAddress(): Promise<void> {
    try {
      this.prepared = await this.macvlan.prepare(this.virtualDevice());
    } catch (err) {
      this.o.log.warn("virtual-address-not-prepared", { reason: String(err) });
    }
  }

  /** The address and up on the prepared device; without one (or when it has gone), all of it. */
  private async bringUpVirtualAddress(): Promise<void> {
    const device = this.virtualDevice();
    const prepared = this.prepared;
    this.prepared = null;
    if (prepared !== null) {
      try {
        await this.macvlan.activate(device, prepared);
        return;
      } catch (err) {
        this.o.log.warn("virtual-address-prepared-failed", { reason: String(err) });
      }
    }
    await this.removeVirtualAddress();
    await this.macvlan.bringUp(device);
  }

  private async removeVirtualAddress(): Promise<void> {
    this.prepared = null;
    await this.vrrpTransport?.useSender(null);
    try {
      await this.macvlan.remove(this.deviceName);
    } catch (err) {
      if (!(err instanceof NetlinkError && err.code === "ENODEV")) throw err;
    }
  }

  private serially(what: string, step: () => Promise<unknown>): void {
    this.chain = this.chain.then(step).then(
      () => undefined,
      (err: unknown) => this.o.log.error("failover-action-failed", { action: what, reason: String(err) }),
    );
  }
}
