// The kernel's state as the switch sees it: from the decoded dumps (links, bridge ports with their VLANs,
// the MDB, IPv4 addresses) to the same shape as the desired state, for the objects the desired state names.
// Learned (temporary) group entries and objects the config does not name are left out. Pure.
import type { AddrRecord } from "../codec/addr.js";
import { IFF_UP } from "../codec/ifinfo.js";
import type { BridgeOptions, LinkInfo } from "../codec/link.js";
import { MDB_PERMANENT, type MdbRecord } from "../codec/mdb.js";
import { compareGroups, type SwitchState } from "./model.js";
import { fromRanges } from "./vlan-ranges.js";

export interface KernelSnapshot {
  /** RTM_GETLINK dump, family AF_UNSPEC. */
  links: LinkInfo[];
  /** RTM_GETLINK dump, family AF_BRIDGE: bridges and their ports with VLANs and port options. */
  bridgeLinks: LinkInfo[];
  mdb: MdbRecord[];
  addresses: AddrRecord[];
}

/** The kernel's defaults for a new bridge. */
export const bridgeDefaults: BridgeOptions = {
  vlanFiltering: 0,
  mcastSnooping: 1,
  mcastQuerier: 0,
  igmpVersion: 2,
  mldVersion: 1,
};

export function actualState(snap: KernelSnapshot, desired: SwitchState): SwitchState {
  const byName = new Map(snap.links.map((l) => [l.name, l]));
  const nameOf = (index: number): string | null => snap.links.find((l) => l.index === index)?.name ?? null;
  const bridgeSide = new Map(snap.bridgeLinks.map((l) => [l.index, l]));
  const manageVlans = desired.bridge.vlans !== null;
  const br = byName.get(desired.bridge.name);
  const bridge = br?.kind === "bridge" ? br : undefined;
  const vlansOf = (l: LinkInfo | undefined) =>
    manageVlans ? fromRanges((l && bridgeSide.get(l.index)?.vlans) ?? []) : null;
  const portNames = new Set(desired.ports.map((p) => p.name));
  return {
    bridge: {
      name: desired.bridge.name,
      present: bridge !== undefined,
      up: bridge !== undefined && (bridge.flags & IFF_UP) !== 0,
      options: { ...bridgeDefaults, ...bridge?.bridge },
      vlans: vlansOf(bridge),
    },
    ports: desired.ports.map((p) => {
      const l = byName.get(p.name);
      return {
        name: p.name,
        present: l !== undefined,
        master: l && l.master ? nameOf(l.master) : null,
        up: l !== undefined && (l.flags & IFF_UP) !== 0,
        mcastRouter: (l && bridgeSide.get(l.index)?.mcastRouter) ?? 1,
        vlans: l && l.master ? vlansOf(l) : manageVlans ? [] : null,
      };
    }),
    interfaces: desired.interfaces.map((i) => {
      const l = byName.get(i.name);
      return {
        name: i.name,
        present: l !== undefined,
        parent: l && l.link ? nameOf(l.link) : null,
        vid: l?.vlanId ?? 0,
        up: l !== undefined && (l.flags & IFF_UP) !== 0,
        addresses: l
          ? snap.addresses
              .filter((a) => a.index === l.index)
              .map((a) => a.cidr)
              .sort()
          : [],
      };
    }),
    groups: bridge
      ? snap.mdb
          .filter((m) => m.bridge === bridge.index && m.state === MDB_PERMANENT)
          .map((m) => ({ port: nameOf(m.port) ?? `#${m.port}`, group: m.group, vid: m.vid }))
          .filter((g) => portNames.has(g.port))
          .sort(compareGroups)
      : [],
  };
}
