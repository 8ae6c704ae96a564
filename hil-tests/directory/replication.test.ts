// Replication under faults on the virtual lab, with real daemons and a write stream whose client history
// is checked afterwards: 8 SEs behind 5% loss end equal to the SM entry by entry; an SE killed during the
// stream catches up from the change log, one that missed more than the log holds by a full refresh; the
// SM killed with SIGKILL mid-stream restarts with every acknowledged write and nothing half-applied.
import test from "ava";
import { readFileSync } from "node:fs";
import { pollUntil } from "../rmtp/group-under-test.js";
import { snapshotDiff, startDirectoryLab, type DirectoryLab } from "./directory-lab.js";
import { checkStream } from "./stream-check.js";
import { startWriteStream } from "./write-stream.js";

async function converged(dl: DirectoryLab, boards: number[], timeoutMs: number): Promise<boolean> {
  const done = await pollUntil(
    async () => {
      const sm = await dl.status(1);
      const others = await Promise.all(boards.map((b) => dl.status(b)));
      return sm !== undefined && others.every((s) => s !== undefined && s.lastCsn === sm.lastCsn);
    },
    (ok) => ok,
    timeoutMs,
    200,
  );
  return done;
}

async function assertAllEqual(
  t: import("ava").ExecutionContext,
  dl: DirectoryLab,
  boards: number[],
): Promise<Map<string, string[]>> {
  const sm = await dl.snapshot(1);
  for (const b of boards) t.deepEqual(snapshotDiff(sm, await dl.snapshot(b)), [], `b${b} equals the SM`);
  return sm;
}

/** The kinds of the SM's catch-up answers to `node`, from the `since`-th answer to it on. */
function catchupKinds(dl: DirectoryLab, node: number, since = 0): string[] {
  return readFileSync(dl.lab.board(1).logPath, "utf8")
    .split("\n")
    .filter((l) => l.includes('"catchup-answered"'))
    .map((l) => JSON.parse(l) as { node: number; kind: string })
    .filter((r) => r.node === node)
    .map((r) => r.kind)
    .slice(since);
}

test("8 SEs behind 5% loss hold exactly what the SM holds after a stream of mixed writes", async (t) => {
  const dl = await startDirectoryLab(t, { boards: 10 });
  const ses = dl.lab.boards.filter((b) => b.role === "se").map((b) => b.index);
  for (const b of ses) await dl.lab.fault(b, { kind: "loss", percent: 5 });
  const stream = startWriteStream(dl.lab, { from: 2, prefix: "loss", count: 150, clients: 8 });
  const records = await stream.done;
  t.is(records.filter((r) => r.outcome === "acked").length, 300, "every add and modify acknowledged");
  const sm = await assertAllEqual(t, dl, [2, ...ses]);
  t.deepEqual(checkStream(sm, records, "loss"), []);
});

test("an SE killed mid-stream catches up from the change log; one that missed more than the log is refreshed", async (t) => {
  const dl = await startDirectoryLab(t, { boards: 5, changeLogSize: 200 });
  const first = startWriteStream(dl.lab, { from: 2, prefix: "log", count: 60, clients: 4 });
  await pollUntil(
    () => first.acked(),
    (n) => n >= 20,
    20_000,
  );
  await dl.lab.fault(3, { kind: "kill" });
  const records = await first.done;
  const before3 = catchupKinds(dl, 3).length;
  await dl.lab.fault(3, { kind: "restart" });
  t.true(await converged(dl, [3], 20_000), "b3 reached the SM's last CSN");
  const kinds3 = catchupKinds(dl, 3, before3);
  t.true(
    kinds3.includes("changes") && !kinds3.includes("refresh"),
    `b3 caught up by changes: ${kinds3.join(",")}`,
  );

  const second = startWriteStream(dl.lab, { from: 2, prefix: "refresh", count: 150, clients: 4 });
  await pollUntil(
    () => second.acked(),
    (n) => n >= 10,
    20_000,
  );
  await dl.lab.fault(4, { kind: "kill" });
  records.push(...(await second.done));
  const before4 = catchupKinds(dl, 4).length;
  await dl.lab.fault(4, { kind: "restart" });
  t.true(await converged(dl, [3, 4, 5], 30_000), "every replica reached the SM's last CSN");
  const kinds4 = catchupKinds(dl, 4, before4);
  t.true(kinds4.includes("refresh"), `b4 missed more than 200 changes, full refresh: ${kinds4.join(",")}`);
  const sm = await assertAllEqual(t, dl, [2, 3, 4, 5]);
  t.deepEqual(
    checkStream(
      sm,
      records.filter((r) => r.dn.includes("=log-")),
      "log",
    ),
    [],
  );
  t.deepEqual(
    checkStream(
      sm,
      records.filter((r) => r.dn.includes("=refresh-")),
      "refresh",
    ),
    [],
  );
});

test("the SM killed with SIGKILL mid-stream restarts with every acknowledged write, none half-applied", async (t) => {
  const dl = await startDirectoryLab(t, { boards: 5 });
  const stream = startWriteStream(dl.lab, { from: 2, prefix: "crash", count: 400, clients: 8 });
  await pollUntil(
    () => stream.acked(),
    (n) => n >= 150,
    30_000,
  );
  await dl.lab.fault(1, { kind: "kill" });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await dl.lab.fault(1, { kind: "restart" });
  const records = await stream.done;
  t.true(
    records.some((r) => r.outcome !== "acked"),
    "some writes hit the dead SM",
  );
  t.true(await converged(dl, [2, 3, 4, 5], 30_000), "every replica reached the restarted SM's last CSN");
  const sm = await assertAllEqual(t, dl, [2, 3, 4, 5]);
  t.deepEqual(checkStream(sm, records, "crash"), []);
  t.log(
    `${records.filter((r) => r.outcome === "acked").length} acknowledged, ` +
      `${records.filter((r) => r.outcome === "unknown").length} unknown outcome`,
  );
});
