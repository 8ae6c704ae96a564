// Links (RTM_NEWLINK/DELLINK/GETLINK with struct ifinfomsg, 16 bytes: u8 family, u8 pad, u16 type, s32 index,
// u32 flags, u32 change): the requests the switch sends (create a bridge or an 802.1Q interface, set a
// master, up, bridge options, a port's multicast router mode) and a decoder of the kernel's link messages
// that keeps what the switch manages. Pure; offsets in docs/switch-netlink.md.
import {
  find,
  nested,
  NetlinkDecodeError,
  readAttrs,
  readString,
  readU16,
  readU32,
  readU8,
  stringAttr,
  u16Attr,
  u32Attr,
  u8Attr,
  type Attr,
} from "./attrs.js";
import { decodeVlanInfos, type VlanRange } from "./bridge-vlan.js";
import { AF_BRIDGE, AF_UNSPEC, encodeIfinfo, IFF_UP, IFINFOMSG_LEN } from "./ifinfo.js";

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;

const IFLA_IFNAME = 3;
const IFLA_LINK = 5;
const IFLA_MASTER = 10;
const IFLA_PROTINFO = 12;
const IFLA_LINKINFO = 18;
const IFLA_AF_SPEC = 26;
const IFLA_EXT_MASK = 29;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const IFLA_VLAN_ID = 1;
const IFLA_BRPORT_MULTICAST_ROUTER = 25;
const RTEXT_FILTER_BRVLAN_COMPRESSED = 1 << 2;

/** IFLA_BR_* attributes the switch manages, all u8. */
export const bridgeOptionAttrs = {
  vlanFiltering: 7,
  mcastSnooping: 23,
  mcastQuerier: 25,
  igmpVersion: 43,
  mldVersion: 44,
} as const;
export type BridgeOptionName = keyof typeof bridgeOptionAttrs;
export type BridgeOptions = Record<BridgeOptionName, number>;

function bridgeData(options: Partial<BridgeOptions>): Buffer[] {
  return (Object.keys(bridgeOptionAttrs) as BridgeOptionName[])
    .filter((k) => options[k] !== undefined)
    .map((k) => u8Attr(bridgeOptionAttrs[k], options[k] ?? 0));
}

/** RTM_NEWLINK payload creating bridge `name` with the given options (NLM_F_CREATE|NLM_F_EXCL). */
export function createBridgePayload(name: string, options: Partial<BridgeOptions>): Buffer {
  return Buffer.concat([
    encodeIfinfo(AF_UNSPEC, 0),
    stringAttr(IFLA_IFNAME, name),
    nested(IFLA_LINKINFO, [
      stringAttr(IFLA_INFO_KIND, "bridge"),
      nested(IFLA_INFO_DATA, bridgeData(options)),
    ]),
  ]);
}

/** RTM_NEWLINK payload changing options of the bridge at `index`. */
export function bridgeOptionsPayload(index: number, options: Partial<BridgeOptions>): Buffer {
  return Buffer.concat([
    encodeIfinfo(AF_UNSPEC, index),
    nested(IFLA_LINKINFO, [
      stringAttr(IFLA_INFO_KIND, "bridge"),
      nested(IFLA_INFO_DATA, bridgeData(options)),
    ]),
  ]);
}

/** RTM_NEWLINK payload creating 802.1Q interface `name` with VLAN `vid` on the link at `parent`. */
export function createVlanPayload(name: string, parent: number, vid: number): Buffer {
  return Buffer.concat([
    encodeIfinfo(AF_UNSPEC, 0),
    stringAttr(IFLA_IFNAME, name),
    u32Attr(IFLA_LINK, parent),
    nested(IFLA_LINKINFO, [
      stringAttr(IFLA_INFO_KIND, "vlan"),
      nested(IFLA_INFO_DATA, [u16Attr(IFLA_VLAN_ID, vid)]),
    ]),
  ]);
}

/** RTM_SETLINK payload: `master` 0 releases the link from its master. */
export function setMasterPayload(index: number, master: number): Buffer {
  return Buffer.concat([encodeIfinfo(AF_UNSPEC, index), u32Attr(IFLA_MASTER, master)]);
}

export function setUpPayload(index: number, up: boolean): Buffer {
  return encodeIfinfo(AF_UNSPEC, index, up ? IFF_UP : 0, IFF_UP);
}

