// A full refresh on an SE whose store takes its time to replace everything (as lmdb does with many
// entries) while the SM's live stream goes on: the changes that follow the refresh must apply to the
// refreshed directory, not to what the store held before, so the replica neither diverges nor ends up
// different from the SM.
import test from "ava";
import type { DirectoryStore } from "../src/directory/store/store.js";
import { mulberry32 } from "../src/rmtp/io/sim-network.js";
import { ContentWorkload, engineOps } from "./helpers/directory-sim-fixture.js";
import { DirectorySim } from "./helpers/directory-sim.js";

/** A store whose full refresh is written `delayMs` after it is asked for. */
function slowReplace(delayMs: number) {
  return (inner: DirectoryStore): DirectoryStore => ({
    lastCsn: () => inner.lastCsn(),
    oldestCsn: () => inner.oldestCsn(),
    count: () => inner.count(),
    get: (key) => inner.get(key),
    range: (prefix) => inner.range(prefix),
    lookup: (term) => inner.lookup(term),
    changesSince: (have, limit) => inner.changesSince(have, limit),
    commit: (changes, writes) => inner.commit(changes, writes),
    replaceAll: async (entries, csn) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await inner.replaceAll(entries, csn);
    },
    close: () => inner.close(),
  });
}

test("changes delivered while a refresh is being written apply to the refreshed directory", async (t) => {
  const sim = new DirectorySim({ seed: 9, changeLogSize: 30 });
  try {
    for (const id of [2, 3]) sim.addSe(id);
    await sim.admitted();
    await sim.sm.dir.bootstrap();
    for (const op of engineOps()) await sim.sm.dir.write(op);
    const workload = new ContentWorkload(mulberry32(21));
    for (let i = 0; i < 100; i++) await sim.sm.dir.write(workload.op());

    const late = sim.addSe(4, slowReplace(300));
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        await sim.sm.dir.write(workload.op());
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await sim.admitted();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    streaming = false;
    await stream;
    await sim.converged(5000);
    t.deepEqual(sim.lagging(), []);
    const refreshes = sim.sm.logs.filter((r) => r.event === "catchup-answered" && r.node === 4);
    t.is(refreshes[0]?.kind, "refresh");
    t.deepEqual(
      late.logs.filter((r) => r.event === "replica-diverged").map((r) => r.reason),
      [],
      "the replica never diverged",
    );
    t.log(
      `${refreshes.length} catch-up answers to the late SE: ${refreshes.map((r) => String(r.kind)).join(", ")}`,
    );
  } finally {
    await sim.close();
  }
});
