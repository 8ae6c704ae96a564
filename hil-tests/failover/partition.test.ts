// Split brain on the virtual lab: the SM and the BSM are cut off from each other with nftables while both
// still see the SEs, under a write stream to the virtual address. The BSM, holding a lease, takes over and
// wins the SEs; the old SM cannot acknowledge (its standby no longer confirms and the majority moved on),
// steps down and stops VRRP. No epoch is held twice, every acknowledged write is on the new SM and the
// SEs; once healed, the old SM drops what it held unconfirmed, catches up and takes the role back.
import test from "ava";
import { failoverStatus, heal, partition, waitRole } from "./failover-lab.js";
import { pollUntil } from "../rmtp/group-under-test.js";
import {
  assertNothingLost,
  assertOneBoardPerEpoch,
  assertPlannedReturn,
  runUnderWrites,
} from "./scenario.js";

test("SM and BSM partitioned from each other: one SM acknowledges, the other steps down", async (t) => {
  const run = await runUnderWrites(
    t,
    "split",
    (dl) => partition(dl.lab, 1, 2),
    async (dl) => {
      t.true(await waitRole(dl.lab, 2, true, 10_000), "b2 became an established SM");
      const old = await pollUntil(
        () => failoverStatus(dl.lab, 1),
        (s) => s?.role === "standby" && !s.vrrpRunning,
        10_000,
        50,
      );
      t.is(old?.role, "standby", "b1 stepped down");
      t.false(old?.vrrpRunning, "b1 stopped VRRP: it holds no lease");
    },
  );
  const snapshot = await assertNothingLost(t, run, "split", 2);
  await heal(run.dl.lab, 1, 2);
  await assertPlannedReturn(t, run, "split", snapshot);
  t.log(`terms: ${assertOneBoardPerEpoch(t, run.dl)}`);
});