export function deleteLinkPayload(index: number): Buffer {
  return encodeIfinfo(AF_UNSPEC, index);
}

/** RTM_SETLINK (AF_BRIDGE) payload setting a port's IFLA_BRPORT_MULTICAST_ROUTER (0-3). */
export function portRouterPayload(index: number, mode: number): Buffer {
  return Buffer.concat([
    encodeIfinfo(AF_BRIDGE, index),
    nested(IFLA_PROTINFO, [u8Attr(IFLA_BRPORT_MULTICAST_ROUTER, mode)]),
  ]);
}

/** RTM_GETLINK dump request; for AF_BRIDGE with compressed VLAN ranges. */
export function dumpLinksPayload(family: number): Buffer {
  const head = encodeIfinfo(family, 0);
  return family === AF_BRIDGE
    ? Buffer.concat([head, u32Attr(IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN_COMPRESSED)])
    : head;
}

export interface LinkInfo {
  family: number;
  index: number;
  flags: number;
  name: string;
  master: number;
  /** IFLA_LINK: the lower device (an 802.1Q interface's parent). */
  link: number;
  kind: string;
  vlanId?: number;
  bridge?: Partial<BridgeOptions>;
  /** AF_BRIDGE messages of bridge ports: IFLA_BRPORT_MULTICAST_ROUTER. */
  mcastRouter?: number;
  /** AF_BRIDGE messages: the VLANs in IFLA_AF_SPEC (ranges as the kernel sent them). */
  vlans?: VlanRange[];
}

function decodeBridgeData(attrs: readonly Attr[]): Partial<BridgeOptions> {
  const out: Partial<BridgeOptions> = {};
  for (const k of Object.keys(bridgeOptionAttrs) as BridgeOptionName[]) {
    const v = find(attrs, bridgeOptionAttrs[k]);
    if (v !== undefined) out[k] = readU8(v, `IFLA_BR ${k}`);
  }
  return out;
}

function decodeLinkinfo(value: Buffer, into: LinkInfo): void {
  const attrs = readAttrs(value, "IFLA_LINKINFO");
  const kind = find(attrs, IFLA_INFO_KIND);
  into.kind = kind === undefined ? "" : readString(kind);
  const data = find(attrs, IFLA_INFO_DATA);
  if (data === undefined) return;
  const dataAttrs = readAttrs(data, "IFLA_INFO_DATA");
  if (into.kind === "vlan") {
    const id = find(dataAttrs, IFLA_VLAN_ID);
    if (id !== undefined) into.vlanId = readU16(id, "IFLA_VLAN_ID");
  } else if (into.kind === "bridge") into.bridge = decodeBridgeData(dataAttrs);
}

/** The payload of an RTM_NEWLINK or RTM_DELLINK from the kernel (dump part or notification). */
export function decodeLink(payload: Buffer): LinkInfo {
  if (payload.length < IFINFOMSG_LEN) {
    throw new NetlinkDecodeError(`ifinfomsg: ${payload.length} bytes, need ${IFINFOMSG_LEN}`);
  }
  const info: LinkInfo = {
    family: payload.readUInt8(0),
    index: payload.readInt32LE(4),
    flags: payload.readUInt32LE(8),
    name: "",
    master: 0,
    link: 0,
    kind: "",
  };
  for (const a of readAttrs(payload.subarray(IFINFOMSG_LEN), "ifinfomsg attributes")) {
    if (a.type === IFLA_IFNAME) info.name = readString(a.value);
    else if (a.type === IFLA_MASTER) info.master = readU32(a.value, "IFLA_MASTER");
    else if (a.type === IFLA_LINK) info.link = readU32(a.value, "IFLA_LINK");
    else if (a.type === IFLA_LINKINFO) decodeLinkinfo(a.value, info);
    else if (a.type === IFLA_PROTINFO && info.family === AF_BRIDGE) {
      const router = find(readAttrs(a.value, "IFLA_PROTINFO"), IFLA_BRPORT_MULTICAST_ROUTER);
      if (router !== undefined) info.mcastRouter = readU8(router, "IFLA_BRPORT_MULTICAST_ROUTER");
    } else if (a.type === IFLA_AF_SPEC && info.family === AF_BRIDGE) info.vlans = decodeVlanInfos(a.value);
  }
  return info;
}
