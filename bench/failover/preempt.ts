// `--no-preempt`: the SM candidates' configs get failover.preempt false and their daemons restart, so a
// board that comes back after its fault stays the standby and the next cycle faults the other one.
import { editBoardConfig } from "../../hil-tests/lab/configs.js";
import type { Lab } from "../../hil-tests/lab/index.js";
import { candidates } from "./roles.js";

export async function turnPreemptOff(lab: Lab): Promise<void> {
  for (const index of candidates) {
    editBoardConfig(lab.board(index).configPath, (config) => {
      const failover = config.failover as Record<string, unknown> | undefined;
      if (!failover) throw new Error(`b${index}'s config has no failover section`);
      failover.preempt = false;
    });
    await lab.fault(index, { kind: "restart" });
  }
}
