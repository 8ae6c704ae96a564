// The VRRP driver: binds one VirtualRouter (sans-I/O) to a VrrpTransport and a Clock. It decodes received
// datagrams (counting and rate-limit-logging what the codec rejects, dropping a fenced router's adverts),
// turns set-timer/cancel-timer into
// clock timers, encodes and sends adverts from the transport's address, and reports role changes. It does
// not move the virtual IP: a role-change handler does that.
import { decodeIpv4Packet } from "../codec/decode.js";
import { encodeAdvertisement } from "../codec/encode.js";
import { VirtualRouter } from "../core/router.js";
import type { TimerName, VrrpAction, VrrpEvent } from "../core/types.js";
import { RateLimitedLog } from "../../log/rate-limited-log.js";
import type {
  RoleChange,
  VrrpServiceCounters,
  VrrpServiceOptions,
  VrrpServiceStatus,
} from "./service-types.js";

export class VrrpService {
  private readonly router: VirtualRouter;
  private readonly timers = new Map<TimerName, unknown>();
  private readonly rejects: RateLimitedLog;
  private readonly counters: VrrpServiceCounters = {
    rejected: {},
    checksums: { "pseudo-header": 0, "message-only": 0 },
    sendErrors: 0,
    fenced: 0,
  };
  private fenced: string | null = null;
  private readonly pendingSends = new Set<Promise<void>>();
  private readonly queue: VrrpEvent[] = [];
  private draining = false;
  private running = false;
  private stopped = false;
  /** Adverts held back (priority 0 still goes out): see hold(). */
  private held = false;

  constructor(private readonly options: VrrpServiceOptions) {
    this.router = new VirtualRouter(
      { ...options.config, primaryAddress: options.transport.localAddress },
      { caughtUp: options.caughtUp ?? false },
    );
    this.rejects = new RateLimitedLog(options.log);
    options.transport.onDatagram((datagram) => this.onDatagram(datagram));
  }

  /** Enters Backup and starts listening; the election runs from here. */
  start(): void {
    if (this.stopped) throw new Error("vrrp service is stopped");
    this.running = true;
    this.feed({ kind: "start" });
  }

  /** Opens (true) or closes (false) the preemption gate: this node holds the master's data. */
  caughtUp(caughtUp: boolean): void {
    this.feed({ kind: "caught-up", caughtUp });
  }

  /** A planned handover: as master, advertise priority 0 and become a backup. */
  release(): void {
    this.feed({ kind: "release" });
  }

  /** A planned handover to this backup, told over the sync link: become master at once. */
  releasedToUs(): void {
    this.feed({ kind: "released-to-us" });
  }

  /**
   * Stops advertising (a master stays master and still gives up to a better advert) until resume(): the
   * owner checks, after a stall, that no backup took over meanwhile, which our adverts would demote.
   */
  hold(): void {
    this.held = true;
    this.cancelTimer("adver");
  }

  /**
   * Ignores the adverts of the router at `address` until it advertises priority 0 (it gave up the role)
   * or fence(null): a new SM fences the SM it replaced, whose term is over but whose higher priority would
   * demote it if its adverts arrived before it learnt so (a restored link).
   */
  fence(address: string | null): void {
    if (address === this.fenced) return;
    this.fenced = address;
    this.options.log.info(address ? "vrrp.fenced" : "vrrp.unfenced", { address, reason: "asked" });
  }

  /** Ends hold(): a master advertises at once if an advert is due, then on its interval. */
  resume(): void {
    if (!this.held || this.stopped) return;
    this.held = false;
    const at = this.router.status().timers.adver;
    if (at === undefined) return;
    if (at <= this.options.clock.now()) this.feed({ kind: "timer", timer: "adver" });
    else this.setTimer("adver", at);
  }

