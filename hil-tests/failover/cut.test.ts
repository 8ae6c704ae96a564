// Failover on the virtual lab: the SM's switch port goes down (`iss lab fault N cut`) under a write stream
// to the virtual address. The BSM takes over with every acknowledged write. When the port comes back, the
// old SM still believes it is master at the higher VRRP priority; the new SM has fenced it, so its adverts
// do not demote the new SM before RMTP tells it of the newer epoch. It steps down, catches up as a standby
// and takes the role back by a planned switchover: three terms in all.
import test from "ava";
import { terms, waitRole } from "./failover-lab.js";
import {
  assertNothingLost,
  assertOneBoardPerEpoch,
  assertPlannedReturn,
  runUnderWrites,
} from "./scenario.js";

test("the SM's link cut: the BSM takes over, and the restored link does not demote it", async (t) => {
  const run = await runUnderWrites(
    t,
    "cut",
    (dl) => dl.lab.fault(1, { kind: "cut" }),
    async (dl) => {
      t.true(await waitRole(dl.lab, 2, true, 10_000), "b2 became an established SM");
    },
  );
  const snapshot = await assertNothingLost(t, run, "cut", 2);
  await run.dl.lab.fault(1, { kind: "restore" });
  await assertPlannedReturn(t, run, "cut", snapshot);
  t.log(`terms: ${assertOneBoardPerEpoch(t, run.dl)}`);
  t.deepEqual(
    terms(run.dl.lab, [1, 2]).map((h) => h.board),
    [1, 2, 1],
    "b2 kept its term until b1 took the role back by a planned switchover",
  );
});
