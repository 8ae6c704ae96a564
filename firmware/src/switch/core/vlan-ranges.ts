// VLAN sets as ranges: consecutive VLAN ids with equal flags become one range (what the kernel accepts as
// RANGE_BEGIN/RANGE_END and what `bridge vlan show` prints); a PVID is always a range of one, since the
// kernel refuses a PVID range. And back from the kernel's ranges to members. Pure.
import { BRIDGE_VLAN_INFO_PVID, BRIDGE_VLAN_INFO_UNTAGGED, type VlanRange } from "../codec/bridge-vlan.js";
import type { VlanMember } from "./model.js";

export function memberFlags(m: VlanMember): number {
  return (m.pvid ? BRIDGE_VLAN_INFO_PVID : 0) | (m.untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0);
}

/** Ranges of `members` (sorted by vid). */
export function toRanges(members: readonly VlanMember[]): VlanRange[] {
  const out: VlanRange[] = [];
  for (const m of members) {
    const flags = memberFlags(m);
    const last = out[out.length - 1];
    if (
      last &&
      !m.pvid &&
      !(last.flags & BRIDGE_VLAN_INFO_PVID) &&
      last.flags === flags &&
      last.end === m.vid - 1
    ) {
      last.end = m.vid;
    } else out.push({ start: m.vid, end: m.vid, flags });
  }
  return out;
}

export function fromRanges(ranges: readonly VlanRange[]): VlanMember[] {
  const out: VlanMember[] = [];
  for (const r of ranges) {
    for (let vid = r.start; vid <= r.end; vid++) {
      out.push({
        vid,
        pvid: (r.flags & BRIDGE_VLAN_INFO_PVID) !== 0,
        untagged: (r.flags & BRIDGE_VLAN_INFO_UNTAGGED) !== 0,
      });
    }
  }
  return out.sort((a, b) => a.vid - b.vid);
}
