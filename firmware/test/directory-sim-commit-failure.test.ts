// A commit failure on the SM (a store wrapper whose commit rejects once, after a while): the batch being
// committed and every write queued behind it are rejected with unavailable (52), nothing of them is visible
// or multicast, and numbering resumes right after the last durable CSN, so replicas see no gap.
import test from "ava";
import { LdapError, ResultCode, type Change } from "../src/directory/model/types.js";
import type { DirectoryStore } from "../src/directory/store/store.js";
import { contentDn, contentOp, keyOf } from "./helpers/directory-sim-fixture.js";
import { DirectorySim } from "./helpers/directory-sim.js";

/** Delegates to the store; the next commit after failNext() rejects after `delayMs` and changes nothing. */
class FailingOnce implements DirectoryStore {
  private fail = false;

  constructor(
    private readonly inner: DirectoryStore,
    private readonly delayMs: number,
  ) {}

  failNext(): void {
    this.fail = true;
  }

  commit(changes: Change[], writes: Parameters<DirectoryStore["commit"]>[1]): Promise<void> {
    if (!this.fail) return this.inner.commit(changes, writes);
    this.fail = false;
    return new Promise((_, reject) => setTimeout(() => reject(new Error("EIO: injected")), this.delayMs));
  }

  lastCsn = () => this.inner.lastCsn();
  oldestCsn = () => this.inner.oldestCsn();
  count = () => this.inner.count();
  get = (key: string) => this.inner.get(key);
  range = (prefix: string) => this.inner.range(prefix);
  lookup = (term: string) => this.inner.lookup(term);
  changesSince = (have: number, limit: number) => this.inner.changesSince(have, limit);
  replaceAll = (entries: Parameters<DirectoryStore["replaceAll"]>[0], csn: number) =>
    this.inner.replaceAll(entries, csn);
  close = () => this.inner.close();
}

test("a failed commit rejects its batch and the queue behind it; numbering resumes without a gap", async (t) => {
  let failing: FailingOnce | undefined;
  const sim = new DirectorySim({
    seed: 4,
    wrapSmStore: (store) => (failing = new FailingOnce(store, 40)),
  });
  try {
    for (const id of [2, 3, 4, 5]) sim.addSe(id);
    await sim.admitted();
    await sim.sm.dir.bootstrap();
    const sm = sim.sm.dir;
    const kept = await sm.write(contentOp("kept", ["se-http1"]));

    failing?.failNext();
    const batch = sm.write(contentOp("lost1", ["se-http1"]));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const queued = [
      sm.write(contentOp("lost2", ["se-http2"])),
      sm.write({ type: "delete", dn: contentDn("kept") }),
      sm.write({ type: "delete", dn: contentDn("lost1") }),
    ];
    t.is(sim.sm.view.pendingCount, 3, "queued writes are checked against the staged ones");
    const outcomes = await Promise.allSettled([batch, ...queued]);
    for (const outcome of outcomes) {
      t.is(outcome.status, "rejected");
      if (outcome.status === "rejected") {
        t.true(outcome.reason instanceof LdapError);
        t.is((outcome.reason as LdapError).code, ResultCode.unavailable);
      }
    }
    const failure = sim.sm.logs.find((r) => r.event === "commit-failed");
    t.like(failure, { changes: 4, firstCsn: kept.csn + 1 });
    t.is(sim.sm.store.lastCsn(), kept.csn);
    t.is(sim.sm.view.pendingCount, 0);
    t.is(sim.sm.view.get(keyOf(contentDn("lost1"))), undefined);
    t.truthy(
      sim.sm.view.get(keyOf(contentDn("kept"))),
      "the delete queued behind the failure did not happen",
    );

    const next = await sm.write(contentOp("lost1", ["se-http1"]));
    t.is(next.csn, kept.csn + 1, "the next write takes the first failed write's CSN");
    const after = await sm.write({ type: "delete", dn: contentDn("kept") });
    t.is(after.csn, kept.csn + 2);
    await sim.converged();
    t.deepEqual(sim.lagging(), []);
    for (const se of sim.ses.values()) {
      const trouble = se.logs.filter((r) => r.level === "warn" || r.level === "error").map((r) => r.event);
      t.deepEqual(trouble, [], `${se.name} saw no gap, divergence or failure`);
    }
  } finally {
    await sim.close();
  }
});

test("a failed commit on an SE: the replica drops what it staged, catches up and equals the SM again", async (t) => {
  let failing: FailingOnce | undefined;
  const sim = new DirectorySim({ seed: 5 });
  try {
    sim.addSe(2);
    const se = sim.addSe(3, (store) => (failing = new FailingOnce(store, 20)));
    await sim.admitted();
    await sim.sm.dir.bootstrap();
    await sim.converged();
    failing?.failNext();
    const writes = Array.from({ length: 10 }, (_, i) => sim.sm.dir.write(contentOp(`x${i}`, ["se-http1"])));
    await Promise.all(writes);
    await sim.converged(5000);
    t.deepEqual(sim.lagging(), []);
    t.true(se.logs.some((r) => r.event === "replica-commit-failed"));
    t.true(se.logs.some((r) => r.event === "catchup-requested" && r.reason === "behind the SM"));
    t.is(se.view.pendingCount, 0);
  } finally {
    await sim.close();
  }
});