  /** Advertises priority 0 if master, waits for the sends in flight, then closes the transport. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.feed({ kind: "shutdown" });
    this.stopped = true;
    this.running = false;
    for (const handle of this.timers.values()) this.options.clock.clearTimer(handle);
    this.timers.clear();
    await Promise.all(this.pendingSends);
    await this.options.transport.close();
  }

  status(): VrrpServiceStatus {
    const c = this.counters;
    return {
      ...this.router.status(),
      localAddress: this.options.transport.localAddress,
      running: this.running,
      driver: {
        rejected: { ...c.rejected },
        checksums: { ...c.checksums },
        sendErrors: c.sendErrors,
        fenced: c.fenced,
      },
    };
  }

  private onDatagram(datagram: Buffer): void {
    if (!this.running) return;
    const r = decodeIpv4Packet(datagram);
    if (!r.ok) {
      this.counters.rejected[r.reason] = (this.counters.rejected[r.reason] ?? 0) + 1;
      const source = datagram.length >= 16 ? [...datagram.subarray(12, 16)].join(".") : "unknown";
      this.rejects.warn(
        `reject:${r.reason}:${source}`,
        "vrrp.reject",
        { reason: r.reason, detail: r.detail, source, bytes: datagram.length },
        this.options.clock.now(),
      );
      return;
    }
    this.counters.checksums[r.checksum]++;
    if (this.fenced === r.source) {
      if (r.advert.priority !== 0) {
        this.counters.fenced++;
        return;
      }
      this.fenced = null;
      this.options.log.info("vrrp.unfenced", { address: r.source, reason: "it advertised priority 0" });
    }
    this.feed({ kind: "advert", advert: r.advert, source: r.source });
  }

  /** Runs events one at a time, so a role handler that calls back in sees its actions applied in order. */
  private feed(event: VrrpEvent): void {
    if (this.stopped) return;
    this.queue.push(event);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift())
        for (const action of this.router.handle(next, this.options.clock.now())) this.apply(action);
    } finally {
      this.draining = false;
    }
  }

  private apply(action: VrrpAction): void {
    switch (action.kind) {
      case "set-timer":
        return this.setTimer(action.timer, action.at);
      case "cancel-timer":
        return this.cancelTimer(action.timer);
      case "send-advert":
        if (this.held && action.priority !== 0) return;
        return this.send(action.priority, action.intervalCs);
      case "become-master":
        return this.role({
          state: "master",
          cause: action.cause,
          master: this.options.transport.localAddress,
        });
      case "become-backup":
        return this.role({ state: "backup", cause: action.cause, master: action.master });
      case "become-initialize":
        return this.role({ state: "initialize", cause: action.cause, master: null });
    }
  }

  private role(change: RoleChange): void {
    this.options.log.info("vrrp.role", { ...change, vrid: this.options.config.vrid });
    this.options.onRole?.(change);
  }

  private setTimer(timer: TimerName, at: number): void {
    this.cancelTimer(timer);
    if (timer === "adver" && this.held) return;
    const handle = this.options.clock.setTimer(at, () => {
      this.timers.delete(timer);
      const lateMs = this.options.clock.now() - at;
      if (timer === "adver" && this.options.stallMs !== undefined && lateMs > this.options.stallMs) {
        this.options.log.warn("vrrp.stalled", { timer, lateMs: Math.round(lateMs) });
        this.held = true;
        this.options.onStall?.(lateMs);
        return;
      }
      this.feed({ kind: "timer", timer });
    });
    this.timers.set(timer, handle);
  }

  private cancelTimer(timer: TimerName): void {
    const handle = this.timers.get(timer);
    if (handle !== undefined) this.options.clock.clearTimer(handle);
    this.timers.delete(timer);
  }

  private send(priority: number, intervalCs: number): void {
    const { config, transport, checksum } = this.options;
    const packet = encodeAdvertisement(
      { vrid: config.vrid, priority, maxAdverIntervalCs: intervalCs, addresses: config.addresses },
      transport.localAddress,
      { checksum: checksum ?? "pseudo-header" },
    );
    const sending = transport.send(packet).catch((error: unknown) => {
      this.counters.sendErrors++;
      this.rejects.warn("send", "vrrp.send-failed", { error, priority }, this.options.clock.now());
    });
    this.pendingSends.add(sending);
    void sending.finally(() => this.pendingSends.delete(sending));
  }
}
