// The switch on this machine's kernel (no VLAN filtering, no 8021q: VLANs are tested in the VM,
// vlan-vm.test.ts): `iss net apply` in a fresh namespace builds the bridge, its ports, the querier, router
// ports and permanent groups (the RMTP group on service member ports), cross-checked with iproute2's JSON;
// a second apply changes nothing; drift (a deleted group, a port released, a port down) is repaired
// within 1 s of its first notification (the daemon's log says when) and logged; a failed apply rolls back
// to the previous state and names what failed.
import test, { type ExecutionContext } from "ava";
import { execFile, spawn } from "node:child_process";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { canBuildLab, privilegeMessage } from "../lab/privileges.js";
import { inNetns } from "../lab/netns.js";
import {
  addNamespace,
  addPorts,
  deleteNamespace,
  ipr,
  iprJson,
  nrtName,
  permanentGroups,
  until,
} from "./fixture.js";

const iss = fileURLToPath(new URL("../../firmware/src/cli/iss.js", import.meta.url));
const secret = "ab".repeat(32);

interface Fixture {
  ns: string;
  bridge: string;
  ports: string[];
  config: string;
}

async function fixture(t: ExecutionContext, ports: string[] | null, extra = ""): Promise<Fixture> {
  const ns = nrtName();
  const dir = mkdtempSync(join(tmpdir(), `${ns}-`));
  t.teardown(async () => {
    await deleteNamespace(ns);
    rmSync(dir, { recursive: true, force: true });
  });
  await addNamespace(ns);
  const made = await addPorts(ns, ns, 3);
  const names = ports ?? made;
  const bridge = `${ns}br`;
  const config = join(dir, "iss.yaml");
  writeFileSync(
    config,
    `node: { name: b1, id: 1, role: sm }
network: { interface: ${bridge}, address: 10.77.0.1 }
rmtp: { group: 239.192.77.1, keys: [{ id: 1, secret: ${secret} }], sendKeyId: 1 }
switch:
  bridge: ${bridge}
  ports:
    - { name: ${names[0]}, serviceMembers: true, multicastRouter: permanent }
    - { name: ${names[1]}, serviceMembers: true }
    - { name: ${names[2]}, multicastRouter: disabled }
  multicast:
    querier: true
    igmpVersion: 3
    mldVersion: 2
    groups: [{ group: 239.1.2.3, ports: [${names[1]}, ${names[2]}] }, { group: "ff0e::77", ports: [${names[2]}] }]
${extra}`,
  );
  return { ns, bridge, ports: names, config };
}

/** `iss net ARGS -c CONFIG` in the fixture's namespace: exit code and stdout. */
function net(f: Fixture, args: string[], config = f.config): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const [file, ...rest] = inNetns(f.ns, [process.execPath, iss, "net", ...args, "-c", config]);
    execFile(file ?? "ip", rest, (err, stdout) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout }),
    );
  });
}

