// One VRRPv3 virtual router, sans-I/O (RFC 5798 6.4, as updated by RFC 9568): Initialize, Backup and Master.
// Events and the clock in, actions out (handle()). Beyond the RFC: preemption is gated by mayPreempt(), which
// also needs the caller's word that this node has caught up; and a master may release its role (a priority-0
// advertisement, then Backup) for a planned handover. Never the address owner: priority 255 is refused.
import type { Advertisement } from "../codec/advert.js";
import { MAX_ADDRESSES, MAX_ADVER_INTERVAL_CS } from "../codec/advert.js";
import { parseIpv4, requireIpv4 } from "../codec/ipv4.js";
import { masterDownIntervalMs, skewTimeMs } from "./intervals.js";
import type {
  BackupCause,
  MasterCause,
  TimerName,
  VrrpAction,
  VrrpConfig,
  VrrpCounters,
  VrrpEvent,
  VrrpState,
  VrrpStatus,
} from "./types.js";

function zeroCounters(): VrrpCounters {
  return {
    advertsSent: 0,
    advertsReceived: 0,
    otherVrid: 0,
    ownAddress: 0,
    malformed: 0,
    addressMismatch: 0,
    discarded: 0,
    becameMaster: 0,
    becameBackup: 0,
  };
}

const isInt = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;

function addressKey(addresses: readonly string[]): string {
  return addresses
    .map((a) => parseIpv4(a))
    .sort((a, b) => (a ?? -1) - (b ?? -1))
    .join(",");
}

function checkConfig(c: VrrpConfig): void {
  const bad = (field: string, why: string) => new RangeError(`vrrp ${field}: ${why}`);
  if (!isInt(c.vrid, 1, 255)) throw bad("vrid", `${c.vrid} is not in 1..255`);
  if (!isInt(c.priority, 1, 254)) throw bad("priority", `${c.priority} is not in 1..254 (never the owner)`);
  if (!isInt(c.advertIntervalCs, 1, MAX_ADVER_INTERVAL_CS))
    throw bad("advertIntervalCs", `${c.advertIntervalCs} is not in 1..${MAX_ADVER_INTERVAL_CS}`);
  if (!isInt(c.addresses.length, 1, MAX_ADDRESSES)) throw bad("addresses", `need 1..${MAX_ADDRESSES}`);
  c.addresses.forEach((a, i) => requireIpv4(a, `vrrp addresses[${i}]`));
}

export class VirtualRouter {
  readonly counters = zeroCounters();
  private state: VrrpState = "initialize";
  private masterAdverIntervalCs: number;
  private caughtUp: boolean;
  private master: { address: string; priority: number } | null = null;
  /** Why a Master_Down_Timer that fires now makes us master. */
  private downCause: MasterCause = "master-down";
  private readonly timers = new Map<TimerName, number>();
  private readonly primary: number;
  private readonly addresses: string;
  private actions: VrrpAction[] = [];

  /** `caughtUp`: whether preemption is allowed from the start (default false: the caller says when). */
  constructor(
    readonly config: Readonly<VrrpConfig>,
    options: { caughtUp?: boolean } = {},
  ) {
    checkConfig(config);
    this.primary = requireIpv4(config.primaryAddress, "vrrp primaryAddress");
    this.addresses = addressKey(config.addresses);
    this.masterAdverIntervalCs = config.advertIntervalCs;
    this.caughtUp = options.caughtUp ?? false;
  }

  get currentState(): VrrpState {
    return this.state;
  }

  /** Preempt_Mode, and the caller has said this node caught up. */
  mayPreempt(): boolean {
    return this.config.preempt && this.caughtUp;
  }

  handle(event: VrrpEvent, now: number): VrrpAction[] {
    switch (event.kind) {
      case "start":
        if (this.state === "initialize") this.start(now);
        break;
      case "shutdown":
        this.shutdown();
        break;
      case "release":
        if (this.state === "master") this.release(now);
        break;
      case "released-to-us":
        if (this.state === "backup") {
          this.cancelTimer("master-down");
          this.downCause = "master-released";
          this.toMaster(now);
        }
        break;
      case "advert":
        this.onAdvert(event.advert, event.source, now);
        break;
      case "timer":
        this.onTimer(event.timer, now);
        break;
      case "caught-up":
        this.caughtUp = event.caughtUp;
        break;
    }
    const out = this.actions;
    this.actions = [];
    return out;
  }

  status(): VrrpStatus {
    return {
      state: this.state,
      priority: this.config.priority,
      master: this.master?.address ?? null,
      masterPriority: this.master?.priority ?? null,
      masterAdverIntervalCs: this.masterAdverIntervalCs,
      skewTimeMs: skewTimeMs(this.config.priority, this.masterAdverIntervalCs),
      masterDownIntervalMs: masterDownIntervalMs(this.config.priority, this.masterAdverIntervalCs),
      caughtUp: this.caughtUp,
      mayPreempt: this.mayPreempt(),
      timers: Object.fromEntries(this.timers),
      counters: { ...this.counters },
    };
  }

  private start(now: number): void {
    this.masterAdverIntervalCs = this.config.advertIntervalCs;
    this.master = null;
    this.downCause = "master-down";
    this.toBackup("start", now);
  }

