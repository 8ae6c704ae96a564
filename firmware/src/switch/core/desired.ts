// From the validated config to the desired switch state: ports with their VLAN sets (PVID, untagged,
// tagged, ranges expanded), the bridge's own VLANs plus every interface's VLAN as tagged, 802.1Q interfaces,
// bridge options, and the permanent groups: the configured ones and the RMTP group on every port where
// service LAN boards sit. Pure.
import { canonicalIp } from "../codec/ip.js";
import { expandVlans, routerModes, type SwitchConfig } from "../../config/switch-schema.js";
import { compareGroups, groupKey, type GroupEntry, type SwitchState, type VlanMember } from "./model.js";

interface Membership {
  pvid?: number;
  untagged: ReadonlyArray<number | string>;
  tagged: ReadonlyArray<number | string>;
}

export function vlanMembers(m: Membership, extraTagged: readonly number[] = []): VlanMember[] {
  const members = new Map<number, VlanMember>();
  for (const vid of [...expandVlans(m.tagged), ...extraTagged])
    members.set(vid, { vid, pvid: false, untagged: false });
  for (const vid of expandVlans(m.untagged)) members.set(vid, { vid, pvid: false, untagged: true });
  if (m.pvid !== undefined) {
    const known = members.get(m.pvid);
    members.set(m.pvid, { vid: m.pvid, pvid: true, untagged: known ? known.untagged : true });
  }
  return [...members.values()].sort((a, b) => a.vid - b.vid);
}

export function interfaceName(sw: SwitchConfig, i: SwitchConfig["interfaces"][number]): string {
  return i.name ?? `${sw.bridge}.${i.vlan}`;
}

/** The desired state of `sw`; `serviceGroup` is the RMTP group (rmtp.group). */
export function desiredState(sw: SwitchConfig, serviceGroup: string): SwitchState {
  const vlans = sw.vlanFiltering;
  const groups = new Map<string, GroupEntry>();
  const add = (g: GroupEntry): void => void groups.set(groupKey(g), g);
  for (const g of sw.multicast.groups) {
    for (const port of g.ports) add({ port, group: canonicalIp(g.group), vid: g.vlan ?? 0 });
  }
  for (const p of sw.ports) {
    if (p.serviceMembers) add({ port: p.name, group: canonicalIp(serviceGroup), vid: sw.serviceVlan ?? 0 });
  }
  return {
    bridge: {
      name: sw.bridge,
      present: true,
      up: true,
      options: {
        vlanFiltering: vlans ? 1 : 0,
        mcastSnooping: sw.multicast.snooping ? 1 : 0,
        mcastQuerier: sw.multicast.querier ? 1 : 0,
        igmpVersion: sw.multicast.igmpVersion,
        mldVersion: sw.multicast.mldVersion,
      },
      vlans: vlans
        ? vlanMembers(
            sw.bridgeVlans,
            sw.interfaces.map((i) => i.vlan),
          )
        : null,
    },
    ports: sw.ports.map((p) => ({
      name: p.name,
      present: true,
      master: sw.bridge,
      up: true,
      mcastRouter: routerModes[p.multicastRouter],
      vlans: vlans ? vlanMembers(p) : null,
    })),
    interfaces: sw.interfaces.map((i) => ({
      name: interfaceName(sw, i),
      present: true,
      parent: sw.bridge,
      vid: i.vlan,
      up: true,
      addresses: [...new Set(i.addresses)].sort(),
    })),
    groups: [...groups.values()].sort(compareGroups),
  };
}

/** `state` with `extra` permanent groups added (the directory's stream groups). */
export function withGroups(state: SwitchState, extra: readonly GroupEntry[]): SwitchState {
  const groups = new Map(state.groups.map((g) => [groupKey(g), g]));
  for (const g of extra) groups.set(groupKey(g), g);
  return { ...state, groups: [...groups.values()].sort(compareGroups) };
}
