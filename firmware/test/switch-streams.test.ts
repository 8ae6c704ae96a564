// Stream groups from directory entries without a kernel or a directory: which content locations give which
// MDB entries (served states, engines by cn in any case, VLANs on a VLAN-filtering bridge), the streams that
// cannot be placed and why, the table kept from writes, the desired state with them, and the config's
// check that an engine sits behind one port only.
import test from "ava";
import { switchSchema } from "../src/config/switch-schema.js";
import { desiredState, withGroups } from "../src/switch/core/desired.js";
import { entryGroups, StreamGroupTable, streamPlacement } from "../src/switch/core/stream-groups.js";
import type { Entry } from "../src/directory/model/types.js";

const suffix = "dc=lan1,dc=iss,dc=example";
const flat = switchSchema.parse({
  ports: [
    { name: "eth1", engines: ["se-stream1"] },
    { name: "eth2", engines: ["SE-Stream2"] },
    { name: "eth3" },
  ],
});
const vlans = switchSchema.parse({
  vlanFiltering: true,
  ports: [
    { name: "eth1", tagged: [110], engines: ["se-stream1"] },
    { name: "eth2", pvid: 20, engines: ["se-stream2"] },
  ],
});

function location(attrs: Record<string, string | string[]>): Entry {
  const attributes: Record<string, string[]> = {
    objectClass: ["top", "issContentLocation"],
    issContentId: ["rtsp://stream.lan1.example/live/news"],
    issServerKind: ["stream"],
    issContentState: ["active"],
    issStreamGroup: ["239.192.78.11"],
  };
  for (const [k, v] of Object.entries(attrs)) attributes[k] = Array.isArray(v) ? v : [v];
  return { dn: `issContentId=rtsp://stream.lan1.example/live/news,ou=content,${suffix}`, attributes };
}
const server = (cn: string): string => `cn=${cn},ou=engines,${suffix}`;

test("each served stream's group goes to the ports of its engines, by cn in any case", (t) => {
  const e = location({
    issContentServer: [server("se-stream1"), "CN=se-stream2, ou=engines," + suffix, server("se-far")],
  });
  t.deepEqual(entryGroups(e, streamPlacement(flat)), {
    groups: [
      { port: "eth1", group: "239.192.78.11", vid: 0 },
      { port: "eth2", group: "239.192.78.11", vid: 0 },
    ],
    unplaced: [],
  });
  const stale = location({ issContentServer: server("se-stream1"), issContentState: "STALE" });
  t.is(entryGroups(stale, streamPlacement(flat)).groups.length, 1, "a stale stream keeps its entry");
});

test("withdrawn streams, entries without a group and other classes give nothing", (t) => {
  const placement = streamPlacement(flat);
  const none = { groups: [], unplaced: [] };
  t.deepEqual(
    entryGroups(
      location({ issContentServer: server("se-stream1"), issContentState: "withdrawn" }),
      placement,
    ),
    none,
  );
  const noGroup = location({ issContentServer: server("se-stream1") });
  delete noGroup.attributes.issStreamGroup;
  t.deepEqual(entryGroups(noGroup, placement), none);
  const engine: Entry = {
    dn: server("se-stream1"),
    attributes: { objectClass: ["issServiceEngine"], cn: ["se-stream1"] },
  };
  t.deepEqual(entryGroups(engine, placement), none);
  t.deepEqual(entryGroups(location({ issContentServer: "not a dn" }), placement), none);
});

test("on a VLAN-filtering bridge a stream needs its issVlan, and the port must be a member", (t) => {
  const placement = streamPlacement(vlans);
  const both = [server("se-stream1"), server("se-stream2")];
  t.deepEqual(entryGroups(location({ issContentServer: both, issVlan: "110" }), placement).groups, [
    { port: "eth1", group: "239.192.78.11", vid: 110 },
  ]);
  t.deepEqual(entryGroups(location({ issContentServer: both, issVlan: "110" }), placement).unplaced, [
    `239.192.78.11 of issContentId=rtsp://stream.lan1.example/live/news,ou=content,${suffix} on eth2: the port is not a member of VLAN 110`,
  ]);
  t.regex(entryGroups(location({ issContentServer: both }), placement).unplaced[0] ?? "", /no issVlan/);
  t.regex(
    entryGroups(location({ issContentServer: both, issStreamGroup: "224.0.0.251", issVlan: "20" }), placement)
      .unplaced[0] ?? "",
    /link-local/,
  );
});

test("the table follows writes and refreshes; the desired state carries its groups once", (t) => {
  const table = new StreamGroupTable(streamPlacement(flat));
  table.reset([
    { key: "a", entry: location({ issContentServer: server("se-stream1") }) },
    {
      key: "b",
      entry: location({
        issContentServer: [server("se-stream1"), server("se-stream2")],
        issStreamGroup: "239.192.78.12",
      }),
    },
  ]);
  t.is(table.groups().length, 3);
  table.set("a", location({ issContentServer: server("se-stream1"), issStreamGroup: "239.192.78.12" }));
  t.deepEqual(
    table.groups().map((g) => `${g.port} ${g.group}`),
    ["eth1 239.192.78.12", "eth2 239.192.78.12"],
    "the same group from two entries is one MDB entry",
  );
  table.set("b", undefined);
  t.deepEqual(
    table.groups().map((g) => `${g.port} ${g.group}`),
    ["eth1 239.192.78.12"],
  );
  table.reset([]);
  t.deepEqual(table.groups(), []);

  const withService = switchSchema.parse({
    ports: [{ name: "eth1", serviceMembers: true, engines: ["se-stream1"] }],
  });
  const base = desiredState(withService, "239.192.77.1");
  const desired = withGroups(base, [
    { port: "eth1", group: "239.192.77.1", vid: 0 },
    { port: "eth1", group: "239.192.78.11", vid: 0 },
  ]);
  t.deepEqual(
    desired.groups.map((g) => g.group),
    ["239.192.77.1", "239.192.78.11"],
  );
  t.deepEqual(base.groups.length, 1, "the base state is left as it was");
});

test("the config refuses an engine behind two ports", (t) => {
  const r = switchSchema.safeParse({
    ports: [
      { name: "eth1", engines: ["se-1"] },
      { name: "eth2", engines: ["SE-1"] },
    ],
  });
  t.false(r.success);
  t.deepEqual(
    r.error?.issues.map((i) => [i.path.join("."), i.message]),
    [["ports.1.engines.0", "engine SE-1 is also behind port eth1"]],
  );
});
