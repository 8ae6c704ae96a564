// Maps what the daemon knows (its status with the switch's counts, and the directory's) to the MIB's unit snapshot.
// Pure: the caller passes the readings and the uptime. The ports are read on first use only: most requests
// (the system group, the ISS-MIB) never touch IF-MIB, and reading every port's counters from sysfs was the
// largest part of a member's work per multicast GET.
import type { DaemonStatus } from "../daemon/daemon.js";
import type { DirectoryStatus } from "../directory/service/sm-directory.js";
import type { PortSnapshot, UnitRole, UnitSnapshot } from "./mib/snapshot.js";

export interface SnapshotInputs {
  status: DaemonStatus;
  directory: DirectoryStatus | null;
  ports: () => PortSnapshot[];
  uptimeCs: number;
  system: { descr: string; contact: string; location: string };
}

export function unitRole(status: DaemonStatus): UnitRole {
  if (status.failover) return status.failover.role === "sm" ? "sm" : "bsm";
  if (status.rmtp.manager?.self) return "sm";
  return status.node.role === "bsm" ? "bsm" : status.node.role === "sm" ? "sm" : "se";
}

function directoryLag(d: DirectoryStatus): number {
  if (d.role === "sm") return d.replicas.reduce((max, r) => Math.max(max, r.lag), 0);
  return Math.max(0, d.head - d.lastCsn);
}

export function unitSnapshot(i: SnapshotInputs): UnitSnapshot {
  const { status } = i;
  const c = status.rmtp.counters;
  const manager = status.rmtp.manager;
  const identifyMs = status.unit.leds?.identifyRemainingMs ?? null;
  let ports: PortSnapshot[] | undefined;
  return {
    uptimeCs: i.uptimeCs,
    system: { ...i.system, name: status.node.name },
    node: { name: status.node.name, id: status.node.id },
    role: unitRole(status),
    epoch: status.rmtp.epoch,
    managerAddress: manager ? (manager.self ? status.node.address : manager.address) : null,
    ledState: status.unit.leds?.shown ?? null,
    identifyRemainingS: identifyMs === null ? 0 : Math.ceil(identifyMs / 1000),
    transport: {
      framesSent: c.framesSent,
      framesReceived: c.framesReceived,
      resentFrames: c.resentFrames,
      evictions: c.evictions,
      authFailures: c.authFailures,
    },
    directory: i.directory && {
      entries: i.directory.entries,
      lastCsn: i.directory.lastCsn,
      lag: directoryLag(i.directory),
    },
    switch: status.switch
      ? { vlans: status.switch.vlans, mdbEntries: status.switch.groups, driftRepairs: status.switch.repairs }
      : null,
    get ports() {
      return (ports ??= i.ports());
    },
  };
}
