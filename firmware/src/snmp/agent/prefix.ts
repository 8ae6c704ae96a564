// IPv4 source checks for SNMPv2c: an address against a list of addresses and prefixes (a.b.c.d/n).
import { isIPv4 } from "node:net";

function toInt(address: string): number {
  return address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function inPrefixes(address: string, prefixes: readonly string[]): boolean {
  if (!isIPv4(address)) return false;
  const a = toInt(address);
  return prefixes.some((p) => {
    const [base = "", len = "32"] = p.split("/");
    const size = 2 ** (32 - Number(len));
    return Math.floor(a / size) === Math.floor(toInt(base) / size);
  });
}
