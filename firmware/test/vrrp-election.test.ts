// Elections of two and three VRRPv3 routers on a simulated link with a virtual clock: every advertisement
// goes through the real codec (encode, IPv4 packet, decode) with a 1 ms link delay. Checks who becomes
// master and when: failover after exactly Master_Down_Interval from the last advertisement heard, hand-over
// after Skew_Time on priority 0, preemption only once caught up, ties broken by the primary address, learned
// intervals, and traffic of another virtual router ignored.
import test from "ava";
import { VirtualClock } from "../src/rmtp/io/clock.js";
import { internetChecksum } from "../src/vrrp/codec/checksum.js";
import { decodeIpv4Packet } from "../src/vrrp/codec/decode.js";
import { encodeAdvertisement, encodeIpv4Packet } from "../src/vrrp/codec/encode.js";
import { masterDownIntervalMs, skewTimeMs } from "../src/vrrp/core/intervals.js";
import { VirtualRouter } from "../src/vrrp/core/router.js";
import type { TimerName, VrrpAction, VrrpConfig, VrrpEvent } from "../src/vrrp/core/types.js";

const LINK_DELAY_MS = 1;
const VIP = "10.77.0.100";

interface Transition {
  at: number;
  node: string;
  action: Extract<VrrpAction, { kind: "become-master" | "become-backup" | "become-initialize" }>;
}

class Link {
  readonly clock = new VirtualClock();
  readonly nodes = new Map<string, SimRouter>();
  readonly transitions: Transition[] = [];
  advertsSent = 0;

  add(name: string, config: Partial<VrrpConfig> & { primaryAddress: string }, caughtUp = true): SimRouter {
    const full: VrrpConfig = {
      vrid: 77,
      priority: 100,
      advertIntervalCs: 5,
      preempt: true,
      addresses: [VIP],
      ...config,
    };
    const node = new SimRouter(this, name, full, caughtUp);
    this.nodes.set(name, node);
    return node;
  }

  multicast(sender: SimRouter, packet: Buffer): void {
    this.advertsSent++;
    for (const node of this.nodes.values())
      if (node !== sender) this.clock.setTimer(this.clock.now() + LINK_DELAY_MS, () => node.receive(packet));
  }

  masters(): string[] {
    return [...this.nodes.values()]
      .filter((n) => n.alive && n.router.currentState === "master")
      .map((n) => n.name);
  }

  /** Transitions after `since`, as "node:state:cause". */
  changes(since = -1): string[] {
    return this.transitions
      .filter((x) => x.at > since)
      .map((x) => `${x.node}:${x.action.kind.slice("become-".length)}:${x.action.cause}`);
  }

  lastTransition(node: string, kind: Transition["action"]["kind"]): Transition | undefined {
    return this.transitions.filter((x) => x.node === node && x.action.kind === kind).at(-1);
  }
}

/** One board: a router, its timers on the virtual clock, its advertisements on the link; it can crash. */
class SimRouter {
  router: VirtualRouter;
  alive = true;
  lastHeard = new Map<string, number>();
  private readonly timers = new Map<TimerName, unknown>();

  constructor(
    private readonly link: Link,
    readonly name: string,
    readonly config: VrrpConfig,
    caughtUp: boolean,
  ) {
    this.router = new VirtualRouter(config, { caughtUp });
  }

  handle(event: VrrpEvent): void {
    if (!this.alive) return;
    for (const action of this.router.handle(event, this.link.clock.now())) this.apply(action);
  }

  receive(packet: Buffer): void {
    if (!this.alive) return;
    const r = decodeIpv4Packet(packet);
    if (!r.ok) return;
    this.lastHeard.set(r.source, this.link.clock.now());
    this.handle({ kind: "advert", advert: r.advert, source: r.source });
  }

  /** The process dies: no more adverts, timers gone. */
  crash(): void {
    this.alive = false;
    for (const handle of this.timers.values()) this.link.clock.clearTimer(handle);
    this.timers.clear();
  }

  /** A new process of the same board: starts in Initialize, not caught up. */
  restart(caughtUp = false): void {
    this.router = new VirtualRouter(this.config, { caughtUp });
    this.alive = true;
    this.handle({ kind: "start" });
  }

  private apply(action: VrrpAction): void {
    const clock = this.link.clock;
    switch (action.kind) {
      case "set-timer": {
        const old = this.timers.get(action.timer);
        if (old !== undefined) clock.clearTimer(old);
        const timer = action.timer;
        this.timers.set(
          timer,
          clock.setTimer(action.at, () => {
            this.timers.delete(timer);
            this.handle({ kind: "timer", timer });
          }),
        );
        return;
      }
      case "cancel-timer": {
        const old = this.timers.get(action.timer);
        if (old !== undefined) clock.clearTimer(old);
        this.timers.delete(action.timer);
        return;
      }
      case "send-advert": {
        const advert = {
          vrid: this.config.vrid,
          priority: action.priority,
          maxAdverIntervalCs: action.intervalCs,
          addresses: this.config.addresses,
        };
        const vrrp = encodeAdvertisement(advert, this.config.primaryAddress);
        this.link.multicast(this, encodeIpv4Packet(vrrp, this.config.primaryAddress));
        return;
      }
      default:
        this.link.transitions.push({ at: clock.now(), node: this.name, action });
    }
  }
}

