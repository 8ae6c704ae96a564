// struct ifinfomsg (16 bytes: u8 family, u8 pad, u16 type, s32 index, u32 flags, u32 change), the head of
// every link message, shared by the link and bridge VLAN codecs. Pure.
export const AF_UNSPEC = 0;
export const AF_BRIDGE = 7;
export const IFF_UP = 0x1;
export const IFINFOMSG_LEN = 16;

export function encodeIfinfo(family: number, index: number, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(family, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags, 8);
  b.writeUInt32LE(change, 12);
  return b;
}
