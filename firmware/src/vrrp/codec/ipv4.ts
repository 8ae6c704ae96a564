// IPv4 addresses as dotted quads and as unsigned 32-bit integers (network byte order as a number).

const quad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The address as an unsigned integer, or undefined if it is not a dotted quad of 0..255. */
export function parseIpv4(address: string): number | undefined {
  const m = quad.exec(address);
  if (!m) return undefined;
  let value = 0;
  for (const part of m.slice(1)) {
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join(".");
}

/** Like parseIpv4, for addresses the caller vouches for: throws a RangeError naming the field. */
export function requireIpv4(address: string, field: string): number {
  const value = parseIpv4(address);
  if (value === undefined) throw new RangeError(`${field}: not an IPv4 address: ${JSON.stringify(address)}`);
  return value;
}
