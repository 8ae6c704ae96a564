// Socket buffer limits. On this kernel net.core.rmem_max/wmem_max are not per namespace: a board's
// namespace sees the host's value read-only, so the lab raises the host's limits (never lowers them) to
// let daemons and benchmarks ask for multi-megabyte socket buffers.
import { readFileSync, writeFileSync } from "node:fs";

export const socketBufferLimit = 16 * 1024 * 1024;

const limits = ["/proc/sys/net/core/rmem_max", "/proc/sys/net/core/wmem_max"];

export function raiseSocketBufferLimits(minimum = socketBufferLimit): void {
  for (const path of limits) {
    if (Number(readFileSync(path, "utf8").trim()) < minimum) writeFileSync(path, String(minimum));
  }
}
