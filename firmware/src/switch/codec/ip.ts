// IPv4 and IPv6 addresses between their text form and network-order bytes, for the MDB and address codecs.
// Text output is canonical (IPv6 compressed as RFC 5952, the way iproute2 prints it). Pure.
import { isIPv4, isIPv6 } from "node:net";

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
