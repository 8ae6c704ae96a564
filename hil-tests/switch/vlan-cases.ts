// The switch's VLAN tests, run inside the full-kernel VM (vlan-vm.test.ts boots it once for all of them):
// in the VM's own network namespace, with nrt-named links deleted after each case, the reconciler applies
// per-port VLANs (PVID, untagged, tagged ranges), the bridge's own VLANs, an 802.1Q interface with an
// address and per-VLAN groups, cross-checked with `bridge -j -compressvlans vlan show`, `bridge -j mdb show` and
// `ip -j -d addr show`; applies nothing the second time; repairs VLAN and address drift within 1 s of the
// drift (timed from the manager's own log, not by polling); and programs all 4094 VLANs on two ports as
// ranges.
import assert from "node:assert/strict";
import { switchSchema } from "../../firmware/src/config/switch-schema.js";
import { Logger } from "../../firmware/src/log/logger.js";
import type { Change } from "../../firmware/src/switch/core/changes.js";
import { toRequest } from "../../firmware/src/switch/core/requests.js";
import { readSnapshot } from "../../firmware/src/switch/io/read.js";
import { desiredState } from "../../firmware/src/switch/core/desired.js";
import type { SwitchState } from "../../firmware/src/switch/core/model.js";
import { applyState, planState } from "../../firmware/src/switch/io/apply.js";
import { SwitchManager } from "../../firmware/src/switch/io/manager.js";
import { NetlinkSession } from "../../firmware/src/switch/io/session.js";
import {
  addPorts,
  ipr,
  iprJson,
  LogWatch,
  nrtName,
  permanentGroups,
  until,
  type TimedRecord,
} from "./fixture.js";

export interface VlanCase {
  name: string;
  run(log: (line: string) => void): Promise<void>;
}

interface VlanJson {
  ifname: string;
  vlans: Array<{ vlan: number; vlanEnd?: number; flags?: string[] }>;
}

/** `bridge -j -compressvlans vlan show` as "dev vid[-end] [PVID] [Egress Untagged]" lines. */
async function vlanLines(): Promise<string[]> {
  const out = await iprJson<VlanJson[]>(null, "bridge", ["-compressvlans", "vlan", "show"]);
  return out
    .filter((d) => d.ifname.startsWith("nrt"))
    .flatMap((d) =>
      d.vlans.map((v) =>
        [d.ifname, v.vlanEnd ? `${v.vlan}-${v.vlanEnd}` : `${v.vlan}`, ...(v.flags ?? [])].join(" "),
      ),
    )
    .sort();
}

async function withLinks(body: (prefix: string, ports: string[]) => Promise<void>): Promise<void> {
  const prefix = nrtName();
  const ports = await addPorts(null, prefix, 2);
  try {
    await body(prefix, ports);
  } finally {
    const links = await iprJson<Array<{ ifname: string }>>(null, "ip", ["link", "show"]);
    for (const l of links.filter((x) => x.ifname.startsWith(prefix) && !x.ifname.includes("q"))) {
      await ipr(null, "ip", ["link", "del", l.ifname]).catch(() => undefined);
    }
  }
}

function desiredFor(prefix: string, ports: string[]): SwitchState {
  const [p1, p2] = ports as [string, string];
  const sw = switchSchema.parse({
    bridge: `${prefix}br`,
    vlanFiltering: true,
    serviceVlan: 10,
    ports: [
      { name: p1, pvid: 10, tagged: [20, "100-199"], serviceMembers: true },
      { name: p2, untagged: [10], tagged: [20] },
    ],
    interfaces: [{ vlan: 10, name: `${prefix}v10`, addresses: ["10.77.0.1/24"] }],
    multicast: { groups: [{ group: "239.1.1.1", vlan: 20, ports: [p2] }] },
  });
  return desiredState(sw, "239.192.77.1");
}

/**
 * Another hand's changes, sent in one datagram without a process to spawn, so the time they were made is
 * known: performance.now() just before the send. Throws when the kernel refuses one.
 */
async function drift(session: NetlinkSession, changes: Change[]): Promise<number> {
  const links = new Map((await readSnapshot(session, false)).links.map((l) => [l.name, l.index]));
  const index = (name: string): number => links.get(name) ?? assert.fail(`no link ${name}`);
  const requests = changes.map((c) => toRequest(c, index));
  const sent = performance.now();
  const acks = await session.batch(requests);
  assert.deepEqual(
    acks.map((a) => a.errno),
    changes.map(() => 0),
  );
  return sent;
}

async function withSession<T>(body: (s: NetlinkSession) => Promise<T>): Promise<T> {
  const session = new NetlinkSession();
  try {
    return await body(session);
  } finally {
    session.close();
  }
}

