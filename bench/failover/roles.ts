// Who holds which role between the cycles: the SM candidates' failover status over their control sockets,
// the wait until one of them is an established SM and the other an in-sync standby, with no change for a
// while (a returning board of higher priority takes the role back by a planned handover first), the wait
// for a repaired board, and the dead end in which no candidate is SM and none may become one.
import { setTimeout as sleep } from "node:timers/promises";
import type { FailoverUnitStatus } from "../../firmware/src/daemon/failover.js";
import { failoverStatus } from "../../hil-tests/failover/failover-lab.js";
import type { Lab } from "../../hil-tests/lab/index.js";

/** The lab's SM candidates with failover on: b1 (priority 200) and b2 (100). */
export const candidates = [1, 2] as const;

export interface Roles {
  sm: number;
  standby: number;
}

export type RoleStatus = Pick<FailoverUnitStatus, "role" | "established" | "eligibleBy">;

/** The roles when exactly one board is an established SM and another an in-sync standby; else null. */
export function rolesOf(statuses: ReadonlyMap<number, RoleStatus | undefined>): Roles | null {
  const entries = [...statuses.entries()];
  const sms = entries.filter(([, s]) => s?.role === "sm");
  const sm = sms.length === 1 && sms[0]![1]!.established ? sms[0]![0] : null;
  const standby = entries.find(([, s]) => s?.role === "standby" && s.eligibleBy === "lease")?.[0];
  return sm === null || standby === undefined ? null : { sm, standby };
}

/**
 * No candidate is SM and none may become one (each answers, as a standby without a lease or boot
 * eligibility): only an SM grants leases, so this lasts until someone intervenes.
 */
export function deadEnd(statuses: ReadonlyMap<number, RoleStatus | undefined>): boolean {
  const all = [...statuses.values()];
  return all.every((s) => s !== undefined && s.role === "standby" && s.eligibleBy === null);
}

/** How long a dead end must last before the wait gives up (a restart passes through it briefly). */
const deadEndMs = 10_000;

function describe(statuses: ReadonlyMap<number, RoleStatus | undefined>): string {
  return [...statuses.entries()]
    .map(([b, s]) =>
      s === undefined
        ? `b${b}: no answer`
        : `b${b}: ${s.role}, established ${s.established}, eligible by ${s.eligibleBy}`,
    )
    .join("; ");
}

export async function statuses(lab: Lab): Promise<Map<number, FailoverUnitStatus | undefined>> {
  const all = await Promise.all(candidates.map((b) => failoverStatus(lab, b)));
  return new Map(candidates.map((b, i) => [b, all[i]]));
}

/**
 * Waits until `board` is back: an in-sync standby, or the SM again (a board of higher priority takes the
 * role back as soon as it is in sync, so the standby state may be brief). False after `timeoutMs`.
 */
export async function waitBack(lab: Lab, board: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let deadSince: number | null = null;
  while (Date.now() < deadline) {
    const now = await statuses(lab);
    const s = now.get(board);
    if (s && ((s.role === "standby" && s.eligibleBy === "lease") || (s.role === "sm" && s.established)))
      return true;
    deadSince = deadEnd(now) ? (deadSince ?? Date.now()) : null;
    if (deadSince !== null && Date.now() - deadSince > deadEndMs) return false;
    await sleep(20);
  }
  return false;
}

/** The SM candidates did not settle: no established SM with an in-sync standby. */
export class Unsettled extends Error {}

/**
 * Waits until the roles are settled and unchanged for `stableMs`; throws Unsettled after `timeoutMs`, or
 * sooner when the candidates are at a dead end.
 */
export async function settledRoles(lab: Lab, timeoutMs: number, stableMs = 1500): Promise<Roles> {
  const deadline = Date.now() + timeoutMs;
  let held: { roles: Roles; since: number } | null = null;
  let deadSince: number | null = null;
  let seen = "no status yet";
  while (Date.now() < deadline) {
    const now = await statuses(lab);
    const roles = rolesOf(now);
    seen = describe(now);
    if (roles === null) held = null;
    else if (held === null || held.roles.sm !== roles.sm) held = { roles, since: Date.now() };
    else if (Date.now() - held.since >= stableMs) return roles;
    deadSince = deadEnd(now) ? (deadSince ?? Date.now()) : null;
    if (deadSince !== null && Date.now() - deadSince > deadEndMs)
      throw new Unsettled(`no SM, and no candidate may become one, for ${deadEndMs / 1000} s (${seen})`);
    await sleep(50);
  }
  throw new Unsettled(`no settled SM and in-sync standby within ${timeoutMs} ms (${seen})`);
}
