// The reconciler core without a kernel: desired state from config, the plan against an actual state
// (ordered, VLAN runs as ranges in the commands), no change for the same state, the plan backwards for a
// rollback, and the repair scheduler's settle, coalescing and backoff.
import test from "ava";
import { switchSchema } from "../src/config/switch-schema.js";
import { describe } from "../src/switch/core/changes.js";
import { desiredState } from "../src/switch/core/desired.js";
import { diff } from "../src/switch/core/diff.js";
import type { SwitchState } from "../src/switch/core/model.js";
import { RepairScheduler } from "../src/switch/core/repair-scheduler.js";

const config = switchSchema.parse({
  vlanFiltering: true,
  serviceVlan: 10,
  ports: [
    { name: "eth1", pvid: 10, tagged: ["100-199"], serviceMembers: true, multicastRouter: "permanent" },
    { name: "eth2", untagged: [10], tagged: [20] },
  ],
  interfaces: [{ vlan: 10, addresses: ["10.77.0.1/24"] }],
  multicast: { querier: true, groups: [{ group: "239.1.1.1", vlan: 20, ports: ["eth2"] }] },
});
const desired = desiredState(config, "239.192.77.1");

/** What the kernel has right after the ports exist, before anything is configured. */
function bare(): SwitchState {
  return {
    bridge: { ...desired.bridge, present: false, up: false, vlans: [] },
    ports: desired.ports.map((p) => ({ ...p, master: null, up: false, mcastRouter: 1, vlans: [] })),
    interfaces: desired.interfaces.map((i) => ({
      ...i,
      present: false,
      parent: null,
      vid: 0,
      up: false,
      addresses: [],
    })),
    groups: [],
  };
}

test("desired state: PVID untagged, ranges expanded, interface VLANs tagged on the bridge, service group", (t) => {
  t.deepEqual(desired.ports[0]?.vlans?.slice(0, 2), [
    { vid: 10, pvid: true, untagged: true },
    { vid: 100, pvid: false, untagged: false },
  ]);
  t.is(desired.ports[0]?.vlans?.length, 101);
  t.deepEqual(desired.bridge.vlans, [{ vid: 10, pvid: false, untagged: false }]);
  t.deepEqual(desired.groups, [
    { port: "eth1", group: "239.192.77.1", vid: 10 },
    { port: "eth2", group: "239.1.1.1", vid: 20 },
  ]);
  t.like(desired.bridge.options, { vlanFiltering: 1, mcastQuerier: 1, igmpVersion: 2 });
});

test("from bare ports: structural changes first, VLAN runs as one command, groups last", (t) => {
  const plan = diff(desired, bare());
  const commands = plan.changes.flatMap(describe);
  t.deepEqual(commands, [
    "ip link add br0 type bridge vlan_filtering 1 mcast_querier 1",
    "ip link set eth1 master br0",
    "ip link set eth2 master br0",
    "ip link add link br0 name br0.10 type vlan id 10",
    "ip link set br0 up",
    "ip link set eth1 up",
    "ip link set eth2 up",
    "ip link set br0.10 up",
    "bridge link set dev eth1 mcast_router 2",
    "bridge vlan add dev br0 vid 10 self",
    "bridge vlan add dev eth1 vid 10 pvid untagged",
    "bridge vlan add dev eth1 vid 100-199",
    "bridge vlan add dev eth2 vid 10 untagged",
    "bridge vlan add dev eth2 vid 20",
    "ip addr add 10.77.0.1/24 dev br0.10",
    "bridge mdb add dev br0 port eth1 grp 239.192.77.1 permanent vid 10",
    "bridge mdb add dev br0 port eth2 grp 239.1.1.1 permanent vid 20",
  ]);
  t.deepEqual(plan.missing, []);
});

test("the desired state against itself plans nothing", (t) => {
  t.deepEqual(diff(desired, desired), { changes: [], missing: [] });
});

test("drift: a deleted VLAN, a moved PVID, a foreign group and a missing port", (t) => {
  const actual: SwitchState = structuredClone(desired);
  actual.ports[0]!.vlans = actual.ports[0]!.vlans!.filter((v) => v.vid !== 150);
  actual.ports[1]!.vlans = [{ vid: 1, pvid: true, untagged: true }, ...actual.ports[1]!.vlans!];
  actual.groups.push({ port: "eth2", group: "239.5.5.5", vid: 20 });
  actual.ports.push({ ...actual.ports[0]!, name: "eth3" });
  const commands = diff(desired, actual).changes.flatMap(describe);
  t.deepEqual(commands, [
    "bridge vlan add dev eth1 vid 150",
    "bridge mdb del dev br0 port eth2 grp 239.5.5.5 permanent vid 20",
    "bridge vlan del dev eth2 vid 1",
  ]);
  const gone = structuredClone(actual);
  gone.ports[0]!.present = false;
  const plan = diff(desired, gone);
  t.deepEqual(plan.missing, ["eth1"]);
  t.false(plan.changes.some((c) => c.op === "mdb-add" && c.entry.port === "eth1"));
});

test("backwards, the plan undoes an apply: the state before as the desired one", (t) => {
  const before = bare();
  const back = diff(before, desired).changes.flatMap(describe);
  t.true(back.includes("ip link del br0"));
  t.true(back.includes("ip link del br0.10"));
  t.true(back.includes("ip link set eth1 nomaster"));
  t.false(back.some((c) => c.startsWith("bridge vlan add")));
});

test("repair scheduler: settles a burst, queues one more during a repair, retries a failure once, then backs off", (t) => {
  const s = new RepairScheduler({ settleMs: 30, backoffMs: 1000 });
  t.deepEqual(s.onNotification(0), { at: 30 });
  t.deepEqual(s.onNotification(10), { at: 30 });
  t.deepEqual(s.onWake(20), { at: 30 });
  t.is(s.onWake(30), "repair");
  t.is(s.onNotification(35), null);
  t.deepEqual(s.onRepairDone(40, true), { at: 70 });
  t.is(s.onWake(70), "repair");
  t.deepEqual(s.onRepairDone(80, false), { at: 110 });
  t.is(s.onWake(110), "repair");
  t.deepEqual(s.onRepairDone(120, false), { at: 1120 });
  t.deepEqual(s.onWake(500), { at: 1120 });
  t.is(s.onWake(1120), "repair");
  t.is(s.onRepairDone(1130, true), null);
  t.deepEqual(s.onNotification(2000), { at: 2030 });
  t.is(s.onWake(2030), "repair");
  t.deepEqual(s.onRepairDone(2040, false), { at: 2070 });
});
