// The Internet checksum (RFC 1071) and the IPv4 pseudo-header sum that VRRPv3 adds to it (RFC 5798 5.2.8).
import { VRRP_PROTOCOL } from "./advert.js";

/** The 16-bit one's complement sum of the bytes, folded, starting from `initial`. */
export function onesComplementSum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (even !== bytes.length) sum += bytes[even]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The checksum to store: the one's complement of the sum. */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  return ~onesComplementSum(bytes, initial) & 0xffff;
}

/** The folded sum of the IPv4 pseudo-header: source, destination, zero, protocol 112, VRRP length. */
export function pseudoHeaderSum(source: number, destination: number, vrrpBytes: number): number {
  const sum =
    (source >>> 16) +
    (source & 0xffff) +
    (destination >>> 16) +
    (destination & 0xffff) +
    VRRP_PROTOCOL +
    vrrpBytes;
  return onesComplementSum(new Uint8Array(0), sum);
}
