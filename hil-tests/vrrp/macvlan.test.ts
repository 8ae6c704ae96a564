// The VRRP service address on a macvlan made through rtnetlink, in real namespaces: the device has the
// virtual MAC and the virtual IP and is up, a peer pings the virtual IP and learns the virtual MAC (not
// the parent's), a second create fails with EEXIST, and deleting removes it. Prepared ahead of a takeover,
// the device is down with no address and sends nothing until activated. Checked with `ip -j` and ping.
import test from "ava";
import { ipJson, run, systemTool, inNetns } from "../lab/netns.js";
import { canBuildLab, privilegeMessage } from "../lab/privileges.js";
import type { MacvlanMode, VirtualAddressDevice } from "../../firmware/src/vrrp/io/macvlan.js";
import { AgentClient, AgentError } from "./agent-client.js";
import { netnsPair } from "./netns-pair.js";

const root = canBuildLab() ? test.serial : test.skip;
if (!canBuildLab()) test.todo(privilegeMessage);

interface Link {
  ifname: string;
  address: string;
  flags: string[];
  linkinfo?: { info_kind: string; info_data?: { mode?: string } };
}
interface Addr {
  ifname: string;
  addr_info: Array<{ family: string; local: string; prefixlen: number }>;
}
interface Neigh {
  dst: string;
  lladdr?: string;
}

for (const mode of ["private", "bridge"] as MacvlanMode[]) {
  root(`macvlan (${mode}) with the virtual MAC and address comes up, answers a peer, and goes`, async (t) => {
    const { a, b } = await netnsPair(t);
    const virtualIp = a.address.replace(/\.1$/, ".100");
    const device: VirtualAddressDevice = {
      name: "vrrp42",
      parent: "eth0",
      vrid: 42,
      address: virtualIp,
      prefixLength: 32,
      mode,
    };
    const agent = new AgentClient(t, a.ns);
    await agent.request({ op: "macvlan-up", device });

    const [link] = await ipJson<Link[]>(a.ns, ["-d", "link", "show", "vrrp42"]);
    t.like(link, {
      ifname: "vrrp42",
      address: "00:00:5e:00:01:2a",
      linkinfo: { info_kind: "macvlan", info_data: { mode } },
    });
    t.true(link!.flags.includes("UP"));
    const [addr] = await ipJson<Addr[]>(a.ns, ["addr", "show", "vrrp42"]);
    t.deepEqual(
      addr!.addr_info.filter((i) => i.family === "inet").map((i) => `${i.local}/${i.prefixlen}`),
      [`${virtualIp}/32`],
    );

    await run(inNetns(b.ns, [systemTool("ping"), "-c", "1", "-W", "2", virtualIp]));
    const neighbours = await ipJson<Neigh[]>(b.ns, ["neigh", "show", "dev", "eth0"]);
    t.is(neighbours.find((n) => n.dst === virtualIp)?.lladdr, "00:00:5e:00:01:2a");

    const again = await t.throwsAsync(agent.request({ op: "macvlan-up", device }), {
      instanceOf: AgentError,
    });
    t.is(again.code, "EEXIST");
    t.regex(
      again.message,
      /create macvlan \(name vrrp42, parent eth0, mac 00:00:5e:00:01:2a, mode \w+\): EEXIST/,
    );

    await agent.request({ op: "macvlan-down", device });
    t.deepEqual(await ipJson<Link[]>(a.ns, ["link", "show", "type", "macvlan"]), []);
  });
}

root("a prepared macvlan is down, has no address and does not answer; activate brings up both", async (t) => {
  const { a, b } = await netnsPair(t);
  const virtualIp = a.address.replace(/\.1$/, ".101");
  const device: VirtualAddressDevice = {
    name: "vrrp43",
    parent: "eth0",
    vrid: 43,
    address: virtualIp,
    prefixLength: 32,
  };
  const agent = new AgentClient(t, a.ns);
  const index = (await agent.request({ op: "macvlan-prepare", device })) as number;
  const [down] = await ipJson<Link[]>(a.ns, ["-d", "link", "show", "vrrp43"]);
  t.like(down, { ifname: "vrrp43", address: "00:00:5e:00:01:2b" });
  t.false(down!.flags.includes("UP"));
  const [bare] = await ipJson<Addr[]>(a.ns, ["addr", "show", "vrrp43"]);
  t.deepEqual(bare!.addr_info, []);
  await t.throwsAsync(run(inNetns(b.ns, [systemTool("ping"), "-c", "1", "-W", "1", virtualIp])));

  await agent.request({ op: "macvlan-activate", device, index });
  const [up] = await ipJson<Link[]>(a.ns, ["link", "show", "vrrp43"]);
  t.true(up!.flags.includes("UP"));
  await run(inNetns(b.ns, [systemTool("ping"), "-c", "1", "-W", "2", virtualIp]));
  const neighbours = await ipJson<Neigh[]>(b.ns, ["neigh", "show", "dev", "eth0"]);
  t.is(neighbours.find((n) => n.dst === virtualIp)?.lladdr, "00:00:5e:00:01:2b");
  await agent.request({ op: "macvlan-down", device });
});

root("a macvlan on a parent that does not exist fails with ENODEV and the parent's name", async (t) => {
  const { a } = await netnsPair(t);
  const agent = new AgentClient(t, a.ns);
  const device = { name: "vrrp9", parent: "eth9", vrid: 9, address: "10.78.0.9", prefixLength: 32 };
  const err = await t.throwsAsync(agent.request({ op: "macvlan-up", device }), { instanceOf: AgentError });
  t.is(err.code, "ENODEV");
  t.regex(err.message, /name eth9/);
});