function startAll(link: Link): void {
  for (const node of link.nodes.values()) node.handle({ kind: "start" });
}

test("two routers: the higher priority wins the first election and the result is stable", (t) => {
  const link = new Link();
  link.add("sm", { priority: 200, primaryAddress: "10.77.0.1" });
  link.add("bsm", { priority: 100, primaryAddress: "10.77.0.2" });
  startAll(link);
  link.clock.advance(10_000);
  t.deepEqual(link.masters(), ["sm"]);
  t.deepEqual(link.changes(), ["sm:backup:start", "bsm:backup:start", "sm:master:master-down"]);
  t.is(link.lastTransition("sm", "become-master")?.at, masterDownIntervalMs(200, 5));
  const expectedAdverts = 1 + Math.floor((10_000 - masterDownIntervalMs(200, 5)) / 50);
  t.is(link.advertsSent, expectedAdverts, "one advertisement per 50 ms from the master only");
});

test("three routers: election, then failover to the next priority when the master crashes", (t) => {
  const link = new Link();
  link.add("sm", { priority: 200, primaryAddress: "10.77.0.1" });
  link.add("bsm", { priority: 150, primaryAddress: "10.77.0.2" });
  link.add("standby", { priority: 100, primaryAddress: "10.77.0.3" });
  startAll(link);
  link.clock.advance(1000);
  t.deepEqual(link.masters(), ["sm"]);

  const crashAt = 1023;
  link.clock.advance(crashAt - link.clock.now());
  link.nodes.get("sm")!.crash();
  link.clock.advance(2000);
  t.deepEqual(link.masters(), ["bsm"]);
  t.deepEqual(link.changes(crashAt), ["bsm:master:master-down"]);
  const heard = link.nodes.get("bsm")!.lastHeard.get("10.77.0.1")!;
  t.is(link.lastTransition("bsm", "become-master")!.at, heard + masterDownIntervalMs(150, 5));
  t.is(link.nodes.get("standby")!.router.status().master, "10.77.0.2");
});

test("failover time equals Master_Down_Interval after the last advertisement, for every crash phase", (t) => {
  for (let phase = 0; phase < 50; phase += 7) {
    const link = new Link();
    link.add("sm", { priority: 200, primaryAddress: "10.77.0.1" });
    link.add("bsm", { priority: 100, primaryAddress: "10.77.0.2" });
    startAll(link);
    link.clock.advance(2000 + phase);
    const crashAt = link.clock.now();
    link.nodes.get("sm")!.crash();
    link.clock.advance(1000);
    const heard = link.nodes.get("bsm")!.lastHeard.get("10.77.0.1")!;
    const tookOver = link.lastTransition("bsm", "become-master")!.at;
    t.is(tookOver - heard, masterDownIntervalMs(100, 5), `phase ${phase}`);
    // Detection from the crash: between Master_Down_Interval minus one interval and Master_Down_Interval.
    t.true(tookOver - crashAt > masterDownIntervalMs(100, 5) - 50 - LINK_DELAY_MS);
    t.true(tookOver - crashAt <= masterDownIntervalMs(100, 5) + LINK_DELAY_MS);
  }
});

test("priority 0 on shutdown: the backup takes over after Skew_Time, not Master_Down_Interval", (t) => {
  const link = new Link();
  link.add("sm", { priority: 200, primaryAddress: "10.77.0.1" });
  link.add("bsm", { priority: 100, primaryAddress: "10.77.0.2" });
  startAll(link);
  link.clock.advance(1000);
  const stopAt = link.clock.now();
  link.nodes.get("sm")!.handle({ kind: "shutdown" });
  link.clock.advance(1000);
  t.deepEqual(link.changes(stopAt - 1), ["sm:initialize:shutdown", "bsm:master:master-released"]);
  t.is(link.lastTransition("bsm", "become-master")!.at - stopAt, LINK_DELAY_MS + skewTimeMs(100, 5));
  t.true(skewTimeMs(100, 5) < masterDownIntervalMs(100, 5) / 4);
});

