// The false-failover run: with settled roles, 1% random loss on every board's port and two busy-looping
// processes taking the host's CPUs, the write stream runs for the soak's length; afterwards the SM
// candidates' logs must show no role change. Stalls and VRRP role changes are counted too, and the
// stream's writes are checked on the SM.
import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { startWriteStream } from "../../hil-tests/directory/write-stream.js";
import { liveStreams, type ClientSetup } from "./clients.js";
import { settleMs } from "./cycles.js";
import { describeLogged, loggedBetween } from "./logs.js";
import { candidates, settledRoles, statuses } from "./roles.js";
import { round } from "../rmtp/stats.js";
import { checkWrites, snapshotOf, type WriteCheck } from "./write-check.js";

export const soakLossPercent = 1;
export const cpuHogs = 2;
/** After the load ends, role changes it caused may still come: they are counted for this long. */
const afterMs = 2000;

export const liveHogs = new Set<ChildProcess>();

export interface SoakFigures {
  seconds: number;
  lossPercent: number;
  cpuHogs: number;
  /** role-changed records of the SM candidates: false failovers. */
  roleChanges: number;
  vrrpRoleChanges: number;
  stalls: number;
  /** The first of those records. */
  log: string[];
  ackedPerSecond: number;
  writes: WriteCheck;
}

function startHog(): ChildProcess {
  const hog = spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
  hog.on("error", () => undefined);
  liveHogs.add(hog);
  hog.once("exit", () => liveHogs.delete(hog));
  return hog;
}

async function setLoss(setup: ClientSetup, percent: number): Promise<void> {
  for (const b of setup.lab.boards) await setup.lab.fault(b.index, { kind: "loss", percent });
}

export async function soak(setup: ClientSetup, seconds: number): Promise<SoakFigures> {
  const { lab } = setup;
  const roles = await settledRoles(lab, settleMs);
  const from = Date.now();
  const prefix = "soak";
  const stream = startWriteStream(lab, {
    from: setup.clientBoard,
    prefix,
    count: 100_000_000,
    clients: 4,
    to: setup.virtualAddress,
  });
  liveStreams.add(stream);
  const hogs: ChildProcess[] = [];
  try {
    await setLoss(setup, soakLossPercent);
    for (let i = 0; i < cpuHogs; i++) hogs.push(startHog());
    await sleep(seconds * 1000);
  } finally {
    for (const hog of hogs) hog.kill("SIGKILL");
    stream.stop();
    await setLoss(setup, 0);
  }
  const loadEnded = Date.now();
  await Promise.race([stream.done.catch(() => undefined), sleep(25_000)]);
  liveStreams.delete(stream);
  await sleep(Math.max(0, loadEnded + afterMs - Date.now()));
  const logged = loggedBetween(lab, candidates, ["role-changed", "vrrp.role", "stalled"], from, Date.now());
  const sm = [...(await statuses(lab)).entries()].find(([, s]) => s?.role === "sm")?.[0] ?? roles.sm;
  const snapshot = await snapshotOf(lab, setup.clientBoard, sm, [prefix]);
  const acked = stream.records.filter((r) => r.outcome === "acked").length;
  return {
    seconds,
    lossPercent: soakLossPercent,
    cpuHogs,
    roleChanges: logged.filter((l) => l.record.event === "role-changed").length,
    vrrpRoleChanges: logged.filter((l) => l.record.event === "vrrp.role").length,
    stalls: logged.filter((l) => l.record.event === "stalled").length,
    log: describeLogged(logged),
    ackedPerSecond: round(acked / Math.max(0.001, (loadEnded - from) / 1000), 1),
    writes: checkWrites(snapshot, [{ prefix, records: stream.records }]),
  };
}
