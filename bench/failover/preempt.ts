// `--no-preempt`: the SM candidates' configs get failover.preempt false and their daemons restart, so a
// board that comes back after its fault stays the standby and the next cycle faults the other one.
import { readFileSync, writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import type { Lab } from "../../hil-tests/lab/index.js";
import { candidates } from "./roles.js";

export async function turnPreemptOff(lab: Lab): Promise<void> {
  for (const index of candidates) {
    const path = lab.board(index).configPath;
    const config = parse(readFileSync(path, "utf8")) as { failover?: Record<string, unknown> };
    if (!config.failover) throw new Error(`b${index}'s config has no failover section`);
    config.failover.preempt = false;
    writeFileSync(path, stringify(config));
    await lab.fault(index, { kind: "restart" });
  }
}