test("a returning SM preempts only once caught up, then takes the role back", (t) => {
  const link = new Link();
  const sm = link.add("sm", { priority: 200, primaryAddress: "10.77.0.1" });
  link.add("bsm", { priority: 100, primaryAddress: "10.77.0.2" });
  startAll(link);
  link.clock.advance(1000);
  sm.crash();
  link.clock.advance(1000);
  t.deepEqual(link.masters(), ["bsm"]);

  sm.restart();
  link.clock.advance(10_000);
  t.deepEqual(link.masters(), ["bsm"], "not caught up: the SM stays backup for 10 s");
  t.is(sm.router.currentState, "backup");

  const caughtUpAt = link.clock.now();
  sm.handle({ kind: "caught-up", caughtUp: true });
  link.clock.advance(1000);
  t.deepEqual(link.masters(), ["sm"]);
  t.deepEqual(link.changes(caughtUpAt), ["sm:master:preempted", "bsm:backup:higher-priority"]);
  const preemptedAt = link.lastTransition("sm", "become-master")!.at;
  t.true(preemptedAt - caughtUpAt <= masterDownIntervalMs(200, 5));
  t.is(link.lastTransition("bsm", "become-backup")!.at, preemptedAt + LINK_DELAY_MS);
});

test("a planned release hands over after Skew_Time and the releasing router does not preempt back", (t) => {
  const link = new Link();
  const sm = link.add("sm", { priority: 200, primaryAddress: "10.77.0.1" });
  link.add("bsm", { priority: 100, primaryAddress: "10.77.0.2" });
  startAll(link);
  link.clock.advance(1000);
  const releaseAt = link.clock.now();
  sm.handle({ kind: "release" });
  link.clock.advance(5000);
  t.deepEqual(link.masters(), ["bsm"]);
  t.deepEqual(link.changes(releaseAt - 1), ["sm:backup:released", "bsm:master:master-released"]);
  t.is(link.lastTransition("bsm", "become-master")!.at - releaseAt, LINK_DELAY_MS + skewTimeMs(100, 5));
});

test("equal priorities: the higher primary address becomes master; no preemption at equal priority", (t) => {
  const link = new Link();
  link.add("a", { priority: 100, primaryAddress: "10.77.0.9" });
  link.add("b", { priority: 100, primaryAddress: "10.77.0.10" });
  startAll(link);
  link.clock.advance(2000);
  t.deepEqual(link.masters(), ["b"]);
  t.deepEqual(link.changes(), [
    "a:backup:start",
    "b:backup:start",
    "a:master:master-down",
    "b:master:master-down",
    "a:backup:equal-priority-higher-address",
  ]);

  const late = new Link();
  late.add("a", { priority: 100, primaryAddress: "10.77.0.9" }).handle({ kind: "start" });
  late.clock.advance(1000);
  late.add("b", { priority: 100, primaryAddress: "10.77.0.10" }).handle({ kind: "start" });
  late.clock.advance(5000);
  t.deepEqual(late.masters(), ["a"], "a later router with the same priority and a higher address waits");
});

test("a backup learns the master's interval and times its failover with it", (t) => {
  const link = new Link();
  link.add("sm", { priority: 200, primaryAddress: "10.77.0.1", advertIntervalCs: 20 });
  const bsm = link.add("bsm", { priority: 100, primaryAddress: "10.77.0.2", advertIntervalCs: 5 });
  link.nodes.get("sm")!.handle({ kind: "start" });
  link.clock.advance(1000);
  bsm.handle({ kind: "start" });
  link.clock.advance(3000);
  t.like(bsm.router.status(), {
    state: "backup",
    masterAdverIntervalCs: 20,
    masterDownIntervalMs: masterDownIntervalMs(100, 20),
  });
  link.nodes.get("sm")!.crash();
  link.clock.advance(2000);
  const heard = bsm.lastHeard.get("10.77.0.1")!;
  t.is(link.lastTransition("bsm", "become-master")!.at - heard, 600 + skewTimeMs(100, 20));
});

test("another virtual router on the link and corrupted packets change nothing", (t) => {
  const link = new Link();
  link.add("other", { vrid: 78, priority: 250, primaryAddress: "10.77.0.7" });
  const bsm = link.add("bsm", { priority: 100, primaryAddress: "10.77.0.2" });
  startAll(link);
  link.clock.advance(1000);
  t.deepEqual(link.masters().sort(), ["bsm", "other"]);
  t.true(bsm.router.counters.otherVrid > 10);
  t.is(link.lastTransition("bsm", "become-master")!.at, masterDownIntervalMs(100, 5));

  const good = encodeIpv4Packet(
    encodeAdvertisement({ vrid: 77, priority: 250, maxAdverIntervalCs: 5, addresses: [VIP] }, "10.77.0.8"),
    "10.77.0.8",
  );
  const corrupt = Buffer.from(good);
  corrupt[21] = 0x4e;
  const hop = Buffer.from(good);
  hop[8] = 254;
  hop.writeUInt16BE(0, 10);
  hop.writeUInt16BE(internetChecksum(hop.subarray(0, 20)), 10);
  t.like(decodeIpv4Packet(hop), { ok: false, reason: "ttl" });
  bsm.receive(corrupt);
  bsm.receive(hop);
  t.is(bsm.router.currentState, "master");
  bsm.receive(good);
  t.is(bsm.router.currentState, "backup", "the same advertisement intact is heard");
});
