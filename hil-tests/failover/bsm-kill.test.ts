// The standby lost while the SM serves, on the virtual lab: the BSM's daemon is SIGKILLed under a write
// stream to the virtual address. The SM stops waiting for its confirmations once its last lease has run
// out and goes on with the majority of the members; no role changes, nothing lost; the BSM, restarted,
// catches up and is an in-sync standby again.
import test from "ava";
import { daemonRunsOf } from "../rmtp/daemon-log.js";
import { waitRole } from "./failover-lab.js";
import { assertNothingLost, assertOneBoardPerEpoch, runUnderWrites } from "./scenario.js";

test("SIGKILL of the BSM: the SM keeps acknowledging, and the BSM comes back in sync", async (t) => {
  const run = await runUnderWrites(
    t,
    "bsm",
    (dl) => dl.lab.fault(2, { kind: "kill" }),
    () => Promise.resolve(),
  );
  await assertNothingLost(t, run, "bsm", 1);
  const changes = daemonRunsOf(run.dl.lab, 1)
    .flat()
    .filter((r) => r.event === "role-changed");
  t.deepEqual(
    changes.map((r) => r.role),
    ["sm"],
    "b1 stayed the SM throughout",
  );
  await run.dl.lab.fault(2, { kind: "restart" });
  t.true(await waitRole(run.dl.lab, 2, false, 20_000), "b2 is an in-sync standby again");
  t.log(`terms: ${assertOneBoardPerEpoch(t, run.dl)}`);
});
