// Builds the 20-byte IPv4 header (no options) that the kernel puts in front of a raw socket's payload,
// for the in-memory VRRP network: version 4, IHL 5, TOS, total length, DF, TTL, protocol, header checksum, addresses.

export interface Ipv4HeaderFields {
  source: string;
  destination: string;
  protocol: number;
  tos: number;
  ttl: number;
  payloadLength: number;
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split(".").map(Number));
}

export function encodeIpv4Header(fields: Ipv4HeaderFields): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt8(0x45, 0);
  h.writeUInt8(fields.tos, 1);
  h.writeUInt16BE(20 + fields.payloadLength, 2);
  h.writeUInt16BE(0x4000, 6); // don't fragment, as Linux sets it on raw sockets
  h.writeUInt8(fields.ttl, 8);
  h.writeUInt8(fields.protocol, 9);
  ipv4Bytes(fields.source).copy(h, 12);
  ipv4Bytes(fields.destination).copy(h, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  h.writeUInt16BE(~sum & 0xffff, 10);
  return h;
}
