// Pure VRRPv3 encoder: an advertisement -> the VRRP message a raw socket sends (the kernel adds the IPv4
// header), or the whole IPv4 packet for simulations, captures and IP_HDRINCL. Layout in docs/vrrp-wire.md.
// Throws a RangeError for a field out of range: the caller's configuration is wrong, not the network.
import {
  IPV4_HEADER_BYTES,
  MAX_ADDRESSES,
  MAX_ADVER_INTERVAL_CS,
  VRRP_FIXED_BYTES,
  VRRP_GROUP,
  VRRP_PROTOCOL,
  VRRP_TTL,
  VRRP_TYPE_ADVERTISEMENT,
  VRRP_VERSION,
  type Advertisement,
  type ChecksumVariant,
} from "./advert.js";
import { internetChecksum, pseudoHeaderSum } from "./checksum.js";
import { requireIpv4 } from "./ipv4.js";

export interface EncodeOptions {
  /** Default "pseudo-header" (RFC 5798); "message-only" for peers that leave the pseudo-header out. */
  checksum?: ChecksumVariant;
  /** Default 224.0.0.18; a unicast peer address otherwise. */
  destination?: string;
}

function checkRange(value: number, min: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${field}: ${value} is not an integer in ${min}..${max}`);
}

/** The VRRP message (version field to the last address) with its checksum. */
export function encodeAdvertisement(
  advert: Advertisement,
  source: string,
  options: EncodeOptions = {},
): Buffer {
  checkRange(advert.vrid, 1, 255, "vrid");
  checkRange(advert.priority, 0, 255, "priority");
  checkRange(advert.maxAdverIntervalCs, 1, MAX_ADVER_INTERVAL_CS, "maxAdverIntervalCs");
  checkRange(advert.addresses.length, 1, MAX_ADDRESSES, "addresses.length");
  const src = requireIpv4(source, "source");
  const dst = requireIpv4(options.destination ?? VRRP_GROUP, "destination");

  const buf = Buffer.alloc(VRRP_FIXED_BYTES + 4 * advert.addresses.length);
  buf.writeUInt8((VRRP_VERSION << 4) | VRRP_TYPE_ADVERTISEMENT, 0);
  buf.writeUInt8(advert.vrid, 1);
  buf.writeUInt8(advert.priority, 2);
  buf.writeUInt8(advert.addresses.length, 3);
  buf.writeUInt16BE(advert.maxAdverIntervalCs, 4);
  advert.addresses.forEach((a, i) => buf.writeUInt32BE(requireIpv4(a, `addresses[${i}]`), 8 + 4 * i));
  const initial =
    (options.checksum ?? "pseudo-header") === "pseudo-header" ? pseudoHeaderSum(src, dst, buf.length) : 0;
  buf.writeUInt16BE(internetChecksum(buf, initial), 6);
  return buf;
}

/**
 * The IPv4 packet around a VRRP message as a sender's kernel builds it: no options, TOS 0xc0 (internetwork
 * control, as keepalived sends), DF clear, TTL 255, protocol 112, header checksum set.
 */
export function encodeIpv4Packet(vrrp: Uint8Array, source: string, destination: string = VRRP_GROUP): Buffer {
  checkRange(vrrp.length, 0, 0xffff - IPV4_HEADER_BYTES, "vrrp.length");
  const buf = Buffer.alloc(IPV4_HEADER_BYTES + vrrp.length);
  buf.writeUInt8(0x45, 0);
  buf.writeUInt8(0xc0, 1);
  buf.writeUInt16BE(buf.length, 2);
  buf.writeUInt8(VRRP_TTL, 8);
  buf.writeUInt8(VRRP_PROTOCOL, 9);
  buf.writeUInt32BE(requireIpv4(source, "source"), 12);
  buf.writeUInt32BE(requireIpv4(destination, "destination"), 16);
  buf.writeUInt16BE(internetChecksum(buf.subarray(0, IPV4_HEADER_BYTES)), 10);
  buf.set(vrrp, IPV4_HEADER_BYTES);
  return buf;
}
