// The SM and four SEs over real RMTP endpoints on the in-memory network: a stream of mixed writes with 5%
// loss on every SE's port ends with every replica equal to the SM entry by entry; an SE that joins late
// catches up by the changes it missed, or by a full refresh when the SM's change log no longer reaches back.
import test from "ava";
import { mulberry32 } from "../src/rmtp/io/sim-network.js";
import { ContentWorkload, engineOps } from "./helpers/directory-sim-fixture.js";
import { DirectorySim, type SimSe } from "./helpers/directory-sim.js";

/** Writes `count` workload operations through the SM with `clients` writes in flight. */
async function writeStream(
  sim: DirectorySim,
  workload: ContentWorkload,
  count: number,
  clients: number,
): Promise<number[]> {
  const csns: number[] = [];
  let issued = 0;
  const client = async (): Promise<void> => {
    while (issued < count) {
      issued++;
      csns.push((await sim.sm.dir.write(workload.op())).csn);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return csns;
}

async function started(ses: number[], options: ConstructorParameters<typeof DirectorySim>[0] = {}) {
  const sim = new DirectorySim(options);
  for (const id of ses) sim.addSe(id);
  await sim.admitted();
  await sim.sm.dir.bootstrap();
  for (const op of engineOps()) await sim.sm.dir.write(op);
  return sim;
}

const catchups = (se: SimSe) => se.logs.filter((r) => r.event === "catchup-requested");

test("300 mixed writes with 5% loss on every SE port: every replica equals the SM", async (t) => {
  const sim = await started([2, 3, 4, 5], { seed: 11 });
  try {
    for (const id of sim.ses.keys()) sim.setLoss(id, 0.05);
    const began = Date.now();
    const csns = await writeStream(sim, new ContentWorkload(mulberry32(5)), 300, 8);
    const ms = Date.now() - began;
    t.log(`300 acknowledged writes in ${ms} ms (${Math.round((300 * 1000) / ms)}/s) to 4 SEs at 5% loss`);
    const first = Math.min(...csns);
    t.deepEqual(
      [...csns].sort((a, b) => a - b),
      Array.from({ length: 300 }, (_, i) => first + i),
      "every write got its own CSN, without gaps",
    );
    await sim.converged(5000);
    t.deepEqual(sim.lagging(), []);
    t.is(sim.sm.store.lastCsn(), first + 299);
    t.true(sim.net.datagrams > 0);
    const retransmits = sim.sm.endpoint.status().counters.resentFrames;
    t.log(
      `SM re-sent ${retransmits} frames; catch-up requests: ${[...sim.ses.values()].map((s) => catchups(s).length).join(",")}`,
    );
  } finally {
    await sim.close();
  }
});

test("an SE that joins late catches up by the changes it missed", async (t) => {
  const sim = await started([2, 3, 4]);
  try {
    const workload = new ContentWorkload(mulberry32(6));
    await writeStream(sim, workload, 120, 4);
    const late = sim.addSe(5);
    await sim.admitted();
    await sim.converged(5000);
    t.deepEqual(sim.lagging(), []);
    const answers = sim.sm.logs.filter((r) => r.event === "catchup-answered" && r.node === 5);
    t.true(answers.length >= 1);
    t.is(answers[0]?.kind, "changes");
    t.is(answers[0]?.have, 0);
    t.true(late.store.lastCsn() > 120);
    await writeStream(sim, workload, 20, 2);
    await sim.converged(5000);
    t.deepEqual(sim.lagging(), [], "and follows the live stream afterwards");
  } finally {
    await sim.close();
  }
});

test("an SE that joins after the change log was trimmed catches up by a full refresh", async (t) => {
  const sim = await started([2, 3], { changeLogSize: 40 });
  try {
    const workload = new ContentWorkload(mulberry32(8));
    await writeStream(sim, workload, 150, 4);
    t.true(sim.sm.store.oldestCsn() > 1);
    sim.addSe(4);
    await sim.admitted();
    await sim.converged(5000);
    t.deepEqual(sim.lagging(), []);
    const answer = sim.sm.logs.find((r) => r.event === "catchup-answered" && r.node === 4);
    t.is(answer?.kind, "refresh");
    t.is(answer?.entries, sim.sm.store.count());
    await writeStream(sim, workload, 20, 2);
    await sim.converged(5000);
    t.deepEqual(sim.lagging(), [], "and follows the live stream afterwards");
  } finally {
    await sim.close();
  }
});
