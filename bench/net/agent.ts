// Runs inside the benchmark's namespace (or the test VM): programs one bulk state with the switch
// reconciler and with iproute2's `bridge -batch` on fresh links, a no-op reconcile, and a drift repair, and
// prints one `NRT-BENCH {json}` line. Modes: `mdb` (1,000 groups on 8 ports), `vlan` (4094 VLANs on 2 ports).
import { rmSync, writeFileSync } from "node:fs";
import { switchSchema } from "../../firmware/src/config/switch-schema.js";
import { Logger } from "../../firmware/src/log/logger.js";
import { desiredState } from "../../firmware/src/switch/core/desired.js";
import { applyState, planState } from "../../firmware/src/switch/io/apply.js";
import { SwitchManager } from "../../firmware/src/switch/io/manager.js";
import { NetlinkSession } from "../../firmware/src/switch/io/session.js";
import { addPorts, ipr, nrtName, permanentGroups, until } from "../../hil-tests/switch/fixture.js";
import { run, systemTool } from "../../hil-tests/lab/netns.js";

const mode = process.argv[2] === "vlan" ? "vlan" : "mdb";
const portCount = mode === "vlan" ? 2 : 8;
const groupCount = 1000;

function groupOf(i: number): string {
  return `239.10.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

async function freshBridge(prefix: string, ports: string[]): Promise<void> {
  await ipr(null, "ip", [
    "link",
    "add",
    `${prefix}br`,
    "type",
    "bridge",
    ...(mode === "vlan" ? ["vlan_filtering", "1"] : []),
  ]);
  for (const p of ports) await ipr(null, "ip", ["link", "set", p, "master", `${prefix}br`, "up"]);
  await ipr(null, "ip", ["link", "set", `${prefix}br`, "up"]);
}

async function cleanup(prefix: string, ports: string[]): Promise<void> {
  await ipr(null, "ip", ["link", "del", `${prefix}br`]).catch(() => undefined);
  for (const p of ports) await ipr(null, "ip", ["link", "del", p]).catch(() => undefined);
}

const prefix = nrtName();
const batchFile = `/tmp/${prefix}.batch`;
const ports = await addPorts(null, prefix, portCount);
try {
  const sw = switchSchema.parse({
    bridge: `${prefix}br`,
    vlanFiltering: mode === "vlan",
    ports: ports.map((name) => (mode === "vlan" ? { name, tagged: ["1-4094"] } : { name })),
    multicast: {
      groups:
        mode === "vlan"
          ? []
          : Array.from({ length: groupCount }, (_, i) => ({
              group: groupOf(i),
              ports: [ports[i % portCount]!],
            })),
    },
  });
  const desired = desiredState(sw, "239.192.77.1");

  // Baseline: iproute2 in batch mode on a fresh bridge with the same ports.
  await freshBridge(prefix, ports);
  const lines =
    mode === "vlan"
      ? ports.flatMap((p) => [`vlan del dev ${p} vid 1`, `vlan add dev ${p} vid 1-4094`])
      : Array.from(
          { length: groupCount },
          (_, i) => `mdb add dev ${prefix}br port ${ports[i % portCount]} grp ${groupOf(i)} permanent`,
        );

  writeFileSync(batchFile, lines.join("\n") + "\n");
  const b0 = performance.now();
  await run([systemTool("bridge"), "-batch", batchFile]);
  const baselineMs = performance.now() - b0;
  await ipr(null, "ip", ["link", "del", `${prefix}br`]);

  // The reconciler on a fresh bridge with the same ports: the bulk part only (bridge and ports first).
  await freshBridge(prefix, ports);
  const session = new NetlinkSession();
  const apply = await applyState(session, desired);
  if (!apply.ok)
    throw new Error(`apply failed: ${JSON.stringify(apply.results.filter((r) => r.error).slice(0, 3))}`);
  const noop: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const plan = await planState(session, desired);
    noop.push(performance.now() - t0);
    if (plan.changes.length) throw new Error("no-op reconcile found changes");
  }
  session.close();

  // Drift: a person removes an object; time until the manager has put it back.
  const manager = new SwitchManager(desired, new Logger("bench", () => undefined));
  await manager.start();
  const drift: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    if (mode === "vlan") await ipr(null, "bridge", ["vlan", "del", "dev", ports[0]!, "vid", String(100 + i)]);
    else
      await ipr(null, "bridge", [
        "mdb",
        "del",
        "dev",
        `${prefix}br`,
        "port",
        ports[i % portCount]!,
        "grp",
        groupOf(i),
      ]);
    await until("drift repair", 5000, async () => {
      if (mode === "vlan") return (manager.status().repairs ?? 0) > i;
      return (await permanentGroups(null, `${prefix}br`)).length === groupCount;
    });
    drift.push(performance.now() - t0);
  }
  manager.close();
  noop.sort((a, b) => a - b);
  process.stdout.write(
    `NRT-BENCH ${JSON.stringify({
      mode,
      objects:
        mode === "vlan"
          ? `4094 VLANs on ${portCount} ports`
          : `${groupCount} MDB entries on ${portCount} ports`,
      reconcileMs: apply.durationMs,
      requests: apply.results.length,
      baselineMs,
      ratio: apply.durationMs / baselineMs,
      noopMedianMs: noop[Math.floor(noop.length / 2)],
      noopMaxMs: noop[noop.length - 1],
      driftRepairMs: drift,
    })}\n`,
  );
} finally {
  await cleanup(prefix, ports);
  rmSync(batchFile, { force: true });
}
