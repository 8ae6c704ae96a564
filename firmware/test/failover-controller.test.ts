// The failover controller event by event: eligibility by boot and by lease steers VRRP, a VRRP master
// becomes SM only when eligible, a term is established by a majority or ends at its lease, an SM that
// stalled checks its standbys before it advertises or acknowledges again and leaves when they do not all
// confirm, and an SM leaves on a majority in a higher epoch, on RMTP's step-down and on a planned handover.
import test from "ava";
import { FailoverController, nextEpoch } from "../src/failover/core/controller.js";
import type { FailoverAction, FailoverEvent } from "../src/failover/core/types.js";

const params = { leaseMs: 600, stallMs: 150, checkMs: 150 };

class Driver {
  readonly c: FailoverController;
  now = 0;
  constructor(persistedEpoch = 0) {
    this.c = new FailoverController(params, persistedEpoch, 1);
  }
  feed(event: FailoverEvent, at = this.now): FailoverAction[] {
    this.now = at;
    return this.c.handle(event, at);
  }
  kinds(event: FailoverEvent, at = this.now): string[] {
    return this.feed(event, at)
      .filter((a) => a.kind !== "log" && a.kind !== "set-timer")
      .map((a) => a.kind);
  }
}

const find = <K extends FailoverAction["kind"]>(actions: FailoverAction[], kind: K) =>
  actions.find((a): a is Extract<FailoverAction, { kind: K }> => a.kind === kind);

test("a boot-eligible node runs VRRP, becomes SM one round above the persisted epoch and is established alone", (t) => {
  const d = new Driver(7);
  t.deepEqual(d.kinds({ kind: "start", bootEligible: true }), ["vrrp-start"]);
  const became = find(d.feed({ kind: "vrrp", state: "master", cause: "master-down" }, 100), "become-sm");
  t.is(became?.epoch, 0x10000 + 1, "round 1 above epoch 7, node 1");
  t.false(d.c.mayAcknowledge(100), "not before a majority joined");
  d.feed({ kind: "members", joined: 1, known: 1 }, 110);
  t.true(d.c.mayAcknowledge(110));
  t.is(d.c.status(110).role, "sm");
});

test("a standby runs VRRP only while it holds a lease", (t) => {
  const d = new Driver();
  t.deepEqual(d.kinds({ kind: "start", bootEligible: false }), []);
  d.feed({ kind: "manager-heard", epoch: 3, manager: "b1" }, 10);
  const leased = d.feed({ kind: "lease", epoch: 3, until: 610 }, 20);
  t.truthy(find(leased, "vrrp-start"));
  t.is(find(leased, "set-timer")?.at, 610);
  t.is(d.c.status(100).eligibleBy, "lease");
  for (let at = 100; at < 600; at += 100) t.deepEqual(d.kinds({ kind: "tick" }, at), []);
  t.deepEqual(d.kinds({ kind: "tick" }, 650), ["vrrp-stop"]);
  t.false(d.c.status(650).eligible);
});

test("a lease of an older epoch than the manager followed is ignored", (t) => {
  const d = new Driver();
  d.feed({ kind: "start", bootEligible: false });
  d.feed({ kind: "manager-heard", epoch: 5, manager: "b2" });
  t.deepEqual(d.kinds({ kind: "lease", epoch: 4, until: 600 }), []);
});

test("a VRRP master that is not eligible does not become SM", (t) => {
  const d = new Driver();
  d.feed({ kind: "start", bootEligible: false });
  const out = d.feed({ kind: "vrrp", state: "master", cause: "master-down" }, 50);
  t.is(find(out, "become-sm"), undefined);
  t.is(find(out, "log")?.event, "vrrp-master-not-eligible");
});

