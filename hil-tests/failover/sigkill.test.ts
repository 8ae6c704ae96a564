// Failover on the virtual lab: the SM's daemon is SIGKILLed under a write stream to the virtual address
// and the BSM takes over with every acknowledged write; the old SM, restarted, catches up as a standby
// and takes the role back by a planned switchover, which `iss status` shows.
import test from "ava";
import { renderStatus } from "../../firmware/src/cli/commands/status.js";
import { daemonStatus, waitRole } from "./failover-lab.js";
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
  const shown = renderStatus(await daemonStatus(run.dl.lab, 1));
  t.log(shown);
  t.regex(shown, /failover: SM of epoch \d+; vrrp master, priority 200/);
  t.regex(shown, /standby node 2: connected, in sync, durable CSN \d+, lag \d+/);
  t.regex(shown, /last change: sm, vrrp master \(master-(released|down)\), eligible by lease/);
  t.log(`terms: ${assertOneBoardPerEpoch(t, run.dl)}`);
});
