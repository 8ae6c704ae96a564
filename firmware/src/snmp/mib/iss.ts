// ISS-MIB (firmware/mibs/ISS-MIB.txt) as the agent serves it: every object's name, OID below the
// enterprise arc, and how it reads from a unit snapshot; issUnitIdentify is writable and turns into an
// identify action. The directory and switch groups have instances only on units that have those parts.
import type { Instance, MibModule } from "./engine.js";
import type { UnitSnapshot } from "./snapshot.js";
import { ErrorStatus, ValueType, valueHelpers as v, type Value } from "./types.js";

/** 1.3.6.1.4.1.32473: the enterprise number RFC 5612 reserves for documentation; see docs/snmp.md. */
export const documentationEnterprise = 32473;
export const enterprisesArc = [1, 3, 6, 1, 4, 1];

export interface IssObject {
  name: string;
  /** Below the enterprise arc, without the instance's .0 (issUnitName = .1.1.1). */
  oid: number[];
  /** null: no instance on this unit (no directory, no switch). */
  read(s: UnitSnapshot): Value | null;
  writable?: boolean;
}

const roleNumber = { sm: 1, bsm: 2, se: 3 } as const;

export const issObjects: readonly IssObject[] = [
  { name: "issUnitName", oid: [1, 1, 1], read: (s) => v.str(s.node.name) },
  { name: "issUnitNodeId", oid: [1, 1, 2], read: (s) => v.gauge(s.node.id) },
  { name: "issUnitRole", oid: [1, 1, 3], read: (s) => v.int(roleNumber[s.role]) },
  { name: "issUnitEpoch", oid: [1, 1, 4], read: (s) => v.gauge(s.epoch) },
  { name: "issUnitManagerAddress", oid: [1, 1, 5], read: (s) => v.ip(s.managerAddress ?? "0.0.0.0") },
  { name: "issUnitLedState", oid: [1, 1, 6], read: (s) => v.str(s.ledState ?? "") },
  { name: "issUnitIdentify", oid: [1, 1, 7], read: (s) => v.gauge(s.identifyRemainingS), writable: true },
  { name: "issTxFramesSent", oid: [1, 2, 1], read: (s) => v.counter64(s.transport.framesSent) },
  { name: "issTxFramesReceived", oid: [1, 2, 2], read: (s) => v.counter64(s.transport.framesReceived) },
  { name: "issTxResentFrames", oid: [1, 2, 3], read: (s) => v.counter64(s.transport.resentFrames) },
  { name: "issTxEvictions", oid: [1, 2, 4], read: (s) => v.counter(s.transport.evictions) },
  { name: "issTxAuthFailures", oid: [1, 2, 5], read: (s) => v.counter(s.transport.authFailures) },
  { name: "issDirEntries", oid: [1, 3, 1], read: (s) => s.directory && v.gauge(s.directory.entries) },
  { name: "issDirLastCsn", oid: [1, 3, 2], read: (s) => s.directory && v.gauge(s.directory.lastCsn) },
  { name: "issDirLag", oid: [1, 3, 3], read: (s) => s.directory && v.gauge(s.directory.lag) },
  { name: "issSwitchVlans", oid: [1, 4, 1], read: (s) => s.switch && v.gauge(s.switch.vlans) },
  { name: "issSwitchMdbEntries", oid: [1, 4, 2], read: (s) => s.switch && v.gauge(s.switch.mdbEntries) },
  {
    name: "issSwitchDriftRepairs",
    oid: [1, 4, 3],
    read: (s) => s.switch && v.counter(s.switch.driftRepairs),
  },
];

/** issRoleChange, below the enterprise arc. */
export const issRoleChangeOid = [0, 1];

function identify(value: Value): { error: number } | { action: { kind: "identify"; seconds: number } } {
  if (value.type !== ValueType.Gauge32 || value.value > 3600) return { error: ErrorStatus.WrongValue };
  return { action: { kind: "identify", seconds: value.value } };
}

export function issModule(enterprise: readonly number[]): MibModule<UnitSnapshot> {
  return {
    objects: issObjects.map((o) => [...enterprise, ...o.oid]),
    instances(s) {
      const out: Instance[] = [];
      for (const o of issObjects) {
        const value = o.read(s);
        if (value === null) continue;
        out.push({ oid: [...enterprise, ...o.oid, 0], value, ...(o.writable ? { write: identify } : {}) });
      }
      return out;
    },
  };
}
