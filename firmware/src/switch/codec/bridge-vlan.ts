// Bridge VLAN membership in IFLA_AF_SPEC (RTM_SETLINK to add, RTM_DELLINK to delete, family AF_BRIDGE):
// IFLA_BRIDGE_FLAGS (u16, SELF for the bridge device's own VLANs) and IFLA_BRIDGE_VLAN_INFO entries
// (struct bridge_vlan_info, 4 bytes: u16 flags, u16 vid), a run of VLANs with equal flags sent as two
// entries flagged RANGE_BEGIN and RANGE_END. Pure; offsets in docs/switch-netlink.md.
import { attr, nested, NetlinkDecodeError, readAttrs, u16Attr } from "./attrs.js";
import { AF_BRIDGE, encodeIfinfo } from "./ifinfo.js";

const IFLA_AF_SPEC = 26;
const IFLA_BRIDGE_FLAGS = 0;
const IFLA_BRIDGE_VLAN_INFO = 2;
const BRIDGE_FLAGS_SELF = 2;
export const BRIDGE_VLAN_INFO_PVID = 0x2;
export const BRIDGE_VLAN_INFO_UNTAGGED = 0x4;
const BRIDGE_VLAN_INFO_RANGE_BEGIN = 0x8;
const BRIDGE_VLAN_INFO_RANGE_END = 0x10;
const VLAN_INFO_LEN = 4;

/** VLANs start..end (inclusive) with the same flags (PVID, UNTAGGED). */
export interface VlanRange {
  start: number;
  end: number;
  flags: number;
}

function vlanInfo(flags: number, vid: number): Buffer {
  const b = Buffer.alloc(VLAN_INFO_LEN);
  b.writeUInt16LE(flags, 0);
  b.writeUInt16LE(vid, 2);
  return attr(IFLA_BRIDGE_VLAN_INFO, b);
}

/** Payload adding (RTM_SETLINK) or deleting (RTM_DELLINK) `ranges` on the port or bridge at `index`. */
export function vlanPayload(index: number, self: boolean, ranges: readonly VlanRange[]): Buffer {
  const entries: Buffer[] = self ? [u16Attr(IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF)] : [];
  for (const r of ranges) {
    if (r.start === r.end) entries.push(vlanInfo(r.flags, r.start));
    else {
      entries.push(vlanInfo(r.flags | BRIDGE_VLAN_INFO_RANGE_BEGIN, r.start));
      entries.push(vlanInfo(r.flags | BRIDGE_VLAN_INFO_RANGE_END, r.end));
    }
  }
  return Buffer.concat([encodeIfinfo(AF_BRIDGE, index), nested(IFLA_AF_SPEC, entries)]);
}

/** The VLAN entries of an AF_BRIDGE link message's IFLA_AF_SPEC, ranges joined. */
export function decodeVlanInfos(afSpec: Buffer): VlanRange[] {
  const out: VlanRange[] = [];
  let begin: VlanRange | undefined;
  for (const a of readAttrs(afSpec, "IFLA_AF_SPEC")) {
    if (a.type !== IFLA_BRIDGE_VLAN_INFO) continue;
    if (a.value.length < VLAN_INFO_LEN) {
      throw new NetlinkDecodeError(`IFLA_BRIDGE_VLAN_INFO: ${a.value.length} bytes, need ${VLAN_INFO_LEN}`);
    }
    const raw = a.value.readUInt16LE(0);
    const vid = a.value.readUInt16LE(2) & 0xfff;
    const flags = raw & (BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
    if (raw & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
      if (begin)
        throw new NetlinkDecodeError(`IFLA_BRIDGE_VLAN_INFO: range at ${vid} inside range at ${begin.start}`);
      begin = { start: vid, end: vid, flags };
    } else if (raw & BRIDGE_VLAN_INFO_RANGE_END) {
      if (!begin || vid < begin.start)
        throw new NetlinkDecodeError(`IFLA_BRIDGE_VLAN_INFO: range end ${vid} without a begin`);
      out.push({ start: begin.start, end: vid, flags: begin.flags });
      begin = undefined;
    } else {
      if (begin) throw new NetlinkDecodeError(`IFLA_BRIDGE_VLAN_INFO: ${vid} inside range at ${begin.start}`);
      out.push({ start: vid, end: vid, flags });
    }
  }
  if (begin) throw new NetlinkDecodeError(`IFLA_BRIDGE_VLAN_INFO: range at ${begin.start} never ends`);
  return out;
}
