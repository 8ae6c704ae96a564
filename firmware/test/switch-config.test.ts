// The `switch` config section: a valid section loads with its defaults, VLAN lists expand, and every kind of
// mistake is reported with its field path.
import test from "ava";
import { parseConfig } from "../src/config/load.js";
import { expandVlans } from "../src/config/switch-schema.js";

const base = `
node: { name: b1, id: 1, role: sm }
network: { interface: br0.10, address: 10.77.0.1 }
rmtp: { group: 239.192.77.1, keys: [{ id: 1, secret: ${"ab".repeat(32)} }], sendKeyId: 1 }
`;

function load(section: string) {
  return parseConfig(`${base}switch:\n${section}`, "/");
}

function errors(section: string): string[] {
  const r = load(section);
  return r.ok ? [] : r.errors.map((e) => `${e.path.replace(/^switch\./, "")}: ${e.message}`);
}

test("a VLAN switch section loads with its defaults", (t) => {
  const r = load(`
  vlanFiltering: true
  serviceVlan: 10
  ports:
    - { name: eth1, pvid: 10, tagged: [20, "100-102"], serviceMembers: true }
    - { name: eth2, untagged: [10], multicastRouter: permanent }
  interfaces: [{ vlan: 10, addresses: [10.77.0.1/24] }]
  multicast: { querier: true, igmpVersion: 3, groups: [{ group: 239.1.2.3, vlan: 20, ports: [eth1] }] }
`);
  if (!r.ok) return t.fail(JSON.stringify(r.errors));
  const s = r.value.config.switch!;
  t.is(s.bridge, "br0");
  t.is(s.ports[0]?.multicastRouter, "auto");
  t.is(s.ports[1]?.serviceMembers, false);
  t.deepEqual(s.bridgeVlans, { untagged: [], tagged: [] });
  t.like(s.multicast, { snooping: true, querier: true, igmpVersion: 3, mldVersion: 1 });
  t.deepEqual(expandVlans(s.ports[0]?.tagged ?? []), [20, 100, 101, 102]);
});

test("a switch without VLANs needs none of the VLAN fields", (t) => {
  t.deepEqual(errors(`  ports: [{ name: eth1, serviceMembers: true }, { name: eth2 }]\n`), []);
});

test("every mistake is reported with its field path", (t) => {
  const found = errors(`
  ports:
    - { name: eth1, pvid: 10, tagged: ["30-20", 5000] }
    - { name: eth1, untagged: [7], tagged: [7] }
    - { name: br0 }
  interfaces: [{ vlan: 10 }]
  multicast: { groups: [{ group: 224.0.0.18, ports: [eth1] }, { group: 239.1.1.1, vlan: 3, ports: [eth9] }] }
`);
  t.deepEqual(
    found.sort(),
    [
      "interfaces[0]: 802.1Q interfaces need switch.vlanFiltering: true",
      "multicast.groups[0].group: must be an IPv4 multicast group outside 224.0.0.0/24 or an IPv6 multicast group of scope 3 or wider (the bridge floods link-local groups and refuses MDB entries for them)",
      "multicast.groups[1].ports[0]: eth9 is not one of switch.ports",
      "multicast.groups[1].vlan: needs switch.vlanFiltering: true",
      "ports[0]: VLAN membership needs switch.vlanFiltering: true",
      "ports[1]: VLAN membership needs switch.vlanFiltering: true",
      "ports[1].tagged: VLAN 7 is also listed as untagged",
      "ports[0].tagged[0]: a range needs 1 <= FIRST <= LAST <= 4094",
      "ports[0].tagged[1]: Too big: expected number to be <=4094",
      "ports[1].name: port eth1 is listed twice",
      "ports[2].name: the bridge cannot be its own port",
    ].sort(),
  );
});

test("cross-field rules of a VLAN-filtering bridge carry their paths", (t) => {
  const found = errors(`
  vlanFiltering: true
  ports:
    - { name: eth1, untagged: [7], tagged: [7], serviceMembers: true }
    - { name: eth2, pvid: 10 }
  interfaces: [{ vlan: 10, name: averyveryverylongname }, { vlan: 11, name: eth2 }]
  multicast: { groups: [{ group: 239.1.1.1, ports: [eth1] }, { group: 239.1.1.2, vlan: 10, ports: [eth2, eth1] }] }
`);
  t.deepEqual(
    found.sort(),
    [
      "interfaces[0].name: must be a Linux interface name",
      "interfaces[1]: interface name eth2 is already used",
      "multicast.groups[0].vlan: a VLAN-filtering bridge needs the group's VLAN",
      "multicast.groups[1].ports[1]: port eth1 is not a member of VLAN 10",
      "ports[0].tagged: VLAN 7 is also listed as untagged",
      "serviceVlan: serviceMembers ports on a VLAN-filtering bridge need the service LAN's VLAN",
    ].sort(),
  );
});

test("a switch section without ports takes the named board's ports, never its DSA conduit", (t) => {
  const ports = (board: string): string[] => {
    const r = parseConfig(
      `${base}board: { name: ${board} }\nswitch: { multicast: { querier: true } }\n`,
      "/",
    );
    return r.ok ? r.value.config.switch!.ports.map((p) => `${p.name}:${p.multicastRouter}`) : [];
  };
  t.deepEqual(ports("cm4-ksz9477"), ["lan1:auto", "lan2:auto", "lan3:auto", "lan4:auto", "lan5:auto"]);
  t.deepEqual(ports("rpi4b"), ["eth0:auto"]);
});

test("the board's conduit as a switch port, an unknown board and a switch without ports or board are errors", (t) => {
  const errorsOf = (text: string): string[] => {
    const r = parseConfig(`${base}${text}`, "/");
    return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
  };
  t.deepEqual(
    errorsOf(`board: { name: cm4-ksz9477 }\nswitch: { ports: [{ name: lan1 }, { name: eth0 }] }\n`),
    [
      "switch.ports[1].name: eth0 is the DSA conduit (the switch chip's CPU port) of board cm4-ksz9477; bridge its ports lan1, lan2, lan3, lan4, lan5 instead",
    ],
  );
  t.deepEqual(errorsOf(`board: { name: rpi4b }\nswitch: { ports: [{ name: eth0 }, { name: eth1 }] }\n`), []);
  const unknown = errorsOf(`board: { name: rpi9 }\nswitch: {}\n`);
  t.is(unknown.length, 1);
  t.regex(unknown[0]!, /^board\.name: no board file rpi9\.yaml \(known boards: .*rpi4b.*\)$/);
  t.deepEqual(errorsOf(`switch: { bridge: br0 }\n`), [
    "switch.ports: is required unless board.name names the board (the switch then takes the board's ports)",
  ]);
});
