// One failover scenario on the virtual lab, shared by the fault tests: a 5-board lab with failover on
// (b1 SM, b2 BSM, three SEs), a write stream from an SE to the virtual address, a fault injected once
// enough writes were acknowledged, and the checks that follow every fault: the new SM holds every
// acknowledged write (nothing half-applied, nothing the client never wrote), every SE ends equal to it,
// and no manager epoch was ever held by two boards.
import type { ExecutionContext } from "ava";
import { virtualAddress } from "../lab/names.js";
import { pollUntil } from "../rmtp/group-under-test.js";
import { snapshotDiff, startDirectoryLab, type DirectoryLab } from "../directory/directory-lab.js";
import { checkStream } from "../directory/stream-check.js";
import { startWriteStream, type WriteRecord } from "../directory/write-stream.js";
import { terms, waitRole } from "./failover-lab.js";

export interface FaultRun {
  dl: DirectoryLab;
  records: WriteRecord[];
  /** When the fault was injected and when the lab had confirmed it. */
  faultAt: number;
  faultDoneBy: number;
}

/**
 * Starts the lab, checks b1 is the SM and b2 an in-sync standby, runs `count` adds (and their modifies)
 * from 4 clients on b3 against the virtual address, and calls `fault` once 150 writes were acknowledged;
 * `whileRunning` runs after the fault, while the stream goes on. Resolves when the stream has finished.
 */
export async function runUnderWrites(
  t: ExecutionContext,
  prefix: string,
  fault: (dl: DirectoryLab) => Promise<unknown>,
  whileRunning: (dl: DirectoryLab) => Promise<void>,
  count = 600,
): Promise<FaultRun> {
  const dl = await startDirectoryLab(t, { boards: 5, failover: true });
  const { lab } = dl;
  t.true(await waitRole(lab, 1, true, 10_000), "b1 is the SM");
  t.true(await waitRole(lab, 2, false, 10_000), "b2 is an in-sync standby");
  // The SM writes the base entries (ou=content...) once its term is established; the writes go below them.
  const base = await pollUntil(
    () => dl.status(1),
    (s) => (s?.entries ?? 0) >= 5,
    15_000,
    100,
  );
  t.true((base?.entries ?? 0) >= 5, "the SM wrote the directory's base entries");
  const stream = startWriteStream(lab, { from: 3, prefix, count, clients: 4, to: virtualAddress(lab.name) });
  const before = await pollUntil(
    () => stream.acked(),
    (n) => n >= 150,
    30_000,
    10,
  );
  t.true(
    before >= 150,
    `150 writes acknowledged before the fault: ${JSON.stringify(stream.records.slice(0, 3))}`,
  );
  const faultAt = Date.now();
  await fault(dl);
  const faultDoneBy = Date.now();
  await whileRunning(dl);
  const records = await stream.done;
  const acked = records.filter((r) => r.outcome === "acked").length;
  const unknown = records.filter((r) => r.outcome === "unknown").length;
  const refusedCodes = records.filter((r) => r.outcome === "refused").map((r) => r.code);
  const refused = refusedCodes.length;
  const firstAfter = records
    .filter((r) => r.outcome === "acked" && r.sent > faultDoneBy)
    .sort((a, b) => a.at - b.at)[0];
  t.log(
    `${acked} acknowledged, ${unknown} unknown, ${refused} refused (codes ${[...new Set(refusedCodes)].join(",")}); ` +
      `the first write sent after the fault ` +
      `was acknowledged ${firstAfter ? firstAfter.at - faultAt : "never"} ms after it ` +
      `(the lab took ${faultDoneBy - faultAt} ms to apply the fault)`,
  );
  t.truthy(firstAfter, "writes are acknowledged after the fault");
  return { dl, records, faultAt, faultDoneBy };
}

/** The checks after a fault, against the board that is SM now. */
export async function assertNothingLost(
  t: ExecutionContext,
  run: FaultRun,
  prefix: string,
  sm: number,
): Promise<Map<string, string[]>> {
  const { dl, records } = run;
  const first = await dl.snapshot(sm);
  t.deepEqual(checkStream(first, records, prefix), [], `b${sm} holds every acknowledged write`);
  const ses = dl.lab.boards.filter((b) => b.role === "se").map((b) => b.index);
  const settled = await snapshotsAtOneCsn(dl, sm, ses);
  if (!settled) {
    t.fail(`the SEs never held b${sm}'s last CSN within 15 s`);
    return first;
  }
  ses.forEach((b, i) =>
    t.deepEqual(
      snapshotDiff(settled.sm, settled.ses[i] ?? new Map<string, string[]>()),
      [],
      `b${b} equals b${sm}`,
    ),
  );
  return settled.sm;
}

/**
 * The SM's and every SE's snapshot taken while they all hold the same last CSN. Writes may go on after
 * the client stream ends (an SE whose registration went to the old SM registers again with the new one
 * when its announcement times out), so the CSN is read before and after the snapshots, and they are taken
 * again until it did not move.
 */
async function snapshotsAtOneCsn(
  dl: DirectoryLab,
  sm: number,
  ses: number[],
): Promise<{ sm: Map<string, string[]>; ses: Map<string, string[]>[] } | null> {
  const csns = async (): Promise<(number | undefined)[]> =>
    Promise.all([sm, ...ses].map(async (b) => (await dl.status(b))?.lastCsn));
  const same = (c: (number | undefined)[]): boolean => c[0] !== undefined && c.every((x) => x === c[0]);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const before = await csns();
    if (same(before)) {
      const smSnapshot = await dl.snapshot(sm);
      const seSnapshots = await Promise.all(ses.map((b) => dl.snapshot(b)));
      const after = await csns();
      if (same(after) && after[0] === before[0]) return { sm: smSnapshot, ses: seSnapshots };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return null;
}

/** No manager epoch was held by two boards; returns the terms, oldest first. */
export function assertOneBoardPerEpoch(t: ExecutionContext, dl: DirectoryLab): string {
  const held = terms(dl.lab, [1, 2]);
  t.is(new Set(held.map((h) => h.epoch)).size, held.length, "no epoch was held by two boards");
  return held.map((h) => `b${h.board}@${h.epoch}`).join(", ");
}

/**
 * The old SM, back, catches up as a standby and takes the role back (it has the higher priority and
 * preemption is on: by a planned switchover, or, should the SM stall on the loaded CI machine meanwhile, by
 * VRRP with the lease it holds); it then holds every acknowledged write and the same content
 * entries as `snapshot` (switch entries differ: each SM refreshes its own role).
 */
export async function assertPlannedReturn(
  t: ExecutionContext,
  run: FaultRun,
  prefix: string,
  snapshot: Map<string, string[]>,
): Promise<void> {
  const { dl } = run;
  t.true(await waitRole(dl.lab, 1, true, 20_000), "the old SM took the role back");
  t.true(await waitRole(dl.lab, 2, false, 10_000), "b2 is an in-sync standby again");
  const back = await dl.snapshot(1);
  t.deepEqual(checkStream(back, run.records, prefix), [], "b1 holds every acknowledged write");
  t.deepEqual(snapshotDiff(content(snapshot), content(back)), [], "b1 holds the content b2 held");
}

function content(snapshot: Map<string, string[]>): Map<string, string[]> {
  return new Map([...snapshot].filter(([dn]) => dn.includes(",ou=content,")));
}
