// When the SM candidates do not settle (no board is SM and none may become one), the run records what
// their logs said and tries to go on: first it restarts both candidates' daemons, and if the roles still
// do not settle, it rebuilds the lab. Either way the cycle that found it counts as an error, and the JSON
// lists each recovery with its evidence and whether the roles settled in the end.
import type { Lab } from "../../hil-tests/lab/index.js";
import type { ClientSetup } from "./clients.js";
import { describeLogged, loggedBetween } from "./logs.js";
import { candidates, settledRoles, Unsettled } from "./roles.js";

const evidenceMs = 180_000;
const restartSettleMs = 30_000;
const events = ["role-changed", "stalled", "wiped", "vrrp-master-not-eligible", "catchup-answered"];

export interface Recovery {
  /** Class and cycle whose settle failed. */
  where: string;
  reason: string;
  /** The candidates' notable log records of the last 3 minutes before the recovery. */
  log: string[];
  restartSettled: boolean;
  rebuilt: boolean;
  /** Whether the roles settled in the end; if not, why. */
  settled: boolean;
  error?: string;
}

async function settles(setup: ClientSetup, timeoutMs: number): Promise<string | null> {
  try {
    await settledRoles(setup.lab, timeoutMs);
    return null;
  } catch (err) {
    if (!(err instanceof Unsettled)) throw err;
    return err.message;
  }
}

export async function recover(
  setup: ClientSetup,
  where: string,
  reason: string,
  rebuild: () => Promise<Lab>,
  settleMs: number,
): Promise<Recovery> {
  const now = Date.now();
  const logged = loggedBetween(setup.lab, candidates, events, now - evidenceMs, now);
  const base = { where, reason, log: describeLogged(logged.slice(-20), 20) };
  for (const board of candidates) await setup.lab.fault(board, { kind: "restart" });
  if ((await settles(setup, restartSettleMs)) === null)
    return { ...base, restartSettled: true, rebuilt: false, settled: true };
  setup.lab = await rebuild();
  const error = await settles(setup, settleMs);
  return {
    ...base,
    restartSettled: false,
    rebuilt: true,
    settled: error === null,
    ...(error !== null ? { error } : {}),
  };
}
