// Whether this process may build a lab: creating network namespaces needs CAP_SYS_ADMIN (`ip netns add`
// mounts them) and configuring links, qdiscs and nftables needs CAP_NET_ADMIN; in practice, root.
import { readFileSync } from "node:fs";

const capNetAdmin = 12n;
const capSysAdmin = 21n;

export const privilegeMessage =
  "iss lab needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to create network namespaces, links and nftables rules; run it as root or with sudo";

export function effectiveCapabilities(statusText = readFileSync("/proc/self/status", "utf8")): bigint {
  const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(statusText);
  return match ? BigInt(`0x${match[1]}`) : 0n;
}

export function canBuildLab(caps = effectiveCapabilities()): boolean {
  return ((caps >> capNetAdmin) & 1n) === 1n && ((caps >> capSysAdmin) & 1n) === 1n;
}
