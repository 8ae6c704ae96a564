// The VRRP driver on the in-memory twin of the raw transport with a virtual clock: two and three services
// elect, a stopping master hands over after Skew_Time, a master whose transport dies is replaced after
// Master_Down_Interval, a planned release and the caught-up gate, adverts held back after a stall and
// resumed, and corrupted packets counted and rate-limit-logged without harm.
import test from "ava";
import { VirtualClock } from "../src/rmtp/io/clock.js";
import { Logger, type LogRecord } from "../src/log/logger.js";
import { decodeIpv4Packet } from "../src/vrrp/codec/decode.js";
import { encodeAdvertisement, encodeIpv4Packet } from "../src/vrrp/codec/encode.js";
import { masterDownIntervalMs, skewTimeMs } from "../src/vrrp/core/intervals.js";
import { SimVrrpNetwork, type SimVrrpPort } from "../src/vrrp/io/sim-vrrp-network.js";
import type { VrrpTransport } from "../src/vrrp/io/vrrp-transport.js";
import type { RoleChange } from "../src/vrrp/service/service-types.js";
import { VrrpService } from "../src/vrrp/service/vrrp-service.js";

const VIP = "10.77.0.100";
const DELAY_MS = 0.2;
const INTERVAL_CS = 5;

interface Node {
  service: VrrpService;
  port: SimVrrpPort;
  roles: (RoleChange & { at: number })[];
  closed: boolean;
}

class Lab {
  readonly clock = new VirtualClock();
  readonly net = new SimVrrpNetwork(this.clock, DELAY_MS);
  readonly logs: LogRecord[] = [];
  readonly nodes = new Map<string, Node>();

  add(name: string, address: string, priority: number, caughtUp = true): Node {
    const port = this.net.attach(address);
    const roles: Node["roles"] = [];
    const service = new VrrpService({
      config: { vrid: 77, priority, advertIntervalCs: INTERVAL_CS, preempt: true, addresses: [VIP] },
      transport: port,
      clock: this.clock,
      log: new Logger(`vrrp.${name}`, (r) => this.logs.push(r)),
      caughtUp,
      onRole: (change) => roles.push({ ...change, at: this.clock.now() }),
    });
    const node = { service, port, roles, closed: false };
    const close = port.close.bind(port);
    port.close = () => {
      node.closed = true;
      return close();
    };
    this.nodes.set(name, node);
    return node;
  }

  startAll(): void {
    for (const n of this.nodes.values()) n.service.start();
  }

  masters(): string[] {
    return [...this.nodes]
      .filter(([, n]) => n.service.status().running && n.service.status().state === "master")
      .map(([name]) => name);
  }
}

test("two services elect the higher priority; the backup follows its adverts", (t) => {
  const lab = new Lab();
  const sm = lab.add("sm", "10.77.0.1", 200);
  const bsm = lab.add("bsm", "10.77.0.2", 100);
  lab.startAll();
  lab.clock.advance(2000);
  t.deepEqual(lab.masters(), ["sm"]);
  t.deepEqual(sm.roles, [
    { state: "backup", cause: "start", master: null, at: 0 },
    {
      state: "master",
      cause: "master-down",
      master: "10.77.0.1",
      at: masterDownIntervalMs(200, INTERVAL_CS),
    },
  ]);
  t.deepEqual(bsm.roles, [{ state: "backup", cause: "start", master: null, at: 0 }]);
  const sent = sm.service.status().counters.advertsSent;
  t.is(sent, 1 + Math.floor((2000 - masterDownIntervalMs(200, INTERVAL_CS)) / (INTERVAL_CS * 10)));
  t.like(bsm.service.status(), {
    state: "backup",
    master: "10.77.0.1",
    masterPriority: 200,
    localAddress: "10.77.0.2",
    driver: { rejected: {}, checksums: { "pseudo-header": sent, "message-only": 0 }, sendErrors: 0 },
  });
  t.is(bsm.service.status().counters.advertsReceived, sent);
  t.true(
    lab.logs.some((r) => r.event === "vrrp.role" && r.component === "vrrp.sm" && r.state === "master"),
    "role changes are logged with their cause",
  );
});

