// IPv4 and IPv6 addresses between their text form and network-order bytes, for the MDB and address codecs.
// Text output is canonical (IPv6 compressed as RFC 5952, the way iproute2 prints it); IPv4 is written in
// place without allocating (a bulk apply writes a thousand groups). Pure.
import { isIPv4, isIPv6 } from "node:net";

/** Whether `text` is a dotted quad (no leading zeros, as isIPv4 takes it); writes its octets at `at` of `out`. */
function writeIpv4(text: string, out: Buffer | undefined, at: number): boolean {
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57 && digits < 3 && !(digits === 1 && octet === 0)) {
      octet = octet * 10 + c - 48;
      digits++;
    } else if (c === 46 && digits > 0 && octet <= 255 && dots < 4) {
      if (out) out[at + dots] = octet;
      dots++;
      octet = 0;
      digits = 0;
    } else return false;
  }
  return dots === 4;
}

/** Writes the address `text` at `at` of `out`; its length in bytes (4 or 16). */
export function writeIp(out: Buffer, at: number, text: string): number {
  if (writeIpv4(text, undefined, 0)) {
    writeIpv4(text, out, at);
    return 4;
  }
  const bytes = ipToBytes(text);
  bytes.copy(out, at);
  return bytes.length;
}

export function ipToBytes(text: string): Buffer {
  if (isIPv4(text)) return Buffer.from(text.split(".").map(Number));
  if (!isIPv6(text)) throw new RangeError(`not an IP address: ${text}`);
  const [head = "", tail] = text.split("::");
  const groups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export function bytesToIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}

export function canonicalIp(text: string): string {
  return bytesToIp(ipToBytes(text));
}
