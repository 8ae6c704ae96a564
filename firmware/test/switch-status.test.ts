// The switch's status without a kernel: counts of a state (distinct VLANs, memberships with the bridge's
// own, permanent groups) and the line `iss status` prints for it, with drift and unplaced streams.
import test from "ava";
import { renderSwitch } from "../src/cli/commands/status.js";
import { switchSchema } from "../src/config/switch-schema.js";
import { desiredState } from "../src/switch/core/desired.js";
import { stateCounts } from "../src/switch/core/model.js";

test("counts: distinct VLANs, memberships and permanent groups", (t) => {
  const sw = switchSchema.parse({
    vlanFiltering: true,
    serviceVlan: 10,
    ports: [
      { name: "eth1", pvid: 10, tagged: ["100-199"], serviceMembers: true },
      { name: "eth2", untagged: [10], tagged: [20] },
    ],
    interfaces: [{ vlan: 10 }],
    multicast: { groups: [{ group: "239.1.1.1", vlan: 20, ports: ["eth2"] }] },
  });
  t.deepEqual(stateCounts(desiredState(sw, "239.192.77.1")), { vlans: 102, vlanMemberships: 104, groups: 2 });
  const flat = switchSchema.parse({ ports: [{ name: "eth1" }] });
  t.deepEqual(stateCounts(desiredState(flat, "239.192.77.1")), { vlans: 0, vlanMemberships: 0, groups: 0 });
});

test("iss status shows the switch's counts, its last drift and unplaced streams", (t) => {
  const line = renderSwitch({
    bridge: "br0",
    ok: false,
    vlans: 4094,
    vlanMemberships: 8188,
    groups: 1001,
    readAt: "2026-12-02T10:00:00.000Z",
    streamGroups: 12,
    unplacedStreams: ["239.192.78.11 of issContentId=x on eth2: no issVlan, and the bridge filters VLANs"],
    repairs: 3,
    lastDrift: { at: "2026-12-02T09:59:00.000Z", commands: ["bridge vlan add dev eth1 vid 150"] },
    updates: 5,
    lastApply: null,
  });
  t.is(
    line,
    "  switch: br0 differs from the config, 4094 VLANs (8188 memberships), 1001 permanent groups (12 from streams, " +
      "1 streams unplaced); drift repairs 3 (last 2026-12-02T09:59:00.000Z: bridge vlan add dev eth1 vid 150); updates 5",
  );
});
