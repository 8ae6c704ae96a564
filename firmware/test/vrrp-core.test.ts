// Unit tests of one VRRPv3 virtual router (firmware/src/vrrp/core/router.ts) against RFC 5798 6.4 event by
// event: the exact actions for start, timers, advertisements in Backup and Master, shutdown and release, the
// timer formulas, the preemption gate, and what the router ignores (other VRID, own address, malformed
// adverts, stale timer events).
import test from "ava";
import type { Advertisement } from "../src/vrrp/codec/advert.js";
import { decodeIpv4Packet } from "../src/vrrp/codec/decode.js";
import { masterDownIntervalMs, skewTimeMs } from "../src/vrrp/core/intervals.js";
import { VirtualRouter } from "../src/vrrp/core/router.js";
import type { VrrpConfig } from "../src/vrrp/core/types.js";

const config: VrrpConfig = {
  vrid: 77,
  priority: 100,
  advertIntervalCs: 5,
  preempt: true,
  primaryAddress: "10.77.0.2",
  addresses: ["10.77.0.100"],
};

const advert = (priority: number, maxAdverIntervalCs = 5, vrid = 77): Advertisement => ({
  vrid,
  priority,
  maxAdverIntervalCs,
  addresses: ["10.77.0.100"],
});
const from = (a: Advertisement, source = "10.77.0.1") => ({ kind: "advert" as const, advert: a, source });

/** A router started at time 0, in Backup, and the time its Master_Down_Timer fires. */
function backup(options: { caughtUp?: boolean } = {}, c: VrrpConfig = config) {
  const r = new VirtualRouter(c, options);
  r.handle({ kind: "start" }, 0);
  return r;
}

function master(): VirtualRouter {
  const r = backup();
  r.handle({ kind: "timer", timer: "master-down" }, masterDownIntervalMs(100, 5));
  return r;
}

test("timer formulas: Skew_Time and Master_Down_Interval (RFC 5798 6.1)", (t) => {
  t.is(skewTimeMs(100, 100), Math.round((156 * 1000) / 256));
  t.is(masterDownIntervalMs(100, 100), 3000 + 609);
  t.is(skewTimeMs(254, 5), Math.round((2 * 50) / 256));
  t.is(skewTimeMs(1, 5), Math.round((255 * 50) / 256));
  t.is(masterDownIntervalMs(200, 5), 150 + 11);
  t.true(skewTimeMs(200, 5) < skewTimeMs(100, 5), "a higher priority waits less");
});

test("start: Initialize -> Backup with Master_Down_Timer = Master_Down_Interval", (t) => {
  const r = new VirtualRouter(config);
  t.is(r.currentState, "initialize");
  t.deepEqual(r.handle({ kind: "start" }, 1000), [
    { kind: "become-backup", cause: "start", master: null },
    { kind: "set-timer", timer: "master-down", at: 1000 + 180 },
  ]);
  t.is(r.currentState, "backup");
  t.deepEqual(r.handle({ kind: "start" }, 1001), [], "a second start is ignored");
});

test("Master_Down_Timer: Backup -> Master, advertise, Adver_Timer", (t) => {
  const r = backup();
  t.deepEqual(r.handle({ kind: "timer", timer: "master-down" }, 180), [
    { kind: "become-master", cause: "master-down" },
    { kind: "send-advert", priority: 100, intervalCs: 5 },
    { kind: "set-timer", timer: "adver", at: 230 },
  ]);
  t.deepEqual(r.handle({ kind: "timer", timer: "adver" }, 230), [
    { kind: "send-advert", priority: 100, intervalCs: 5 },
    { kind: "set-timer", timer: "adver", at: 280 },
  ]);
  t.like(r.status(), { state: "master", master: "10.77.0.2", masterPriority: 100 });
});

test("stale or early timer events are ignored", (t) => {
  const r = backup();
  t.deepEqual(r.handle({ kind: "timer", timer: "master-down" }, 179), []);
  t.deepEqual(r.handle({ kind: "timer", timer: "adver" }, 500), [], "no Adver_Timer in Backup");
  r.handle(from(advert(150)), 100);
  t.deepEqual(
    r.handle({ kind: "timer", timer: "master-down" }, 180),
    [],
    "the advert reset the timer to 280",
  );
  t.is(r.handle({ kind: "timer", timer: "master-down" }, 280)[0]?.kind, "become-master");
});