export const vlanCases: VlanCase[] = [
  {
    name: "VLANs, an 802.1Q interface with its address and per-VLAN groups, as iproute2 shows them",
    run: (log) =>
      withLinks(async (prefix, [p1, p2]) => {
        const report = await withSession((s) => applyState(s, desiredFor(prefix, [p1!, p2!])));
        log(`applied ${report.results.length} changes in ${report.durationMs.toFixed(0)} ms`);
        assert.ok(report.ok, JSON.stringify(report));
        assert.deepEqual(
          await vlanLines(),
          [
            `${p1} 10 PVID Egress Untagged`,
            `${p1} 100-199`,
            `${p1} 20`,
            `${p2} 10 Egress Untagged`,
            `${p2} 20`,
            `${prefix}br 10`,
          ].sort(),
        );
        assert.deepEqual(await permanentGroups(null, `${prefix}br`), [
          `${p1} 239.192.77.1 10`,
          `${p2} 239.1.1.1 20`,
        ]);
        const [iface] = await iprJson<
          Array<{
            link: string;
            linkinfo: { info_data: { id: number } };
            addr_info: Array<{ local: string; prefixlen: number }>;
          }>
        >(null, "ip", ["-d", "addr", "show", "dev", `${prefix}v10`]);
        assert.equal(iface?.link, `${prefix}br`);
        assert.equal(iface?.linkinfo.info_data.id, 10);
        assert.deepEqual(
          iface?.addr_info.filter((a) => a.local.includes(".")).map((a) => `${a.local}/${a.prefixlen}`),
          ["10.77.0.1/24"],
        );
      }),
  },
  {
    name: "the same VLAN state applied twice changes nothing",
    run: (log) =>
      withLinks(async (prefix, ports) => {
        const desired = desiredFor(prefix, ports);
        await withSession(async (s) => {
          assert.ok((await applyState(s, desired)).ok);
          const again = await applyState(s, desired);
          log(`no-op apply in ${again.durationMs.toFixed(1)} ms`);
          assert.deepEqual(again.results, []);
          assert.deepEqual((await planState(s, desired)).changes, []);
        });
      }),
  },
  {
    name: "VLAN, PVID and address drift is repaired within 1 s and logged",
    run: (log) =>
      withLinks(async (prefix, [p1, p2]) => {
        const watch = new LogWatch();
        const manager = new SwitchManager(desiredFor(prefix, [p1!, p2!]), new Logger("switch", watch.sink));
        try {
          assert.ok((await manager.start()).ok);
          const want = await vlanLines();
          const from = watch.records.length;
          const sent = await withSession((s) =>
            drift(s, [
              { op: "vlan-del", dev: p1!, self: false, vlans: [{ vid: 150, pvid: false, untagged: false }] },
              { op: "vlan-add", dev: p2!, self: false, vlans: [{ vid: 20, pvid: true, untagged: true }] },
              { op: "addr-del", link: `${prefix}v10`, cidr: "10.77.0.1/24" },
            ]),
          );
          const repaired = (r: TimedRecord) => r.event === "switch-repaired" && (r.changes as number) > 0;
          await watch.waitFor(from, repaired, 20_000);
          await until("the repaired state in iproute2", 20_000, async () => {
            const addrs = await iprJson<Array<{ addr_info: Array<{ local: string }> }>>(null, "ip", [
              "addr",
              "show",
              "dev",
              `${prefix}v10`,
            ]);
            const hasAddr = addrs[0]?.addr_info.some((a) => a.local === "10.77.0.1") ?? false;
            return hasAddr && JSON.stringify(await vlanLines()) === JSON.stringify(want);
          });
          const repairs = watch.records.slice(from).filter(repaired);
          const last = repairs[repairs.length - 1]!;
          const ms = last.at - sent;
          log(
            `repaired ${ms.toFixed(0)} ms after the drift was sent (${repairs.length} repair(s), ` +
              `${String(last.sinceNoticedMs)} ms after the first notification)`,
          );
          assert.ok(ms <= 1000, `repaired ${ms.toFixed(0)} ms after the drift, over 1 s`);
          const commands = watch.records
            .filter((r) => r.event === "switch-drift")
            .flatMap((r) => r.commands as string[]);
          assert.ok(commands.includes(`bridge vlan add dev ${p1} vid 150`), commands.join("\n"));
          assert.ok(commands.includes(`bridge vlan add dev ${p2} vid 20`), commands.join("\n"));
          assert.ok(commands.includes(`ip addr add 10.77.0.1/24 dev ${prefix}v10`), commands.join("\n"));
        } finally {
          manager.close();
        }
      }),
  },
  {
    name: "all 4094 VLANs on two ports go in as ranges",
    run: (log) =>
      withLinks(async (prefix, [p1, p2]) => {
        const sw = switchSchema.parse({
          bridge: `${prefix}br`,
          vlanFiltering: true,
          ports: [
            { name: p1, tagged: ["1-4094"] },
            { name: p2, tagged: ["1-4094"] },
          ],
        });
        const desired = desiredState(sw, "239.192.77.1");
        await withSession(async (s) => {
          const report = await applyState(s, desired);
          assert.ok(report.ok, JSON.stringify(report.results.filter((r) => r.error)));
          log(`4094 VLANs on 2 ports in ${report.durationMs.toFixed(0)} ms`);
          assert.deepEqual(
            (await vlanLines()).filter((l) => !l.startsWith(`${prefix}br`)),
            [`${p1} 1-4094`, `${p2} 1-4094`],
          );
          assert.deepEqual((await planState(s, desired)).changes, []);
        });
      }),
  },
];
