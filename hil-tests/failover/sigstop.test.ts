// Fencing on the virtual lab: the SM is frozen with SIGSTOP under a write stream, the BSM takes over, and
// the old SM, resumed with SIGCONT, notices that it stalled and steps down before it acknowledges anything
// in its old epoch: every acknowledged write is on the new SM, and the old SM logged the stall.
import test from "ava";
import { daemonRunsOf } from "../rmtp/daemon-log.js";
import { waitRole } from "./failover-lab.js";
import {
  assertNothingLost,
  assertOneBoardPerEpoch,
  assertPlannedReturn,
  runUnderWrites,
} from "./scenario.js";

test("SIGSTOP/SIGCONT of the SM: it steps down on waking and acknowledges nothing in its old epoch", async (t) => {
  const run = await runUnderWrites(
    t,
    "stop",
    (dl) => dl.lab.fault(1, { kind: "stop" }),
    async (dl) => {
      t.true(await waitRole(dl.lab, 2, true, 10_000), "b2 became an established SM");
      await dl.lab.fault(1, { kind: "cont" });
    },
  );
  const log = daemonRunsOf(run.dl.lab, 1).flat();
  t.true(
    log.some((r) => r.event === "stalled"),
    "the old SM logged its stall",
  );
  const snapshot = await assertNothingLost(t, run, "stop", 2);
  await assertPlannedReturn(t, run, "stop", snapshot);
  t.log(`terms: ${assertOneBoardPerEpoch(t, run.dl)}`);
});
