// IPv4 addresses (RTM_NEWADDR/DELADDR/GETADDR with struct ifaddrmsg, 8 bytes: u8 family, u8 prefix length,
// u8 flags, u8 scope, u32 ifindex; IFA_LOCAL and IFA_ADDRESS with the 4 address bytes) on the 802.1Q
// interfaces that carry the board's own addresses. Pure; offsets in docs/switch-netlink.md.
import { attr, find, NetlinkDecodeError, readAttrs } from "./attrs.js";
import { bytesToIp, ipToBytes } from "./ip.js";

export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
const AF_INET = 2;
const IFADDRMSG_LEN = 8;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;

export interface AddrRecord {
  index: number;
  /** address/prefix, for example 10.77.0.3/24. */
  cidr: string;
}

function ifaddr(index: number, prefix: number): Buffer {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b.writeUInt8(AF_INET, 0);
  b.writeUInt8(prefix, 1);
  b.writeUInt32LE(index, 4);
  return b;
}

export function addrPayload(r: AddrRecord): Buffer {
  const [address = "", prefix = "32"] = r.cidr.split("/");
  const bytes = ipToBytes(address);
  return Buffer.concat([ifaddr(r.index, Number(prefix)), attr(IFA_LOCAL, bytes), attr(IFA_ADDRESS, bytes)]);
}

export function dumpAddrPayload(): Buffer {
  return ifaddr(0, 0);
}

/** An IPv4 address message from the kernel; undefined for other families. */
export function decodeAddr(payload: Buffer): AddrRecord | undefined {
  if (payload.length < IFADDRMSG_LEN) {
    throw new NetlinkDecodeError(`ifaddrmsg: ${payload.length} bytes, need ${IFADDRMSG_LEN}`);
  }
  if (payload.readUInt8(0) !== AF_INET) return undefined;
  const attrs = readAttrs(payload.subarray(IFADDRMSG_LEN), "ifaddrmsg attributes");
  const local = find(attrs, IFA_LOCAL) ?? find(attrs, IFA_ADDRESS);
  if (local === undefined || local.length !== 4) return undefined;
  return { index: payload.readUInt32LE(4), cidr: `${bytesToIp(local)}/${payload.readUInt8(1)}` };
}