  private shutdown(): void {
    if (this.state === "initialize") return;
    if (this.state === "master") {
      this.cancelTimer("adver");
      this.sendAdvert(0);
    } else {
      this.cancelTimer("master-down");
    }
    this.state = "initialize";
    this.master = null;
    this.actions.push({ kind: "become-initialize", cause: "shutdown" });
  }

  /** A planned handover. The gate closes again, or we would preempt back whoever takes over. */
  private release(now: number): void {
    this.cancelTimer("adver");
    this.sendAdvert(0);
    this.caughtUp = false;
    this.masterAdverIntervalCs = this.config.advertIntervalCs;
    this.master = null;
    this.downCause = "master-down";
    this.toBackup("released", now);
  }

  private onTimer(timer: TimerName, now: number): void {
    const at = this.timers.get(timer);
    if (at === undefined || now < at) return;
    this.timers.delete(timer);
    if (timer === "master-down" && this.state === "backup") this.toMaster(now);
    else if (timer === "adver" && this.state === "master") {
      this.sendAdvert(this.config.priority);
      this.setTimer("adver", now + this.config.advertIntervalCs * 10);
    }
  }

  private onAdvert(advert: Advertisement, source: string, now: number): void {
    const from = parseIpv4(source);
    if (!this.wellFormed(advert) || from === undefined) {
      this.counters.malformed++;
      return;
    }
    if (advert.vrid !== this.config.vrid) {
      this.counters.otherVrid++;
      return;
    }
    if (from === this.primary) {
      this.counters.ownAddress++;
      return;
    }
    this.counters.advertsReceived++;
    if (addressKey(advert.addresses) !== this.addresses) this.counters.addressMismatch++;
    if (this.state === "backup") this.backupReceives(advert, source, now);
    else if (this.state === "master") this.masterReceives(advert, source, from, now);
  }

  /** RFC 5798 6.4.2, with the preemption gate. */
  private backupReceives(advert: Advertisement, source: string, now: number): void {
    if (advert.priority === 0) {
      this.master = { address: source, priority: 0 };
      this.downCause = "master-released";
      this.setTimer("master-down", now + skewTimeMs(this.config.priority, this.masterAdverIntervalCs));
    } else if (!this.mayPreempt() || advert.priority >= this.config.priority) {
      this.master = { address: source, priority: advert.priority };
      this.downCause = "master-down";
      this.learnInterval(advert, now);
    } else {
      this.counters.discarded++;
      this.downCause = "preempted";
    }
  }

  /** RFC 5798 6.4.3. */
  private masterReceives(advert: Advertisement, source: string, from: number, now: number): void {
    if (advert.priority === 0) {
      this.sendAdvert(this.config.priority);
      this.setTimer("adver", now + this.config.advertIntervalCs * 10);
      return;
    }
    const higher = advert.priority > this.config.priority;
    if (!higher && !(advert.priority === this.config.priority && from > this.primary)) {
      this.counters.discarded++;
      return;
    }
    this.cancelTimer("adver");
    this.master = { address: source, priority: advert.priority };
    this.downCause = "master-down";
    this.state = "backup";
    this.counters.becameBackup++;
    this.actions.push({
      kind: "become-backup",
      cause: higher ? "higher-priority" : "equal-priority-higher-address",
      master: source,
    });
    this.learnInterval(advert, now);
  }

  private learnInterval(advert: Advertisement, now: number): void {
    this.masterAdverIntervalCs = advert.maxAdverIntervalCs;
    this.setTimer(
      "master-down",
      now + masterDownIntervalMs(this.config.priority, this.masterAdverIntervalCs),
    );
  }

  private toBackup(cause: BackupCause, now: number): void {
    this.state = "backup";
    this.counters.becameBackup++;
    this.actions.push({ kind: "become-backup", cause, master: null });
    this.setTimer(
      "master-down",
      now + masterDownIntervalMs(this.config.priority, this.masterAdverIntervalCs),
    );
  }

  private toMaster(now: number): void {
    this.state = "master";
    this.counters.becameMaster++;
    this.master = { address: this.config.primaryAddress, priority: this.config.priority };
    this.actions.push({ kind: "become-master", cause: this.downCause });
    this.sendAdvert(this.config.priority);
    this.setTimer("adver", now + this.config.advertIntervalCs * 10);
  }

  private sendAdvert(priority: number): void {
    this.counters.advertsSent++;
    this.actions.push({ kind: "send-advert", priority, intervalCs: this.config.advertIntervalCs });
  }

  private setTimer(timer: TimerName, at: number): void {
    this.timers.set(timer, at);
    this.actions.push({ kind: "set-timer", timer, at });
  }

  private cancelTimer(timer: TimerName): void {
    if (this.timers.delete(timer)) this.actions.push({ kind: "cancel-timer", timer });
  }

  private wellFormed(a: Advertisement): boolean {
    return (
      isInt(a.vrid, 1, 255) &&
      isInt(a.priority, 0, 255) &&
      isInt(a.maxAdverIntervalCs, 1, MAX_ADVER_INTERVAL_CS) &&
      isInt(a.addresses.length, 1, MAX_ADDRESSES) &&
      a.addresses.every((x) => parseIpv4(x) !== undefined)
    );
  }
}
