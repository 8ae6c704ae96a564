// One cycle of each fault class, between settled roles: the clients start writing to the virtual address,
// the SM gets its fault (kill: SIGKILL; stop: SIGSTOP; cut: its switch port down) or is asked for a planned
// handover, the standby's takeover is observed, the faulted board is brought back (restart, SIGCONT, port
// up) and waits until it is an in-sync standby, and the clients' writes are checked on the new SM, and
// again on whichever board is SM once the roles have settled after the old SM's return.
import { ControlClient } from "../../firmware/src/control/client.js";
import type { Lab } from "../../hil-tests/lab/index.js";
import { within } from "../../hil-tests/rmtp/group-under-test.js";
import { checkClients, startClients, stopClients, type ClientSetup, type Clients } from "./clients.js";
import { loggedBetween } from "./logs.js";
import type { FaultClass } from "./options.js";
import { settledRoles, waitBack } from "./roles.js";
import { observeTakeover, unplannedLeave, type TakeoverFigures } from "./takeover.js";
import type { WriteCheck } from "./write-check.js";

export type UnplannedClass = Exclude<FaultClass, "planned">;

export interface CycleFigures extends TakeoverFigures {
  cycle: number;
  /** The SM that got the fault (or handed over), and the standby that took over. */
  faulted: number;
  newSm: number;
  /** How long injecting took; for cut the fault time is the end of the `ip link set down`. */
  injectMs: number;
  /** planned: when the handover op answered, and how long the old SM drained writes (its log). */
  handover?: { answeredMs: number; drainedMs: number | null };
  writes: WriteCheck;
  /** The same histories on the SM once the roles settled after the repair; null if they did not settle. */
  writesAfterReturn: WriteCheck | null;
  /** The new SM left the role again by the end of the cycle, other than by a planned handover. */
  newSmLeft: string | null;
  /** From the repair (restart, SIGCONT, port up; planned: the takeover) to the old SM in sync or SM again. */
  recoveryMs: number | null;
  /** Where the cycle's wall-clock time went, phase by phase (settle, warm-up, takeover, ...). */
  phasesMs: Record<string, number>;
}

/** Phase timer of one cycle: lap(name) books the time since the previous lap under name. */
function phaseTimer(): { lap: (name: string) => void; phases: Record<string, number> } {
  const phases: Record<string, number> = {};
  let last = Date.now();
  return {
    phases,
    lap: (name) => {
      const now = Date.now();
      phases[name] = now - last;
      last = now;
    },
  };
}

export type CycleResult = CycleFigures | { cycle: number; error: string };

/** The planned handover's control op does not exist in this firmware. */
export class Unavailable extends Error {}

/** How long the roles may take to settle before a cycle (a returning board catches up, then preempts). */
export const settleMs = 45_000;
const recoverMs = 45_000;

async function inject(
  lab: Lab,
  kind: UnplannedClass,
  board: number,
): Promise<{ at: number; injectMs: number }> {
  if (kind === "cut") {
    const start = Date.now();
    await lab.fault(board, { kind: "cut" });
    const at = Date.now();
    return { at, injectMs: at - start };
  }
  const pid = lab.board(board).pid;
  if (pid === null) throw new Error(`b${board} has no daemon`);
  const at = Date.now();
  process.kill(pid, kind === "kill" ? "SIGKILL" : "SIGSTOP");
  return { at, injectMs: Date.now() - at };
}

const repairs = { kill: "restart", stop: "cont", cut: "restore" } as const;

/** The clients' histories on the SM after the roles settled again, or null when they do not settle. */
async function checkAfterReturn(setup: ClientSetup, clients: Clients): Promise<WriteCheck | null> {
  const roles = await settledRoles(setup.lab, settleMs, setup.rolesStableMs).catch(() => null);
  return roles === null ? null : checkClients(setup, clients, roles.sm);
}

export async function unplannedCycle(
  setup: ClientSetup,
  kind: UnplannedClass,
  cycle: number,
): Promise<CycleFigures> {
  const { lab } = setup;
  const { lap, phases } = phaseTimer();
  const roles = await settledRoles(lab, settleMs, setup.rolesStableMs);
  lap("settle");
  const clients = await startClients(setup, `${kind[0]}${cycle}`);
  lap("warmup");
  let injected = false;
  let repaired = false;
  try {
    const { at, injectMs } = await inject(lab, kind, roles.sm);
    injected = true;
    const takeover = await observeTakeover(setup, clients, roles.standby, at);
    lap("takeover");
    const stopping = stopClients(clients);
    const repairAt = Date.now();
    await lab.fault(roles.sm, { kind: repairs[kind] });
    repaired = true;
    await stopping;
    lap("repair");
    const writes = await checkClients(setup, clients, roles.standby);
    lap("check");
    const back = await waitBack(lab, roles.sm, recoverMs);
    const recoveryMs = back ? Date.now() - repairAt : null;
    lap("back");
    const writesAfterReturn = await checkAfterReturn(setup, clients);
    lap("afterReturn");
    return {
      cycle,
      faulted: roles.sm,
      newSm: roles.standby,
      injectMs,
      ...takeover,
      writes,
      writesAfterReturn,
      newSmLeft: unplannedLeave(lab, roles.standby, at),
      recoveryMs,
      phasesMs: phases,
    };
  } finally {
    await stopClients(clients);
    if (injected && !repaired) await lab.fault(roles.sm, { kind: repairs[kind] }).catch(() => undefined);
  }
}

async function requestHandover(lab: Lab, from: number, to: number): Promise<void> {
  const client = await ControlClient.connect(lab.board(from).controlSocket, 2000);
  try {
    await within(client.call("failover.handover", { to }), 10_000, "failover.handover");
  } catch (err) {
    const message = (err as Error).message;
    if (message.startsWith("unknown op")) throw new Unavailable(message);
    throw err;
  } finally {
    client.close();
  }
}

export async function plannedCycle(setup: ClientSetup, cycle: number): Promise<CycleFigures> {
  const { lab } = setup;
  const { lap, phases } = phaseTimer();
  const roles = await settledRoles(lab, settleMs, setup.rolesStableMs);
  lap("settle");
  const clients = await startClients(setup, `p${cycle}`);
  lap("warmup");
  try {
    const at = Date.now();
    await requestHandover(lab, roles.sm, roles.standby);
    const answeredMs = Date.now() - at;
    const takeover = await observeTakeover(setup, clients, roles.standby, at);
    lap("takeover");
    const handedAt = Date.now();
    const logged = loggedBetween(lab, [roles.sm], ["handover"], at, handedAt)[0];
    const drainedMs = typeof logged?.record.drainedMs === "number" ? logged.record.drainedMs : null;
    await stopClients(clients);
    lap("stop");
    const writes = await checkClients(setup, clients, roles.standby);
    lap("check");
    const back = await waitBack(lab, roles.sm, recoverMs);
    const recoveryMs = back ? Date.now() - handedAt : null;
    lap("back");
    const writesAfterReturn = await checkAfterReturn(setup, clients);
    lap("afterReturn");
    return {
      cycle,
      faulted: roles.sm,
      newSm: roles.standby,
      injectMs: 0,
      handover: { answeredMs, drainedMs },
      ...takeover,
      writes,
      writesAfterReturn,
      newSmLeft: unplannedLeave(lab, roles.standby, at),
      recoveryMs,
      phasesMs: phases,
    };
  } finally {
    await stopClients(clients);
  }
}