test("a leased standby takes over; a term without a majority ends when the lease does and follows the old epoch again", (t) => {
  const d = new Driver(3);
  d.feed({ kind: "start", bootEligible: false });
  d.feed({ kind: "manager-heard", epoch: 3, manager: "b1" });
  d.feed({ kind: "lease", epoch: 3, until: 600 }, 0);
  for (let at = 100; at <= 200; at += 100) d.feed({ kind: "tick" }, at);
  t.is(
    find(d.feed({ kind: "vrrp", state: "master", cause: "master-down" }, 280), "become-sm")?.epoch,
    0x10001,
  );
  d.feed({ kind: "members", joined: 2, known: 10 }, 300);
  for (let at = 400; at < 600; at += 100) t.deepEqual(d.kinds({ kind: "tick" }, at), []);
  const out = d.feed({ kind: "tick" }, 600);
  const standby = find(out, "become-standby");
  t.deepEqual(standby && { wipe: standby.wipe, followEpoch: standby.followEpoch }, {
    wipe: false,
    followEpoch: 3,
  });
  t.truthy(find(out, "vrrp-stop"), "no lease any more: out of the election");
});

test("a stalled SM acknowledges nothing until its standbys confirm, then goes on in the same term", (t) => {
  const d = new Driver();
  d.feed({ kind: "start", bootEligible: true });
  d.feed({ kind: "vrrp", state: "master", cause: "master-down" }, 0);
  d.feed({ kind: "members", joined: 3, known: 5 }, 10);
  d.feed({ kind: "tick" }, 100);
  t.true(d.c.mayAcknowledge(200));
  t.false(d.c.mayAcknowledge(300), "a gap over stallMs is refused before the controller hears of it");
  const out = d.feed({ kind: "tick" }, 300);
  t.is(find(out, "log")?.event, "stalled");
  t.deepEqual(find(out, "stall-check"), { kind: "stall-check", since: 100 }, "standbys asked about 100 on");
  t.is(find(out, "set-timer")?.at, 450, "the check ends after checkMs");
  t.falsy(find(out, "become-standby"), "a stall alone proves nothing");
  t.true(d.c.status(300).checkingStall);
  t.false(d.c.mayAcknowledge(310), "not while checking");
  t.deepEqual(d.kinds({ kind: "stall-checked", ok: true }, 320), ["stall-cleared"]);
  t.true(d.c.mayAcknowledge(330));
  t.is(d.c.status(330).role, "sm");
  t.is(d.c.status(330).stalls, 1);
  t.deepEqual(d.kinds({ kind: "tick" }, 460), [], "a cleared check has no deadline");
});