if (!canBuildLab()) test.skip(`switch on this kernel (${privilegeMessage})`, () => undefined);
else {
  test("apply builds the bridge, ports, querier, router ports and groups; iproute2 sees them", async (t) => {
    const f = await fixture(t, null);
    const applied = await net(f, ["apply", "--json"]);
    t.is(applied.code, 0, applied.stdout);
    const [p1, p2, p3] = f.ports as [string, string, string];
    t.deepEqual(await permanentGroups(f.ns, f.bridge), [
      `${p1} 239.192.77.1 0`,
      `${p2} 239.1.2.3 0`,
      `${p2} 239.192.77.1 0`,
      `${p3} 239.1.2.3 0`,
      `${p3} ff0e::77 0`,
    ]);
    const [br] = await iprJson<Array<{ flags: string[]; linkinfo: { info_data: Record<string, number> } }>>(
      f.ns,
      "ip",
      ["-d", "link", "show", f.bridge],
    );
    t.true(br?.flags.includes("UP"));
    t.like(br?.linkinfo.info_data, {
      mcast_snooping: 1,
      mcast_querier: 1,
      mcast_igmp_version: 3,
      mcast_mld_version: 2,
    });
    const links = await iprJson<Array<{ ifname: string; master?: string; flags: string[] }>>(f.ns, "ip", [
      "link",
      "show",
    ]);
    for (const p of f.ports)
      t.like(
        links.find((l) => l.ifname === p),
        { master: f.bridge },
      );
    const brports = await iprJson<
      Array<{ ifname: string; multicast_router?: number; mcast_router?: number }>
    >(f.ns, "bridge", ["-d", "link", "show"]);
    const router = (p: string) => {
      const l = brports.find((x) => x.ifname === p);
      return l?.multicast_router ?? l?.mcast_router;
    };
    t.deepEqual([router(p1), router(p2), router(p3)], [2, 1, 0]);
  });

  test("applying the same state twice changes nothing; diff then prints nothing and exits 0", async (t) => {
    const f = await fixture(t, null);
    t.is((await net(f, ["apply"])).code, 0);
    const second = JSON.parse((await net(f, ["apply", "--json"])).stdout) as {
      ok: boolean;
      results: unknown[];
    };
    t.true(second.ok);
    t.deepEqual(second.results, []);
    t.deepEqual(await net(f, ["diff"]), { code: 0, stdout: "" });
    const shown = await net(f, ["show"]);
    t.regex(shown.stdout, new RegExp(`dev ${f.bridge} port ${f.ports[0]} grp 239.192.77.1 permanent`));
  });

  test("drift is repaired within 1 s and logged with the changes made", async (t) => {
    const f = await fixture(t, null);
    const child = spawn("ip", [
      "netns",
      "exec",
      f.ns,
      process.execPath,
      iss,
      "net",
      "apply",
      "--watch",
      "-c",
      f.config,
    ]);
    t.teardown(() => void child.kill("SIGTERM"));
    let log = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (log += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (log += s));
    t.teardown(() => {
      if (!t.passed) t.log(`daemon log:\n${log.slice(-6000)}`);
    });
    await until("first apply", 10_000, () => Promise.resolve(log.includes("switch-applied")));
    const want = await permanentGroups(f.ns, f.bridge);
    const [p1, p2, p3] = f.ports as [string, string, string];
    await ipr(f.ns, "bridge", ["mdb", "del", "dev", f.bridge, "port", p2, "grp", "239.1.2.3"]);
    await ipr(f.ns, "ip", ["link", "set", p3, "nomaster"]);
    await ipr(f.ns, "ip", ["link", "set", p1, "down"]);
    const ms = await until("repair", 20_000, async () => {
      const links = await iprJson<Array<{ ifname: string; master?: string; flags: string[] }>>(f.ns, "ip", [
        "link",
        "show",
      ]);
      const ok = (p: string) => links.find((l) => l.ifname === p)?.master === f.bridge;
      const up = links.find((l) => l.ifname === p1)?.flags.includes("UP") ?? false;
      return ok(p3) && up && JSON.stringify(await permanentGroups(f.ns, f.bridge)) === JSON.stringify(want);
    });
    const count = (event: string): number => log.split(`"${event}"`).length - 1;
    await until("a repair logged for each drift", 20_000, () =>
      Promise.resolve(count("switch-repaired") > 0 && count("switch-repaired") === count("switch-drift")),
    );
    const records = log
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { event: string; commands?: string[]; sinceNoticedMs?: number });
    const latencies = records
      .filter((r) => r.event === "switch-repaired")
      .map((r) => r.sinceNoticedMs ?? NaN);
    t.log(
      `repairs ${latencies.join(", ")} ms after their first notification; seen by iproute2 polls in ${ms.toFixed(0)} ms`,
    );
    t.true(
      latencies.every((x) => x <= 1000),
      `the daemon's log: repairs ${latencies.join(", ")} ms after the drift was noticed`,
    );
    const drift = records.filter((r) => r.event === "switch-drift").flatMap((r) => r.commands ?? []);
    /* Its groups go before the port leaves the bridge: a repair may see that half and log the groups. */
    t.true(
      drift.some((c) => c === `ip link set ${p3} master ${f.bridge}` || c.includes(`port ${p3} grp`)),
      drift.join("\n"),
    );
    t.true(
      drift.includes(`bridge mdb add dev ${f.bridge} port ${p2} grp 239.1.2.3 permanent`),
      drift.join("\n"),
    );
  });

  test("a failed apply rolls back to the previous state and names the failed change", async (t) => {
    const f = await fixture(t, null);
    const bad = await fixture(t, ["lo", f.ports[1]!, f.ports[2]!]);
    const r = await net(f, ["apply", "--json"], bad.config);
    t.is(r.code, 1);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      results: Array<{ commands: string[]; error?: string }>;
      rollback?: { restored: boolean; remaining: unknown[] };
    };
    t.false(report.ok);
    t.deepEqual(
      report.results.filter((x) => x.error).map((x) => x.commands[0]),
      [`ip link set lo master ${bad.bridge}`],
    );
    t.deepEqual(report.rollback, { restored: true, remaining: [] });
    const links = await iprJson<Array<{ ifname: string; master?: string }>>(f.ns, "ip", ["link", "show"]);
    t.false(
      links.some((l) => l.ifname === f.bridge),
      "the bridge created by the failed apply is gone",
    );
    t.false(
      links.some((l) => l.master !== undefined),
      "no port is left in a bridge",
    );
  });
}
