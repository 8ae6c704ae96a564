// The switch state the firmware manages, the same shape for what the config wants (desired.ts) and what
// the kernel has (actual.ts): the bridge and its options, its ports, VLAN membership, 802.1Q interfaces
// with their addresses, and permanent multicast group entries. Plain data, JSON as it is, and its counts.
import type { BridgeOptions } from "../codec/link.js";

export interface VlanMember {
  vid: number;
  pvid: boolean;
  untagged: boolean;
}

export interface BridgeState {
  name: string;
  present: boolean;
  up: boolean;
  options: BridgeOptions;
  /** The bridge device's own VLANs ("self"); null when VLANs are not managed. */
  vlans: VlanMember[] | null;
}

export interface PortState {
  name: string;
  present: boolean;
  master: string | null;
  up: boolean;
  /** IFLA_BRPORT_MULTICAST_ROUTER: 0 disabled, 1 auto, 2 permanent, 3 temporary. */
  mcastRouter: number;
  /** Sorted by vid; null when VLANs are not managed. */
  vlans: VlanMember[] | null;
}

export interface InterfaceState {
  name: string;
  present: boolean;
  parent: string | null;
  vid: number;
  up: boolean;
  /** IPv4 address/prefix, sorted. */
  addresses: string[];
}

/** A permanent MDB entry: `group` forwarded on `port` in VLAN `vid` (0 without VLAN filtering). */
export interface GroupEntry {
  port: string;
  group: string;
  vid: number;
}

export interface SwitchState {
  bridge: BridgeState;
  ports: PortState[];
  interfaces: InterfaceState[];
  groups: GroupEntry[];
}

export function groupKey(g: GroupEntry): string {
  return `${g.port} ${g.group} ${g.vid}`;
}

export function compareGroups(a: GroupEntry, b: GroupEntry): number {
  return a.port.localeCompare(b.port) || a.vid - b.vid || a.group.localeCompare(b.group);
}

export interface StateCounts {
  /** Distinct VLAN ids on the bridge and its ports. */
  vlans: number;
  /** (device, VLAN) memberships, the bridge's own included. */
  vlanMemberships: number;
  /** Permanent MDB entries. */
  groups: number;
}

export function stateCounts(s: SwitchState): StateCounts {
  const sets = [s.bridge.vlans, ...s.ports.map((p) => p.vlans)].filter((v): v is VlanMember[] => v !== null);
  return {
    vlans: new Set(sets.flatMap((v) => v.map((m) => m.vid))).size,
    vlanMemberships: sets.reduce((n, v) => n + v.length, 0),
    groups: s.groups.length,
  };
}