test("Backup accepts a higher priority: learns Max Adver Int and resets Master_Down_Timer", (t) => {
  const r = backup();
  t.deepEqual(r.handle(from(advert(150, 20)), 50), [
    { kind: "set-timer", timer: "master-down", at: 50 + masterDownIntervalMs(100, 20) },
  ]);
  t.like(r.status(), {
    state: "backup",
    master: "10.77.0.1",
    masterPriority: 150,
    masterAdverIntervalCs: 20,
    skewTimeMs: skewTimeMs(100, 20),
    masterDownIntervalMs: 600 + skewTimeMs(100, 20),
  });
});

test("Backup with an equal priority does not preempt (RFC 5798 6.4.2: greater than or equal)", (t) => {
  const r = backup({ caughtUp: true });
  t.deepEqual(r.handle(from(advert(100), "10.77.0.1"), 50), [
    { kind: "set-timer", timer: "master-down", at: 230 },
  ]);
});

test("Backup receiving priority 0: Master_Down_Timer = Skew_Time, then master-released", (t) => {
  const r = backup();
  r.handle(from(advert(150, 10)), 10);
  t.deepEqual(r.handle(from(advert(0, 10)), 40), [
    { kind: "set-timer", timer: "master-down", at: 40 + skewTimeMs(100, 10) },
  ]);
  t.like(r.handle({ kind: "timer", timer: "master-down" }, 40 + skewTimeMs(100, 10))[0], {
    kind: "become-master",
    cause: "master-released",
  });
});

test("released-to-us: a Backup becomes master at once and its Master_Down_Timer goes; a Master ignores it", (t) => {
  const r = backup();
  r.handle(from(advert(150, 10)), 10);
  const out = r.handle({ kind: "released-to-us" }, 20);
  t.like(out[0], { kind: "cancel-timer", timer: "master-down" });
  t.like(out[1], { kind: "become-master", cause: "master-released" });
  t.like(out[2], { kind: "send-advert", priority: 100 });
  t.is(r.status().state, "master");
  t.deepEqual(master().handle({ kind: "released-to-us" }, 500), []);
});

test("preemption gate: a lower-priority master is accepted until caught up, then discarded", (t) => {
  const r = backup();
  t.false(r.mayPreempt());
  t.deepEqual(r.handle(from(advert(50)), 100), [{ kind: "set-timer", timer: "master-down", at: 280 }]);
  t.deepEqual(r.handle({ kind: "caught-up", caughtUp: true }, 120), []);
  t.true(r.mayPreempt());
  t.deepEqual(r.handle(from(advert(50)), 150), [], "discarded: the timer keeps running");
  t.is(r.counters.discarded, 1);
  t.deepEqual(r.handle({ kind: "timer", timer: "master-down" }, 280)[0], {
    kind: "become-master",
    cause: "preempted",
  });
});

test("without Preempt_Mode a lower-priority master is always accepted", (t) => {
  const r = backup({ caughtUp: true }, { ...config, preempt: false });
  t.false(r.mayPreempt());
  t.deepEqual(r.handle(from(advert(50)), 100), [{ kind: "set-timer", timer: "master-down", at: 280 }]);
});

test("Master discards a lower priority and an equal priority from a lower address", (t) => {
  const r = master();
  t.deepEqual(r.handle(from(advert(99)), 200), []);
  t.deepEqual(r.handle(from(advert(100), "10.77.0.1"), 210), []);
  t.is(r.counters.discarded, 2);
  t.is(r.currentState, "master");
});

test("Master answers priority 0 with an advertisement at once", (t) => {
  const r = master();
  t.deepEqual(r.handle(from(advert(0)), 200), [
    { kind: "send-advert", priority: 100, intervalCs: 5 },
    { kind: "set-timer", timer: "adver", at: 250 },
  ]);
});

test("Master steps down for a higher priority, learning its interval", (t) => {
  const r = master();
  t.deepEqual(r.handle(from(advert(101, 8)), 200), [
    { kind: "cancel-timer", timer: "adver" },
    { kind: "become-backup", cause: "higher-priority", master: "10.77.0.1" },
    { kind: "set-timer", timer: "master-down", at: 200 + masterDownIntervalMs(100, 8) },
  ]);
  t.is(r.status().masterAdverIntervalCs, 8);
});