test("a stalled SM leaves when a standby cannot confirm or none answers in time, and may stand again", (t) => {
  const refused = establishedSm();
  refused.feed({ kind: "tick" }, 400);
  const out = refused.feed({ kind: "stall-checked", ok: false, reason: "standby 2's link closed" }, 410);
  t.regex(find(out, "become-standby")?.cause ?? "", /stalled for 300 ms and standby 2's link closed/);
  t.true(find(out, "become-standby")?.wipe, "an unplanned end: unconfirmed changes may exist only here");
  t.deepEqual(
    out.filter((a) => a.kind.startsWith("vrrp")).map((a) => a.kind),
    ["vrrp-stop", "vrrp-start"],
    "the held master advertises priority 0 and restarts as a backup",
  );
  t.is(refused.c.status(410).eligibleBy, "boot", "nobody may have taken over: it may stand again");
  t.deepEqual(refused.kinds({ kind: "stall-checked", ok: true }, 420), [], "a late answer changes nothing");
  t.deepEqual(refused.kinds({ kind: "manager-heard", epoch: 0x20002, manager: "b2" }, 430), ["vrrp-stop"]);

  const silent = establishedSm();
  silent.feed({ kind: "tick" }, 400);
  t.deepEqual(silent.kinds({ kind: "tick" }, 549), []);
  const late = find(silent.feed({ kind: "tick" }, 550), "become-standby");
  t.regex(late?.cause ?? "", /not every standby confirmed within 150 ms/);
});

test("one stall reported twice is checked once; a new stall while checking starts the check again", (t) => {
  const d = establishedSm();
  d.feed({ kind: "tick" }, 400);
  t.deepEqual(d.kinds({ kind: "stall", lateMs: 250 }, 401), [], "VRRP's late advert of the same stall");
  const again = d.feed({ kind: "tick" }, 600);
  t.deepEqual(find(again, "stall-check"), { kind: "stall-check", since: 100 }, "from the first stall on");
  t.is(find(again, "set-timer")?.at, 750);
  t.is(d.c.status(600).stalls, 2);
  t.deepEqual(d.kinds({ kind: "stall-checked", ok: true }, 610), ["stall-cleared"]);
});

test("a VRRP advert timer that ran late starts the same check, from when the advert was due", (t) => {
  const d = establishedSm();
  d.feed({ kind: "tick" }, 140);
  const out = d.feed({ kind: "stall", lateMs: 160 }, 180);
  t.deepEqual(find(out, "stall-check"), { kind: "stall-check", since: 20 });
  t.deepEqual(d.kinds({ kind: "stall-checked", ok: true }, 185), ["stall-cleared"]);
});

test("an SM leaves when a majority of known members says HELLO in a higher epoch, not before", (t) => {
  const d = new Driver(1);
  d.feed({ kind: "start", bootEligible: true });
  d.feed({ kind: "vrrp", state: "master", cause: "master-down" }, 0);
  d.feed({ kind: "members", joined: 5, known: 5 }, 10);
  t.deepEqual(d.kinds({ kind: "higher-epoch", epoch: 0x20002, node: 3 }, 20), []);
  t.deepEqual(
    d.kinds({ kind: "higher-epoch", epoch: 0x20002, node: 3 }, 30),
    [],
    "the same member twice counts once",
  );
  t.deepEqual(d.kinds({ kind: "higher-epoch", epoch: 0x20002, node: 4 }, 40), []);
  t.deepEqual(d.kinds({ kind: "higher-epoch", epoch: 0x20002, node: 5 }, 50), [
    "become-standby",
    "vrrp-stop",
  ]);
  t.is(d.c.status(50).epoch, 0x20002);
});

test("RMTP's own step-down and a VRRP demotion end the term; a planned handover does not wipe", (t) => {
  const d = new Driver();
  d.feed({ kind: "start", bootEligible: true });
  d.feed({ kind: "vrrp", state: "master", cause: "master-down" }, 0);
  d.feed({ kind: "members", joined: 1, known: 1 }, 1);
  t.deepEqual(d.kinds({ kind: "handover" }, 10), ["vrrp-release"]);
  const released = d.feed({ kind: "vrrp", state: "backup", cause: "released" }, 11);
  t.is(find(released, "become-standby")?.wipe, false);

  const e = new Driver();
  e.feed({ kind: "start", bootEligible: true });
  e.feed({ kind: "vrrp", state: "master", cause: "master-down" }, 0);
  e.feed({ kind: "members", joined: 1, known: 1 }, 1);
  const down = e.feed({ kind: "stepped-down", cause: "manager b2 announced epoch 9" }, 20);
  t.is(find(down, "become-standby")?.wipe, true);
  t.is(find(down, "become-standby")?.followEpoch, null);
});

/** An established SM of epoch 1 at time 100, with VRRP running. */
function establishedSm(): Driver {
  const d = new Driver();
  d.feed({ kind: "start", bootEligible: true });
  d.feed({ kind: "vrrp", state: "master", cause: "master-down" }, 50);
  d.feed({ kind: "members", joined: 2, known: 3 }, 100);
  return d;
}

test("after a planned release the old SM stays eligible until the standby's term is heard", (t) => {
  const d = establishedSm();
  const left = find(d.feed({ kind: "vrrp", state: "backup", cause: "released" }, 200), "become-standby");
  t.false(left?.wipe, "a planned end keeps the store");
  t.is(d.c.status(200).eligibleBy, "boot", "it may take the role back if the standby never does");
  t.deepEqual(d.kinds({ kind: "manager-heard", epoch: 2, manager: "b2" }, 230), ["vrrp-stop"]);
  t.false(d.c.status(230).eligible);
});

test("epochs are rounds in the high 16 bits and the node id in the low 16: two nodes never share one", (t) => {
  t.is(nextEpoch(0, 1), 0x10001);
  t.is(nextEpoch(0, 2), 0x10002);
  t.is(nextEpoch(0x10001, 2), 0x20002, "above a round held by another node");
  t.is(nextEpoch(0x10002, 1), 0x20001);
  t.throws(() => nextEpoch(0xffff0001, 1), { instanceOf: RangeError });
  t.throws(() => new FailoverController(params, 0, 0), { instanceOf: RangeError });
});
