// The unit's interfaces for IF-MIB, read from /sys/class/net: the kernel's ifindex, MTU, MAC, flags,
// operational state, speed and the rtnl_link_stats64 counters it exposes under statistics/ (the same
// numbers netlink's IFLA_STATS64 carries, read synchronously with no socket). The watcher also
// remembers when each port's operational state changed (ifLastChange) and reports the transitions.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PortSnapshot } from "../mib/snapshot.js";

const IFF_UP = 0x1;

function read(dir: string, file: string): string | null {
  try {
    return readFileSync(join(dir, file), "utf8").trim();
  } catch {
    return null;
  }
}

function num(dir: string, file: string): number {
  const n = Number(read(dir, file) ?? "0");
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

type Reading = Omit<PortSnapshot, "lastChangeCs">;

function operUp(dir: string, name: string): boolean {
  const state = read(dir, "operstate");
  return state === "up" || (name === "lo" && state === "unknown");
}

function portNames(root: string): string[] {
  try {
    return readdirSync(root);
  } catch {
    return [];
  }
}

/** Only each port's operational state (one file per port): the cheap link check. */
export function readLinkStates(root = "/sys/class/net"): { name: string; operUp: boolean }[] {
  return portNames(root).map((name) => ({ name, operUp: operUp(join(root, name), name) }));
}

export function readPorts(root = "/sys/class/net"): Reading[] {
  const out: Reading[] = [];
  for (const name of portNames(root)) {
    const dir = join(root, name);
    const index = num(dir, "ifindex");
    if (index === 0) continue;
    const stats = join(dir, "statistics");
    out.push({
      index,
      name,
      mtu: num(dir, "mtu"),
      speedMbps: num(dir, "speed"),
      mac: Buffer.from((read(dir, "address") ?? "").replace(/:/g, ""), "hex"),
      adminUp: (parseInt(read(dir, "flags") ?? "0", 16) & IFF_UP) !== 0,
      operUp: operUp(dir, name),
      rxBytes: num(stats, "rx_bytes"),
      rxPackets: num(stats, "rx_packets"),
      rxMulticast: num(stats, "multicast"),
      rxDropped: num(stats, "rx_dropped"),
      rxErrors: num(stats, "rx_errors"),
      txBytes: num(stats, "tx_bytes"),
      txPackets: num(stats, "tx_packets"),
      txDropped: num(stats, "tx_dropped"),
      txErrors: num(stats, "tx_errors"),
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

export interface LinkChange {
  port: PortSnapshot;
  up: boolean;
}

/** Adds ifLastChange to readings and reports operational state changes since the previous observation. */
export class PortWatcher {
  private readonly last = new Map<number, { up: boolean; at: number }>();

  observe(readings: readonly Reading[], uptimeCs: number): { ports: PortSnapshot[]; changes: LinkChange[] } {
    const changes: LinkChange[] = [];
    const ports = readings.map((r) => {
      const before = this.last.get(r.index);
      if (!before || before.up !== r.operUp) {
        this.last.set(r.index, { up: r.operUp, at: before ? uptimeCs : 0 });
      }
      const port = { ...r, lastChangeCs: this.last.get(r.index)?.at ?? 0 };
      if (before && before.up !== r.operUp) changes.push({ port, up: r.operUp });
      return port;
    });
    return { ports, changes };
  }
}
