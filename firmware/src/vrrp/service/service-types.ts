// The VrrpService's public types: its options, the role change it reports, and its status (the state
// machine's view plus what the driver counts: packets the codec rejected, checksum variants heard, failed sends).
import type { ChecksumVariant, RejectReason } from "../codec/advert.js";
import type { BackupCause, MasterCause, VrrpConfig, VrrpState, VrrpStatus } from "../core/types.js";
import type { Clock } from "../../rmtp/io/clock.js";
import type { Logger } from "../../log/logger.js";
import type { VrrpTransport } from "../io/vrrp-transport.js";

export interface RoleChange {
  state: VrrpState;
  cause: MasterCause | BackupCause | "shutdown";
  /** The master's primary address as known at the change (ours when master), or null. */
  master: string | null;
}

export interface VrrpServiceOptions {
  /** The router's configuration; its primary address is the transport's local address. */
  config: Omit<VrrpConfig, "primaryAddress">;
  transport: VrrpTransport;
  clock: Clock;
  log: Logger;
  /** Whether preemption is open from the start (default false: call caughtUp(true)). */
  caughtUp?: boolean;
  /** The checksum our adverts carry; default "pseudo-header" (RFC 5798). */
  checksum?: ChecksumVariant;
  onRole?: (change: RoleChange) => void;
  /**
   * A master's advert timer that runs this much later than due means the process was stopped or starved:
   * it must not advertise from its old state (a backup may have taken over meanwhile). The advert is not
   * sent, adverts are held as by hold(), and onStall is told, so the owner re-checks its role first
   * (failover: it asks its standbys, then calls resume() or stops the router). Default: no check.
   */
  stallMs?: number;
  onStall?: (lateMs: number) => void;
}

export interface VrrpServiceCounters {
  /** Datagrams the codec discarded, by reason. */
  rejected: Partial<Record<RejectReason, number>>;
  /** Accepted advertisements by the checksum variant that matched. */
  checksums: Record<ChecksumVariant, number>;
  sendErrors: number;
  /** Adverts dropped because their source is fenced (see VrrpService.fence). */
  fenced: number;
}

export interface VrrpServiceStatus extends VrrpStatus {
  localAddress: string;
  running: boolean;
  driver: VrrpServiceCounters;
}