test("three services: one master, both others follow it", (t) => {
  const lab = new Lab();
  lab.add("standby", "10.77.0.3", 100);
  lab.add("sm", "10.77.0.1", 200);
  lab.add("bsm", "10.77.0.2", 150);
  lab.startAll();
  lab.clock.advance(2000);
  t.deepEqual(lab.masters(), ["sm"]);
  for (const name of ["standby", "bsm"])
    t.like(lab.nodes.get(name)!.service.status(), { state: "backup", master: "10.77.0.1" });
});

test("stop() advertises priority 0: the backup takes over after Skew_Time and the transport closes", async (t) => {
  const lab = new Lab();
  const sm = lab.add("sm", "10.77.0.1", 200);
  const bsm = lab.add("bsm", "10.77.0.2", 100);
  const standby = lab.add("standby", "10.77.0.3", 50);
  lab.startAll();
  lab.clock.advance(1013);
  const stopAt = lab.clock.now();
  await sm.service.stop();
  t.deepEqual(sm.roles.at(-1), { state: "initialize", cause: "shutdown", master: null, at: stopAt });
  lab.clock.advance(1000);
  t.deepEqual(lab.masters(), ["bsm"]);
  t.deepEqual(bsm.roles.at(-1), {
    state: "master",
    cause: "master-released",
    master: "10.77.0.2",
    at: stopAt + DELAY_MS + skewTimeMs(100, INTERVAL_CS),
  });
  t.like(standby.service.status(), { state: "backup", master: "10.77.0.2" });
  t.true(sm.closed, "the transport is closed");
  sm.port.receive(Buffer.alloc(0), "10.77.0.2");
  t.deepEqual(sm.service.status().driver.rejected, {}, "a stopped service ignores its transport");
  t.false(sm.service.status().running);
});

test("a master whose transport dies without priority 0 is replaced after Master_Down_Interval", async (t) => {
  const detections: number[] = [];
  for (let phase = 0; phase < 50; phase += 11) {
    const lab = new Lab();
    const sm = lab.add("sm", "10.77.0.1", 200);
    const bsm = lab.add("bsm", "10.77.0.2", 100);
    let lastHeard = NaN;
    lab.net.attach("10.77.0.50").onDatagram((_, source) => {
      if (source === "10.77.0.1") lastHeard = lab.clock.now();
    });
    lab.startAll();
    lab.clock.advance(1000 + phase);
    const killAt = lab.clock.now();
    await sm.port.close();
    lab.clock.advance(1000);
    t.true(lab.masters().includes("bsm"));
    const took = bsm.roles.at(-1)!;
    t.like(took, { state: "master", cause: "master-down", master: "10.77.0.2" });
    const mdi = masterDownIntervalMs(100, INTERVAL_CS);
    t.true(Math.abs(took.at - lastHeard - mdi) < 1e-9, `phase ${phase}: ${took.at - lastHeard} ms`);
    detections.push(took.at - killAt);
  }
  t.true(new Set(detections).size > 1, "detection depends on where in the interval the master died");
});

test("release() hands over after Skew_Time; caughtUp(true) lets the old master preempt back", (t) => {
  const lab = new Lab();
  const sm = lab.add("sm", "10.77.0.1", 200);
  const bsm = lab.add("bsm", "10.77.0.2", 100);
  lab.startAll();
  lab.clock.advance(1000);
  const releaseAt = lab.clock.now();
  sm.service.release();
  lab.clock.advance(5000);
  t.deepEqual(lab.masters(), ["bsm"], "the released SM does not preempt back until caught up");
  t.like(sm.roles.at(-1), { state: "backup", cause: "released", at: releaseAt });
  t.is(bsm.roles.at(-1)!.at, releaseAt + DELAY_MS + skewTimeMs(100, INTERVAL_CS));
  t.like(sm.service.status(), { caughtUp: false, mayPreempt: false, master: "10.77.0.2" });

  const caughtUpAt = lab.clock.now();
  sm.service.caughtUp(true);
  lab.clock.advance(1000);
  t.deepEqual(lab.masters(), ["sm"]);
  t.like(sm.roles.at(-1), { state: "master", cause: "preempted" });
  t.true(sm.roles.at(-1)!.at - caughtUpAt <= masterDownIntervalMs(200, INTERVAL_CS));
  t.like(bsm.roles.at(-1), { state: "backup", cause: "higher-priority", master: "10.77.0.1" });
});