test("Master steps down for an equal priority from a higher primary address", (t) => {
  const r = master();
  t.deepEqual(r.handle(from(advert(100), "10.77.0.3"), 200), [
    { kind: "cancel-timer", timer: "adver" },
    { kind: "become-backup", cause: "equal-priority-higher-address", master: "10.77.0.3" },
    { kind: "set-timer", timer: "master-down", at: 380 },
  ]);
});

test("addresses compare as unsigned integers, not as strings", (t) => {
  const r = backup({}, { ...config, primaryAddress: "10.77.0.9" });
  r.handle({ kind: "timer", timer: "master-down" }, 180);
  t.deepEqual(r.handle(from(advert(100), "10.77.0.10"), 200)[1], {
    kind: "become-backup",
    cause: "equal-priority-higher-address",
    master: "10.77.0.10",
  });
});

test("shutdown: Master sends priority 0; Backup only cancels its timer", (t) => {
  t.deepEqual(master().handle({ kind: "shutdown" }, 300), [
    { kind: "cancel-timer", timer: "adver" },
    { kind: "send-advert", priority: 0, intervalCs: 5 },
    { kind: "become-initialize", cause: "shutdown" },
  ]);
  const b = backup();
  t.deepEqual(b.handle({ kind: "shutdown" }, 10), [
    { kind: "cancel-timer", timer: "master-down" },
    { kind: "become-initialize", cause: "shutdown" },
  ]);
  t.deepEqual(b.handle(from(advert(150)), 20), [], "Initialize ignores advertisements");
  t.deepEqual(b.handle({ kind: "shutdown" }, 30), []);
  t.is(b.handle({ kind: "start" }, 40)[0]?.kind, "become-backup", "and can start again");
});

test("release: priority 0, Backup, and the preemption gate closes", (t) => {
  const r = new VirtualRouter(config, { caughtUp: true });
  r.handle({ kind: "start" }, 0);
  r.handle({ kind: "timer", timer: "master-down" }, 180);
  t.deepEqual(r.handle({ kind: "release" }, 300), [
    { kind: "cancel-timer", timer: "adver" },
    { kind: "send-advert", priority: 0, intervalCs: 5 },
    { kind: "become-backup", cause: "released", master: null },
    { kind: "set-timer", timer: "master-down", at: 480 },
  ]);
  t.false(r.mayPreempt());
  t.deepEqual(r.handle({ kind: "release" }, 310), [], "only a master releases");
  t.deepEqual(r.handle(from(advert(50)), 320), [{ kind: "set-timer", timer: "master-down", at: 500 }]);
});

test("ignored: another VRID, our own address, malformed adverts; address mismatch is only counted", (t) => {
  const r = backup();
  t.deepEqual(r.handle(from(advert(150, 5, 78)), 50), []);
  t.deepEqual(r.handle(from(advert(150), "10.77.0.2"), 60), []);
  t.deepEqual(r.handle(from(advert(300)), 70), []);
  t.deepEqual(r.handle(from({ ...advert(150), addresses: [] }), 75), []);
  t.deepEqual(r.handle(from(advert(150), "10.77.0"), 80), []);
  t.like(r.counters, { otherVrid: 1, ownAddress: 1, malformed: 3, advertsReceived: 0 });
  t.deepEqual(r.handle({ kind: "timer", timer: "master-down" }, 180)[0], {
    kind: "become-master",
    cause: "master-down",
  });
  t.deepEqual(r.handle(from({ ...advert(150), addresses: ["10.77.0.101"] }), 200)[1], {
    kind: "become-backup",
    cause: "higher-priority",
    master: "10.77.0.1",
  });
  t.like(r.counters, { addressMismatch: 1, advertsReceived: 1 });
});

test("a malformed packet never reaches the router: the codec rejects it", (t) => {
  const r = decodeIpv4Packet(
    Buffer.from("45c0002000000000fe70d14d0a4d0001e0000012314dc8010005111e0a4d0064", "hex"),
  );
  t.like(r, { ok: false, reason: "ttl" });
});

test("configuration is checked: never the owner (255), interval and VRID in range", (t) => {
  for (const bad of [
    { priority: 255 },
    { priority: 0 },
    { vrid: 0 },
    { advertIntervalCs: 0 },
    { advertIntervalCs: 4096 },
    { addresses: [] },
    { addresses: ["10.77.0.300"] },
    { primaryAddress: "eth0" },
  ])
    t.throws(() => new VirtualRouter({ ...config, ...bad }), { instanceOf: RangeError });
});
