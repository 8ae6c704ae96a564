// Netlink attributes (struct nlattr): the TLV stream inside every rtnetlink message. Owns the writer
// (padded to 4 bytes, nested with NLA_F_NESTED) and a bounds-checked reader that throws NetlinkDecodeError on
// any length that does not fit. Pure: no socket, no kernel.
export class NetlinkDecodeError extends Error {}

export const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;
const NLA_HDRLEN = 4;

export interface Attr {
  type: number;
  value: Buffer;
}

export const align4 = (n: number): number => (n + 3) & ~3;

export function attr(type: number, value: Buffer): Buffer {
  const out = Buffer.alloc(align4(NLA_HDRLEN + value.length));
  out.writeUInt16LE(NLA_HDRLEN + value.length, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, NLA_HDRLEN);
  return out;
}

export function nested(type: number, parts: readonly Buffer[]): Buffer {
  return attr(type | NLA_F_NESTED, Buffer.concat(parts));
}

export function u8Attr(type: number, value: number): Buffer {
  return attr(type, Buffer.from([value]));
}

export function u16Attr(type: number, value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return attr(type, b);
}

export function u32Attr(type: number, value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return attr(type, b);
}

export function stringAttr(type: number, value: string): Buffer {
  return attr(type, Buffer.from(`${value}\0`, "utf8"));
}

/** Every attribute of `buf`, in order; the type without the NESTED and BYTEORDER bits. */
export function readAttrs(buf: Buffer, what: string): Attr[] {
  const out: Attr[] = [];
  let off = 0;
  while (off + NLA_HDRLEN <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < NLA_HDRLEN || off + len > buf.length) {
      throw new NetlinkDecodeError(
        `${what}: attribute at offset ${off} has length ${len} of ${buf.length - off}`,
      );
    }
    out.push({
      type: buf.readUInt16LE(off + 2) & NLA_TYPE_MASK,
      value: buf.subarray(off + NLA_HDRLEN, off + len),
    });
    off += align4(len);
  }
  if (off < buf.length && buf.length - off >= NLA_HDRLEN) {
    throw new NetlinkDecodeError(`${what}: ${buf.length - off} trailing bytes`);
  }
  return out;
}

/** The last attribute of `type` (the kernel never repeats the ones read this way). */
export function find(attrs: readonly Attr[], type: number): Buffer | undefined {
  let found: Buffer | undefined;
  for (const a of attrs) if (a.type === type) found = a.value;
  return found;
}

function need(value: Buffer, bytes: number, what: string): Buffer {
  if (value.length < bytes) throw new NetlinkDecodeError(`${what}: ${value.length} bytes, need ${bytes}`);
  return value;
}

export const readU8 = (v: Buffer, what: string): number => need(v, 1, what).readUInt8(0);
export const readU16 = (v: Buffer, what: string): number => need(v, 2, what).readUInt16LE(0);
export const readU32 = (v: Buffer, what: string): number => need(v, 4, what).readUInt32LE(0);

export function readString(v: Buffer): string {
  const nul = v.indexOf(0);
  return v.subarray(0, nul === -1 ? v.length : nul).toString("utf8");
}
