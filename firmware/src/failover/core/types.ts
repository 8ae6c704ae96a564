// Types of the failover controller (docs/failover.md): its parameters, the events a driver feeds it and the
// actions it asks for. Times are milliseconds of the driver's monotonic clock.

export interface FailoverParams {
  /**
   * How long a standby's lease runs, counted from when the standby asked for it. A standby may become SM
   * only while it holds one, and an SM whose standby stops answering waits this long (plus margin) before
   * it acknowledges writes without it.
   */
  leaseMs: number;
  /**
   * A gap longer than this between two readings of the clock (the process was stopped, or starved) is a
   * stall: a backup may have taken over meanwhile. Set to the VRRP advertisement interval times three: the
   * least Master_Down_Interval of any backup.
   */
  stallMs: number;
  /**
   * After a stall, how long an SM waits for every standby that may have held a lease to confirm that it is
   * still a standby of this term; without all confirmations by then it steps down.
   */
  checkMs: number;
}

export type Role = "standby" | "sm";

export type FailoverEvent =
  /**
   * The driver is up. bootEligible: this node may be elected without a lease (it was the last manager it
   * knew of, or it is a fresh SM). It becomes eligible the same way when VRRP demotes it from an
   * established term, until it hears a manager.
   */
  | { kind: "start"; bootEligible: boolean }
  /** A timer the controller asked for, or a watchdog reading of the clock. */
  | { kind: "tick" }
  /** The driver saw a stall the controller's own readings may not show (a VRRP advert timer ran late). */
  | { kind: "stall"; lateMs: number }
  /** The outcome of a stall-check: every standby that may have held a lease confirmed, or why not. */
  | { kind: "stall-checked"; ok: boolean; reason?: string }
  /** The VRRP router changed state. */
  | { kind: "vrrp"; state: "master" | "backup" | "initialize"; cause: string }
  /** The SM granted this standby a lease for the SM's epoch, valid until `until` (our clock). */
  | { kind: "lease"; epoch: number; until: number }
  /** RMTP followed a manager's announcement of this epoch. */
  | { kind: "manager-heard"; epoch: number; manager: string }
  /** As SM: how many known members have joined this node's epoch (itself counted). */
  | { kind: "members"; joined: number; known: number }
  /** As SM: a member said HELLO in an epoch higher than ours. */
  | { kind: "higher-epoch"; epoch: number; node: number }
  /** RMTP stepped down by itself: another manager announced a higher epoch. */
  | { kind: "stepped-down"; cause: string }
  /** As SM: a planned handover to a caught-up standby is ready (writes drained); release the role. */
  | { kind: "handover" };

export type FailoverAction =
  | { kind: "vrrp-start" }
  | { kind: "vrrp-stop" }
  /** Advertise priority 0 and become a backup: the planned handover. */
  | { kind: "vrrp-release" }
  /**
   * The SM stalled: hold VRRP adverts back (a backup may be master now, and ours would demote it) and ask
   * every standby that may have held a lease since `since` whether it still is ours (answer: stall-checked).
   */
  | { kind: "stall-check"; since: number }
  /** Every such standby confirmed: VRRP advertises again. */
  | { kind: "stall-cleared" }
  /** Start a manager term at `epoch` (persist it first): RMTP manager, directory writer, virtual IP. */
  | { kind: "become-sm"; epoch: number; cause: string }
  /**
   * Leave the SM role: refuse what is in flight, drop the virtual IP, run the directory as a replica. When
   * the term never won a majority, RMTP goes back to following `followEpoch` (its higher epoch would
   * otherwise make the live SM step down). `wipe`: this node's store may hold changes no other node has
   * (a term that ended unplanned); the replica takes a full refresh.
   */
  | { kind: "become-standby"; cause: string; wipe: boolean; followEpoch: number | null }
  | { kind: "set-timer"; at: number }
  | { kind: "log"; level: "info" | "warn"; event: string; fields: Record<string, unknown> };

export interface FailoverStatus {
  role: Role;
  epoch: number;
  eligible: boolean;
  eligibleBy: "lease" | "boot" | null;
  leaseRemainingMs: number | null;
  /** As SM: whether a majority of the known members has joined this term. */
  established: boolean;
  vrrp: "master" | "backup" | "initialize";
  vrrpRunning: boolean;
  stalls: number;
  /** As SM: a stall is being checked (writes are not acknowledged, adverts are held back). */
  checkingStall: boolean;
  lastChange: { role: Role; cause: string; at: number } | null;
}