test("corrupted packets are counted by reason and logged at a limited rate, never fatal", (t) => {
  const lab = new Lab();
  const bsm = lab.add("bsm", "10.77.0.2", 100);
  bsm.service.start();
  lab.clock.advance(1000);
  t.deepEqual(lab.masters(), ["bsm"]);
  const rogue = lab.net.attach("10.77.0.9");
  const good = encodeAdvertisement(
    { vrid: 77, priority: 250, maxAdverIntervalCs: INTERVAL_CS, addresses: [VIP] },
    "10.77.0.9",
  );
  const corrupt = Buffer.from(good);
  corrupt[2] = 251;
  for (let i = 0; i < 20; i++) void rogue.send(corrupt);
  rogue.ttl = 64;
  void rogue.send(good);
  bsm.port.receive(Buffer.from([0x45, 0, 0]), "10.77.0.9");
  lab.clock.advance(100);
  t.is(bsm.service.status().state, "master");
  t.deepEqual(bsm.service.status().driver.rejected, { checksum: 20, ttl: 1, truncated: 1 });
  const rejectLogs = () => lab.logs.filter((r) => r.event === "vrrp.reject" && r.reason === "checksum");
  t.is(rejectLogs().length, 5, "5 warnings per source and reason per 10 s");
  t.like(rejectLogs()[0], { source: "10.77.0.9", level: "warn" });

  lab.clock.advance(10_000);
  rogue.ttl = 255;
  void rogue.send(corrupt);
  lab.clock.advance(1);
  t.like(
    lab.logs.find((r) => r.event === "vrrp.reject.suppressed"),
    { count: 15 },
  );
  t.is(rejectLogs().length, 6);

  void rogue.send(good);
  lab.clock.advance(1);
  t.is(bsm.service.status().state, "backup", "the same advert intact is heard");
  t.is(bsm.service.status().master, "10.77.0.9");
});

test("adverts carry the configured checksum variant from the transport's address; send errors are counted", async (t) => {
  const clock = new VirtualClock();
  const sent: Buffer[] = [];
  let fail = false;
  const transport: VrrpTransport = {
    localAddress: "10.77.0.5",
    send: (packet) => {
      sent.push(packet);
      return fail ? Promise.reject(new Error("ENETDOWN")) : Promise.resolve();
    },
    onDatagram: () => undefined,
    close: () => Promise.resolve(),
  };
  const logs: LogRecord[] = [];
  const service = new VrrpService({
    config: { vrid: 9, priority: 120, advertIntervalCs: 10, preempt: false, addresses: [VIP] },
    transport,
    clock,
    log: new Logger("vrrp", (r) => logs.push(r)),
    checksum: "message-only",
  });
  service.start();
  clock.advance(masterDownIntervalMs(120, 10));
  t.is(service.status().state, "master");
  const decoded = decodeIpv4Packet(encodeIpv4Packet(sent[0]!, "10.77.0.5"));
  t.like(decoded, {
    ok: true,
    source: "10.77.0.5",
    checksum: "message-only",
    advert: { vrid: 9, priority: 120, maxAdverIntervalCs: 10, addresses: [VIP] },
  });
  fail = true;
  clock.advance(300);
  await new Promise((resolve) => setImmediate(resolve));
  t.is(service.status().driver.sendErrors, 3);
  t.is(service.status().state, "master");
  t.true(logs.some((r) => r.event === "vrrp.send-failed"));
  await service.stop();
  t.like(decodeIpv4Packet(encodeIpv4Packet(sent.at(-1)!, "10.77.0.5")), {
    ok: true,
    advert: { priority: 0 },
  });
});

