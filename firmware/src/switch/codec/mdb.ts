// The bridge multicast database (RTM_NEWMDB/DELMDB/GETMDB, family AF_BRIDGE): struct br_port_msg (8 bytes:
// u8 family, 3 pad, u32 bridge ifindex) followed by MDBA_SET_ENTRY with a struct br_mdb_entry (28 bytes: u32
// port ifindex, u8 state, u8 flags, u16 vid, 16-byte address union, be16 protocol, 2 pad) in requests, and
// MDBA_MDB > MDBA_MDB_ENTRY > MDBA_MDB_ENTRY_INFO (the same struct, then attributes) in dumps and
// notifications. The `netlink` package has no MDB support. Pure; offsets in docs/switch-netlink.md.
import { NetlinkDecodeError, readAttrs } from "./attrs.js";
import { AF_BRIDGE } from "./ifinfo.js";
import { bytesToIp, writeIp } from "./ip.js";

export const RTM_NEWMDB = 84;
export const RTM_DELMDB = 85;
export const RTM_GETMDB = 86;
export const MDB_TEMPORARY = 0;
export const MDB_PERMANENT = 1;
const BR_PORT_MSG_LEN = 8;
export const BR_MDB_ENTRY_LEN = 28;
const MDBA_MDB = 1;
const MDBA_MDB_ENTRY = 1;
const MDBA_MDB_ENTRY_INFO = 1;
const MDBA_SET_ENTRY = 1;
const NLA_HDRLEN = 4;
const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;

export interface MdbRecord {
  /** The bridge's ifindex (br_port_msg). */
  bridge: number;
  /** The port's ifindex. */
  port: number;
  state: number;
  flags: number;
  vid: number;
  /** IPv4 or IPv6 group in text form, or a MAC address for layer-2 entries. */
  group: string;
}

function portMsg(bridge: number): Buffer {
  const b = Buffer.alloc(BR_PORT_MSG_LEN);
  b.writeUInt8(AF_BRIDGE, 0);
  b.writeUInt32LE(bridge, 4);
  return b;
}

/** Writes `e` as a br_mdb_entry at `at` of `b` (zeroed). */
function writeMdbEntry(b: Buffer, at: number, e: Pick<MdbRecord, "port" | "state" | "vid" | "group">): void {
  b.writeUInt32LE(e.port, at);
  b.writeUInt8(e.state, at + 4);
  b.writeUInt16LE(e.vid, at + 6);
  const length = writeIp(b, at + 8, e.group);
  b.writeUInt16BE(length === 4 ? ETH_P_IP : ETH_P_IPV6, at + 24);
}

export function encodeMdbEntry(e: Pick<MdbRecord, "port" | "state" | "vid" | "group">): Buffer {
  const b = Buffer.alloc(BR_MDB_ENTRY_LEN);
  writeMdbEntry(b, 0, e);
  return b;
}

/**
 * RTM_NEWMDB (NLM_F_CREATE|NLM_F_EXCL) or RTM_DELMDB payload for one entry of bridge `bridge`: br_port_msg
 * and MDBA_SET_ENTRY, written into one buffer from the shared pool (a bulk apply makes a thousand of them).
 */
export function mdbPayload(bridge: number, e: Pick<MdbRecord, "port" | "state" | "vid" | "group">): Buffer {
  const b = Buffer.allocUnsafe(BR_PORT_MSG_LEN + NLA_HDRLEN + BR_MDB_ENTRY_LEN).fill(0);
  b.writeUInt8(AF_BRIDGE, 0);
  b.writeUInt32LE(bridge, 4);
  b.writeUInt16LE(NLA_HDRLEN + BR_MDB_ENTRY_LEN, BR_PORT_MSG_LEN);
  b.writeUInt16LE(MDBA_SET_ENTRY, BR_PORT_MSG_LEN + 2);
  writeMdbEntry(b, BR_PORT_MSG_LEN + NLA_HDRLEN, e);
  return b;
}

export function dumpMdbPayload(): Buffer {
  return portMsg(0);
}

function decodeEntry(bridge: number, v: Buffer): MdbRecord {
  if (v.length < BR_MDB_ENTRY_LEN) {
    throw new NetlinkDecodeError(`br_mdb_entry: ${v.length} bytes, need ${BR_MDB_ENTRY_LEN}`);
  }
  const proto = v.readUInt16BE(24);
  const group =
    proto === ETH_P_IP
      ? bytesToIp(v.subarray(8, 12))
      : proto === ETH_P_IPV6
        ? bytesToIp(v.subarray(8, 24))
        : [...v.subarray(8, 14)].map((x) => x.toString(16).padStart(2, "0")).join(":");
  return {
    bridge,
    port: v.readUInt32LE(0),
    state: v.readUInt8(4),
    flags: v.readUInt8(5),
    vid: v.readUInt16LE(6),
    group,
  };
}

/** The entries of an RTM_NEWMDB or RTM_DELMDB from the kernel (dump part or notification). */
export function decodeMdb(payload: Buffer): MdbRecord[] {
  if (payload.length < BR_PORT_MSG_LEN) {
    throw new NetlinkDecodeError(`br_port_msg: ${payload.length} bytes, need ${BR_PORT_MSG_LEN}`);
  }
  const bridge = payload.readUInt32LE(4);
  const out: MdbRecord[] = [];
  for (const top of readAttrs(payload.subarray(BR_PORT_MSG_LEN), "br_port_msg attributes")) {
    if (top.type !== MDBA_MDB) continue;
    for (const entry of readAttrs(top.value, "MDBA_MDB")) {
      if (entry.type !== MDBA_MDB_ENTRY) continue;
      for (const info of readAttrs(entry.value, "MDBA_MDB_ENTRY")) {
        if (info.type === MDBA_MDB_ENTRY_INFO) out.push(decodeEntry(bridge, info.value));
      }
    }
  }
  return out;
}
