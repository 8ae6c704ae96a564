// Types of the VRRPv3 state machine (RFC 5798 section 6, as updated by RFC 9568): its configuration, the
// events a driver feeds it, the actions it asks for, and what it reports. Times are milliseconds of the
// driver's clock; intervals on the wire are centiseconds.
import type { Advertisement } from "../codec/advert.js";

export interface VrrpConfig {
  vrid: number;
  /** 1..254: we are never the address owner (255), and 0 is only sent on shutdown or release. */
  priority: number;
  /** Advertisement_Interval in centiseconds, 1..4095. */
  advertIntervalCs: number;
  /** Preempt_Mode: a backup with a higher priority takes over from a lower-priority master. */
  preempt: boolean;
  /** Our primary IPv4 address: the source of our advertisements, which breaks ties at equal priority. */
  primaryAddress: string;
  /** The virtual IPv4 addresses we advertise, at least one. */
  addresses: string[];
}

export type VrrpState = "initialize" | "backup" | "master";
export type TimerName = "adver" | "master-down";

export type VrrpEvent =
  | { kind: "start" }
  | { kind: "shutdown" }
  /** A planned handover: the master advertises priority 0 and becomes a backup; others take over after Skew_Time. */
  | { kind: "release" }
  /**
   * The master told this backup over another channel that it released the role to it (a planned
   * handover whose data this node holds): become master now, not Skew_Time after its priority 0.
   */
  | { kind: "released-to-us" }
  /** A decoded advertisement and its IPv4 source address. */
  | { kind: "advert"; advert: Advertisement; source: string }
  | { kind: "timer"; timer: TimerName }
  /** Whether this node has caught up with the master's data: the gate on preemption. */
  | { kind: "caught-up"; caughtUp: boolean };

export type MasterCause =
  /** No advertisement for Master_Down_Interval. */
  | "master-down"
  /** The master advertised priority 0 (shutdown or release) and Skew_Time passed. */
  | "master-released"
  /** We discarded a lower-priority master's advertisements (Preempt_Mode, caught up) until the timer ran out. */
  | "preempted";

export type BackupCause =
  | "start"
  | "higher-priority"
  /** Same priority as ours from a higher primary address. */
  | "equal-priority-higher-address"
  | "released";

export type VrrpAction =
  | { kind: "send-advert"; priority: number; intervalCs: number }
  | { kind: "become-master"; cause: MasterCause }
  | { kind: "become-backup"; cause: BackupCause; master: string | null }
  | { kind: "become-initialize"; cause: "shutdown" }
  /** Fire a `timer` event for this timer at `at` (replaces an earlier setting of the same timer). */
  | { kind: "set-timer"; timer: TimerName; at: number }
  | { kind: "cancel-timer"; timer: TimerName };

export interface VrrpCounters {
  advertsSent: number;
  advertsReceived: number;
  /** Another VRID: a different virtual router on the same link. */
  otherVrid: number;
  /** Our own advertisement looped back, or another router claiming our primary address. */
  ownAddress: number;
  /** Out-of-range fields in an advertisement the codec did not produce. */
  malformed: number;
  /** The address list differs from ours (RFC 5798 7.1: log, do not drop). */
  addressMismatch: number;
  /** Discarded by the master (lower priority or lower address) or by a preempting backup. */
  discarded: number;
  becameMaster: number;
  becameBackup: number;
}

export interface VrrpStatus {
  state: VrrpState;
  priority: number;
  /** The current master's primary address as last heard (ourselves when master), or null. */
  master: string | null;
  masterPriority: number | null;
  masterAdverIntervalCs: number;
  skewTimeMs: number;
  masterDownIntervalMs: number;
  caughtUp: boolean;
  mayPreempt: boolean;
  timers: Partial<Record<TimerName, number>>;
  counters: VrrpCounters;
}
