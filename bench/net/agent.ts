// Runs inside the benchmark's namespace (or the test VM): programs one bulk state with the switch
// reconciler and with iproute2's `bridge -batch` on fresh bridges, alternating which goes first, three
// times to warm up and seven for the medians (the first, cold run is reported too); the baseline's batch
// file holds exactly the commands of the reconciler's plan. Then a no-op
// reconcile and drift repairs timed by the manager's own log. Prints one `NRT-BENCH {json}` line. Modes:
// `mdb` (1,000 groups on 8 ports), `vlan` (4094 VLANs on 2 ports).
import { rmSync, writeFileSync } from "node:fs";
import { switchSchema } from "../../firmware/src/config/switch-schema.js";
import { Logger, type LogRecord } from "../../firmware/src/log/logger.js";
import { desiredState } from "../../firmware/src/switch/core/desired.js";
import { applyState, planState } from "../../firmware/src/switch/io/apply.js";
import { SwitchManager } from "../../firmware/src/switch/io/manager.js";
import { NetlinkSession } from "../../firmware/src/switch/io/session.js";
import { addPorts, ipr, nrtName, until } from "../../hil-tests/switch/fixture.js";
import { run, systemTool } from "../../hil-tests/lab/netns.js";
import { median } from "./stats.js";

const mode = process.argv[2] === "vlan" ? "vlan" : "mdb";
const portCount = mode === "vlan" ? 2 : 8;
const groupCount = 1000;
/** Untimed-for-the-median repetitions first (the reconciler's JavaScript is compiled as it runs), then 7. */
const warmup = 3;
const reps = warmup + 7;

function groupOf(i: number): string {
  return `239.10.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

const prefix = nrtName();
const bridge = `${prefix}br`;
const batchFile = `/tmp/${prefix}.batch`;
const ports = await addPorts(null, prefix, portCount);

async function freshBridge(): Promise<void> {
  await ipr(null, "ip", [
    "link",
    "add",
    bridge,
    "type",
    "bridge",
    ...(mode === "vlan" ? ["vlan_filtering", "1"] : []),
  ]);
  for (const p of ports) await ipr(null, "ip", ["link", "set", p, "master", bridge, "up"]);
  await ipr(null, "ip", ["link", "set", bridge, "up"]);
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

async function cleanup(): Promise<void> {
  await ipr(null, "ip", ["link", "del", bridge]).catch(() => undefined);
  for (const p of ports) await ipr(null, "ip", ["link", "del", p]).catch(() => undefined);
  rmSync(batchFile, { force: true });
}

try {
  const sw = switchSchema.parse({
    bridge,
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

  await freshBridge();
  const planner = new NetlinkSession();
  const commands = (await planState(planner, desired)).changes.flatMap((c) => c.commands);
  planner.close();
  await ipr(null, "ip", ["link", "del", bridge]);
  if (!commands.every((c) => c.startsWith("bridge ")))
    throw new Error(`not all bridge commands: ${commands[0]}`);
  writeFileSync(batchFile, commands.map((c) => c.slice("bridge ".length)).join("\n") + "\n");

  const samples = { readMs: [] as number[], applyMs: [] as number[], readBackMs: [] as number[] };
  const baseline: number[] = [];
  const spawnFloor: number[] = [];
  let requests = 0;
  for (let rep = 0; rep < reps; rep++) {
    for (const side of rep % 2 === 0 ? ["baseline", "reconciler"] : ["reconciler", "baseline"]) {
      await freshBridge();
      if (side === "baseline")
        baseline.push(await timed(() => run([systemTool("bridge"), "-batch", batchFile])));
      else {
        const t0 = performance.now();
        const session = new NetlinkSession();
        const report = await applyState(session, desired);
        const opened = performance.now() - t0 - report.durationMs;
        session.close();
        if (!report.ok)
          throw new Error(`apply failed: ${JSON.stringify(report.results.find((r) => r.error))}`);
        samples.readMs.push(report.timings.readMs + opened);
        samples.applyMs.push(report.timings.applyMs);
        samples.readBackMs.push(report.timings.readBackMs);
        requests = report.results.length;
      }
      await ipr(null, "ip", ["link", "del", bridge]);
    }
    spawnFloor.push(await timed(() => run([systemTool("true")])));
  }

  await freshBridge();
  const session = new NetlinkSession();
  await applyState(session, desired);
  const noop: number[] = [];
  for (let i = 0; i < 20; i++) {
    const report = await applyState(session, desired);
    if (report.results.length) throw new Error("no-op reconcile made changes");
    noop.push(report.durationMs);
  }
  session.close();

  const records: Array<LogRecord & { at: number }> = [];
  const manager = new SwitchManager(
    desired,
    new Logger("bench", (r) => records.push({ ...r, at: performance.now() })),
  );
  await manager.start();
  const drift: Array<{ restoredMs: number; sinceNoticedMs: number; sinceCommandMs: number }> = [];
  for (let i = 0; i < 5; i++) {
    const seen = records.length;
    const t0 = performance.now();
    if (mode === "vlan") await ipr(null, "bridge", ["vlan", "del", "dev", ports[0]!, "vid", String(100 + i)]);
    else
      await ipr(null, "bridge", [
        "mdb",
        "del",
        "dev",
        bridge,
        "port",
        ports[i % portCount]!,
        "grp",
        groupOf(i),
      ]);
    const repaired = () =>
      records.slice(seen).find((r) => r.event === "switch-repaired" && (r.changes as number) > 0);
    await until("drift repair", 10_000, () => Promise.resolve(repaired() !== undefined));
    const r = repaired()!;
    drift.push({
      restoredMs: r.restoredMs as number,
      sinceNoticedMs: r.sinceNoticedMs as number,
      sinceCommandMs: Math.round(r.at - t0),
    });
  }
  manager.close();
  const verify = new NetlinkSession();
  const left = (await planState(verify, desired)).changes.length;
  verify.close();
  if (left) throw new Error(`${left} changes left after the drift repairs`);

  const measured = (xs: number[]): number => median(xs.slice(warmup));
  const read = measured(samples.readMs);
  const apply = measured(samples.applyMs);
  const base = measured(baseline);
  const floor = measured(spawnFloor);
  const round = (x: number): number => Math.round(x * 10) / 10;
  process.stdout.write(
    `NRT-BENCH ${JSON.stringify({
      mode,
      objects:
        mode === "vlan"
          ? `4094 VLANs on ${portCount} ports`
          : `${groupCount} MDB entries on ${portCount} ports`,
      requests,
      repetitions: reps - warmup,
      warmup,
      medianMs: {
        read: round(read),
        apply: round(apply),
        readAndApply: round(read + apply),
        readBack: round(measured(samples.readBackMs)),
        bridgeBatch: round(base),
        spawnTrue: round(floor),
      },
      ratio: Math.round(((read + apply) / base) * 100) / 100,
      ratioWithoutSpawn: Math.round(((read + apply) / (base - floor)) * 100) / 100,
      firstRunMs: {
        readAndApply: round(samples.readMs[0]! + samples.applyMs[0]!),
        readBack: round(samples.readBackMs[0]!),
      },
      samplesMs: Object.fromEntries(
        Object.entries({ ...samples, bridgeBatch: baseline, spawnTrue: spawnFloor }).map(([k, v]) => [
          k,
          v.map(round),
        ]),
      ),
      noopMs: { median: round(median(noop)), max: round(Math.max(...noop)) },
      drift,
    })}\n`,
  );
} finally {
  await cleanup();
}
