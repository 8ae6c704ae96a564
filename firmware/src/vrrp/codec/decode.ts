// Pure VRRPv3 decoder: the IPv4 packet a raw socket delivers -> the advertisement, its sender and the
// checksum variant that matched, or the typed reason the packet must be discarded (RFC 5798 7.1). Total:
// every length is checked before it is read, nothing throws.
import {
  IPV4_HEADER_BYTES,
  VRRP_FIXED_BYTES,
  VRRP_GROUP,
  VRRP_PROTOCOL,
  VRRP_TTL,
  VRRP_TYPE_ADVERTISEMENT,
  VRRP_VERSION,
  type Advertisement,
  type ChecksumVariant,
  type DecodeError,
  type RejectReason,
} from "./advert.js";
import { onesComplementSum, pseudoHeaderSum } from "./checksum.js";
import { formatIpv4, parseIpv4 } from "./ipv4.js";

export interface DecodedAdvertisement {
  advert: Advertisement;
  /** The IPv4 source address: the sender's primary address, which breaks priority ties. */
  source: string;
  checksum: ChecksumVariant;
}

export type DecodeResult = ({ ok: true } & DecodedAdvertisement) | ({ ok: false } & DecodeError);

const GROUP = parseIpv4(VRRP_GROUP)!;

function reject(reason: RejectReason, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

/** Decodes a whole IPv4 packet: IP header checks, then the VRRP message. */
export function decodeIpv4Packet(packet: Uint8Array): DecodeResult {
  const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  if (buf.length < IPV4_HEADER_BYTES) return reject("truncated", `${buf.length} bytes, no IPv4 header`);
  const version = buf[0]! >> 4;
  if (version !== 4) return reject("ip-version", `IP version ${version}`);
  const headerBytes = (buf[0]! & 0x0f) * 4;
  if (headerBytes < IPV4_HEADER_BYTES || headerBytes > buf.length)
    return reject("ip-header-length", `IHL ${headerBytes} bytes in a packet of ${buf.length}`);
  const totalLength = buf.readUInt16BE(2);
  if (totalLength !== buf.length)
    return reject("ip-total-length", `total length ${totalLength}, packet ${buf.length} bytes`);
  if (onesComplementSum(buf.subarray(0, headerBytes)) !== 0xffff)
    return reject("ip-checksum", "IPv4 header checksum does not match");
  const protocol = buf[9]!;
  if (protocol !== VRRP_PROTOCOL) return reject("protocol", `IP protocol ${protocol}`);
  const ttl = buf[8]!;
  if (ttl !== VRRP_TTL) return reject("ttl", `TTL ${ttl}, must be 255`);
  const destination = buf.readUInt32BE(16);
  if (destination !== GROUP) return reject("destination", `destination ${formatIpv4(destination)}`);
  return decodeAdvertisement(buf.subarray(headerBytes), buf.readUInt32BE(12), destination);
}

/** Decodes the VRRP message alone; source and destination (unsigned integers) feed the pseudo-header. */
export function decodeAdvertisement(msg: Uint8Array, source: number, destination: number): DecodeResult {
  if (msg.length < VRRP_FIXED_BYTES) return reject("truncated", `VRRP message of ${msg.length} bytes`);
  const version = msg[0]! >> 4;
  if (version !== VRRP_VERSION) return reject("version", `VRRP version ${version}`);
  const type = msg[0]! & 0x0f;
  if (type !== VRRP_TYPE_ADVERTISEMENT) return reject("type", `VRRP type ${type}`);
  const vrid = msg[1]!;
  if (vrid === 0) return reject("vrid", "VRID 0");
  const count = msg[3]!;
  if (count === 0) return reject("count", "no address");
  const expected = VRRP_FIXED_BYTES + 4 * count;
  if (msg.length !== expected)
    return reject("length", `VRRP message of ${msg.length} bytes, ${count} addresses need ${expected}`);
  const interval = ((msg[4]! << 8) | msg[5]!) & 0x0fff;
  if (interval === 0) return reject("interval", "Max Adver Int 0");
  const checksum = checksumVariant(msg, source, destination);
  if (checksum === undefined) return reject("checksum", "matches neither variant");
  const addresses: string[] = [];
  for (let o = VRRP_FIXED_BYTES; o < expected; o += 4)
    addresses.push(
      formatIpv4(((msg[o]! << 24) | (msg[o + 1]! << 16) | (msg[o + 2]! << 8) | msg[o + 3]!) >>> 0),
    );
  return {
    ok: true,
    advert: { vrid, priority: msg[2]!, maxAdverIntervalCs: interval, addresses },
    source: formatIpv4(source),
    checksum,
  };
}

function checksumVariant(msg: Uint8Array, source: number, destination: number): ChecksumVariant | undefined {
  if (onesComplementSum(msg, pseudoHeaderSum(source, destination, msg.length)) === 0xffff)
    return "pseudo-header";
  if (onesComplementSum(msg) === 0xffff) return "message-only";
  return undefined;
}
