// Netlink message framing (struct nlmsghdr, 16 bytes: u32 length, u16 type, u16 flags, u32 seq, u32 port)
// and the kernel's answer to a request (struct nlmsgerr: s32 error, the request's header, and with
// NLM_F_ACK_TLVS the extended ack's message). Pure; documented in docs/switch-netlink.md.
import { align4, find, NetlinkDecodeError, readAttrs, readString } from "./attrs.js";

export const NLMSG_HDRLEN = 16;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
const NLM_F_CAPPED = 0x100;
const NLM_F_ACK_TLVS = 0x200;
const NLMSGERR_ATTR_MSG = 1;

export interface NlMessage {
  type: number;
  flags: number;
  seq: number;
  port: number;
  payload: Buffer;
}

/** The bytes `m` takes in a datagram, padding included. */
export const messageSize = (payloadLength: number): number => align4(NLMSG_HDRLEN + payloadLength);

/** Writes `m` at `at` of `out` (zeroed, with messageSize bytes there); the offset after it. */
export function writeMessage(out: Buffer, at: number, m: Omit<NlMessage, "port">): number {
  out.writeUInt32LE(NLMSG_HDRLEN + m.payload.length, at);
  out.writeUInt16LE(m.type, at + 4);
  out.writeUInt16LE(m.flags, at + 6);
  out.writeUInt32LE(m.seq, at + 8);
  out.writeUInt32LE(0, at + 12);
  m.payload.copy(out, at + NLMSG_HDRLEN);
  return at + messageSize(m.payload.length);
}

export function encodeMessage(m: Omit<NlMessage, "port">): Buffer {
  const out = Buffer.alloc(messageSize(m.payload.length));
  writeMessage(out, 0, m);
  return out;
}

/** The messages of one datagram from the kernel. */
export function decodeMessages(buf: Buffer): NlMessage[] {
  const out: NlMessage[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < NLMSG_HDRLEN) {
      throw new NetlinkDecodeError(`nlmsghdr at offset ${off}: ${buf.length - off} bytes left`);
    }
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) {
      throw new NetlinkDecodeError(`nlmsghdr at offset ${off}: length ${len} of ${buf.length - off}`);
    }
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      port: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += Math.min(align4(len), buf.length - off);
  }
  return out;
}

export interface NlAck {
  /** 0 for success, else the positive errno. */
  errno: number;
  /** The kernel's extended ack text, when it sent one. */
  message?: string;
}

export function decodeAck(m: NlMessage): NlAck {
  if (m.payload.length < 4 + NLMSG_HDRLEN) {
    throw new NetlinkDecodeError(`nlmsgerr: ${m.payload.length} bytes, need ${4 + NLMSG_HDRLEN}`);
  }
  const errno = -m.payload.readInt32LE(0);
  if ((m.flags & NLM_F_ACK_TLVS) === 0) return { errno };
  const requestLen = m.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : m.payload.readUInt32LE(4);
  const tlvStart = 4 + align4(requestLen);
  if (tlvStart > m.payload.length) throw new NetlinkDecodeError(`nlmsgerr: request length ${requestLen}`);
  const text = find(readAttrs(m.payload.subarray(tlvStart), "nlmsgerr attributes"), NLMSGERR_ATTR_MSG);
  return text === undefined ? { errno } : { errno, message: readString(text) };
}