test("a held master sends no adverts until resume(), which advertises at once; priority 0 still goes out", (t) => {
  const lab = new Lab();
  const sm = lab.add("sm", "10.77.0.1", 200);
  const bsm = lab.add("bsm", "10.77.0.2", 100);
  lab.startAll();
  lab.clock.advance(2000);
  const sent = () => sm.service.status().counters.advertsSent;
  const before = sent();
  sm.service.hold();
  lab.clock.advance(masterDownIntervalMs(100, INTERVAL_CS) - INTERVAL_CS * 10 - 10);
  t.is(sent(), before, "nothing while held");
  t.deepEqual(lab.masters(), ["sm"], "short of the backup's Master_Down_Interval");
  sm.service.resume();
  t.is(sent(), before + 1, "an overdue advert goes at once");
  lab.clock.advance(1000);
  t.deepEqual(lab.masters(), ["sm"], "the backup followed the resumed adverts");
  t.is(bsm.roles.at(-1)?.state, "backup");

  sm.service.hold();
  lab.clock.advance(masterDownIntervalMs(100, INTERVAL_CS) + 10);
  t.deepEqual(lab.masters().sort(), ["bsm", "sm"], "held too long: the backup took over");
  void sm.service.stop();
  lab.clock.advance(10);
  t.deepEqual(lab.masters(), ["bsm"]);
});

test("an advert timer that runs later than stallMs is not sent: adverts are held and the owner told", (t) => {
  // A clock whose readings can jump ahead of its timers: a timer due before the jump runs that much late.
  const virtual = new VirtualClock();
  let jumped = 0;
  const clock = {
    now: () => virtual.now() + jumped,
    setTimer: (at: number, callback: () => void) => virtual.setTimer(at - jumped, callback),
    clearTimer: (handle: unknown) => virtual.clearTimer(handle),
    advance: (ms: number) => virtual.advance(ms),
    stall: (ms: number) => void (jumped += ms),
  };
  const net = new SimVrrpNetwork(virtual, DELAY_MS);
  const stalls: number[] = [];
  const service = new VrrpService({
    config: { vrid: 77, priority: 200, advertIntervalCs: INTERVAL_CS, preempt: true, addresses: [VIP] },
    transport: net.attach("10.77.0.1"),
    clock,
    log: new Logger("vrrp", () => undefined),
    stallMs: 150,
    onStall: (lateMs) => stalls.push(lateMs),
  });
  service.start();
  clock.advance(1000);
  const sent = service.status().counters.advertsSent;
  clock.stall(400);
  clock.advance(50);
  t.deepEqual(stalls, [400], "the next advert, 400 ms late");
  t.is(service.status().counters.advertsSent, sent);
  clock.advance(500);
  t.is(service.status().counters.advertsSent, sent, "held until resume()");
  service.resume();
  clock.advance(100);
  t.is(service.status().counters.advertsSent, sent + 3, "at once, then every 50 ms");
});

test("a fenced router's adverts are ignored until it advertises priority 0", (t) => {
  const lab = new Lab();
  const sm = lab.add("sm", "10.77.0.1", 200);
  const bsm = lab.add("bsm", "10.77.0.2", 100);
  lab.startAll();
  lab.clock.advance(2000);
  sm.port.loss = { inbound: 1, outbound: 1 };
  lab.clock.advance(1000);
  t.deepEqual(lab.masters().sort(), ["bsm", "sm"], "the cut SM hears nothing and stays master");
  bsm.service.fence("10.77.0.1");
  sm.port.loss = { inbound: 0, outbound: 0 };
  lab.clock.advance(1000);
  t.true(lab.masters().includes("bsm"), "the restored SM's higher priority does not demote the new master");
  t.true(bsm.service.status().driver.fenced > 0);
  void sm.service.stop();
  lab.clock.advance(10);
  t.deepEqual(lab.masters(), ["bsm"]);
  t.truthy(
    lab.logs.find((r) => r.event === "vrrp.unfenced"),
    "priority 0 ends the fence",
  );
});
