// What the daemon's status means on the LEDs and to systemd (daemon/unit-state.ts), on an injected clock:
// the role states, degraded for an eviction (for a minute), a lost manager, a missing standby, a switch
// not as configured or repaired often, and when the role counts as known for READY=1.
import test from "ava";
import type { DaemonStatus } from "../src/daemon/daemon.js";
import type { FailoverUnitStatus } from "../src/daemon/failover.js";
import {
  driftWindowMs,
  evictionMemoryMs,
  frequentDriftRepairs,
  UnitConditions,
} from "../src/daemon/unit-state.js";
import type { NodeStatus } from "../src/rmtp/core/node.js";
import type { SwitchManagerStatus } from "../src/switch/io/manager.js";
import { zeroCounters } from "../src/rmtp/core/types.js";

/** The failover fields unit-state reads (role, established, replication); the rest it does not look at. */
type FailoverView = Pick<FailoverUnitStatus, "role" | "established"> & {
  replication: {
    sm: { node: number; epoch: number } | null;
    standbys: Array<{ node: number; connected: boolean }>;
  };
};

function status(role: "sm" | "bsm" | "se", rmtp: Partial<NodeStatus>, failover?: FailoverView): DaemonStatus {
  return {
    node: { name: "b3", id: 3, role, address: "10.77.0.3" },
    uptimeMs: 5000,
    rmtp: {
      id: 3,
      name: "b3",
      incarnation: 1,
      manager: { id: 1, name: "b1", address: "10.77.0.1", self: false },
      epoch: 65537,
      election: "static",
      admitted: true,
      members: [
        { id: 1, name: "b1" },
        { id: 3, name: "b3" },
      ],
      previousMembers: [],
      pendingMessages: 0,
      counters: zeroCounters(),
      ...rmtp,
    },
    ...(failover ? { failover: failover as unknown as FailoverUnitStatus } : {}),
    unit: {
      board: null,
      leds: null,
      systemd: { notify: false, watchdogMs: null, ready: false, status: null },
    },
  };
}

const sync = (standbys: boolean): Pick<FailoverView, "replication"> => ({
  replication: {
    sm: standbys ? null : { node: 1, epoch: 65537 },
    standbys: standbys ? [{ node: 2, connected: true }] : [],
  },
});

test("an SE is booting until admitted, then ready; it says so on STATUS", (t) => {
  const c = new UnitConditions(750);
  t.like(c.observe(status("se", { admitted: false, manager: null }), 0), { state: "booting", ready: true });
  const r = c.observe(status("se", {}), 100);
  t.like(r, { state: "se-ready", ready: true, degraded: [] });
  t.is(r.statusLine, "SE, manager b1, 2 members");
});

test("an eviction keeps the unit degraded for a minute; losing the manager degrades it", (t) => {
  const c = new UnitConditions(750);
  t.is(c.observe(status("se", {}), 0).state, "se-ready");
  const evicted = { counters: { ...zeroCounters(), evictions: 1 } };
  const r = c.observe(status("se", evicted), 1000);
  t.like(r, { state: "degraded", degraded: ["member evicted"] });
  t.is(r.statusLine, "SE, manager b1, 2 members; degraded: member evicted");
  t.is(c.observe(status("se", evicted), 1000 + evictionMemoryMs - 1).state, "degraded");
  t.is(c.observe(status("se", evicted), 1000 + evictionMemoryMs).state, "se-ready");
  t.like(c.observe(status("se", { ...evicted, admitted: false, manager: null }), 70_000), {
    state: "degraded",
    degraded: ["manager lost"],
  });
});

test("with failover: booting until the role settles, SM active with a standby, degraded without one", (t) => {
  const c = new UnitConditions(750);
  const early = {
    ...status("sm", { manager: null }, { role: "standby", established: false, ...sync(false) }),
    uptimeMs: 100,
  };
  t.like(c.observe(early, 0), { state: "booting", ready: false });
  const sm = status(
    "sm",
    { manager: { id: 1, name: "b1", address: null, self: true } },
    { role: "sm", established: true, ...sync(true) },
  );
  t.like(c.observe(sm, 500), { state: "sm-active", ready: true });
  t.regex(c.observe(sm, 600).statusLine, /^SM of epoch 65537, manager b1/);
  const alone = status("sm", sm.rmtp, {
    role: "sm",
    established: true,
    replication: { sm: null, standbys: [] },
  });
  t.like(c.observe(alone, 700), { state: "degraded", degraded: ["no standby connected"] });
  const standby = new UnitConditions(750);
  t.like(standby.observe(status("bsm", {}, { role: "standby", established: false, ...sync(false) }), 0), {
    state: "bsm-standby",
    ready: true,
  });
  const noLink = status(
    "bsm",
    {},
    { role: "standby", established: false, replication: { sm: null, standbys: [] } },
  );
  t.like(standby.observe(noLink, 10), { state: "degraded", degraded: ["no sync link to the SM"] });
});

test("without failover, the configured SM is active once it manages the group", (t) => {
  const c = new UnitConditions(750);
  t.is(c.observe(status("sm", { manager: null }), 0).state, "booting");
  t.is(
    c.observe(status("sm", { manager: { id: 3, name: "b3", address: null, self: true } }), 10).state,
    "sm-active",
  );
  t.is(new UnitConditions(750).observe(status("bsm", {}), 0).state, "bsm-standby");
});

function withSwitch(s: DaemonStatus, ok: boolean, repairs: number): DaemonStatus {
  const sw: SwitchManagerStatus = {
    bridge: "br0",
    ok,
    readAt: null,
    vlans: 1,
    vlanMemberships: 2,
    groups: 1,
    streamGroups: 0,
    unplacedStreams: [],
    repairs,
    lastDrift: null,
    updates: 0,
    lastApply: null,
  };
  return { ...s, switch: sw };
}

test("a switch not as configured, or repaired often in ten minutes, degrades the unit", (t) => {
  const c = new UnitConditions(750);
  const se = status("se", {});
  t.like(c.observe(withSwitch(se, true, 0), 0), { state: "se-ready", degraded: [] });
  t.like(c.observe(withSwitch(se, false, 0), 10), { degraded: ["switch not as configured"] });
  for (let n = 1; n < frequentDriftRepairs; n++)
    t.is(c.observe(withSwitch(se, true, n), n * 1000).state, "se-ready");
  const often = c.observe(withSwitch(se, true, frequentDriftRepairs), 5000);
  t.like(often, {
    state: "degraded",
    degraded: [`switch drift repaired ${frequentDriftRepairs} times in 10 min`],
  });
  t.is(often.statusLine, `SE, manager b1, 2 members; degraded: switch drift repaired 3 times in 10 min`);
  t.is(c.observe(withSwitch(se, true, frequentDriftRepairs), 1000 + driftWindowMs).state, "se-ready");
});
