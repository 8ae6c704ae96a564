// Failover on the virtual lab: the SM's daemon is SIGKILLed under a write stream to the virtual address
// and the BSM takes over with every acknowledged write; the old SM, restarted, catches up as a standby
// and takes the role back by a planned switchover.
import test from "ava";
import { waitRole } from "./failover-lab.js";
import {
  assertNothingLost,
  assertOneBoardPerEpoch,
  assertPlannedReturn,
  runUnderWrites,
} from "./scenario.js";

test("SIGKILL of the SM: the BSM serves on the virtual address with every acknowledged write", async (t) => {
  const run = await runUnderWrites(
    t,
    "kill",
    (dl) => dl.lab.fault(1, { kind: "kill" }),
    async (dl) => {
      t.true(await waitRole(dl.lab, 2, true, 10_000), "b2 became an established SM");
    },
  );
  const snapshot = await assertNothingLost(t, run, "kill", 2);
  await run.dl.lab.fault(1, { kind: "restart" });
  await assertPlannedReturn(t, run, "kill", snapshot);
  t.log(`terms: ${assertOneBoardPerEpoch(t, run.dl)}`);
});
