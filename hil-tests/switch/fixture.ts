// Shared by the switch tests on the host and in the VM: a network namespace and link names that start with
// `nrt` and a random suffix (never the lab's `iss-<lab>-` names), veth ports, iproute2's JSON views, and
// polling, and a log sink that timestamps a manager's records. The namespace (and every link in it) is
// deleted at teardown, also when the test fails.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { LogRecord } from "../../firmware/src/log/logger.js";
import { run, systemTool } from "../lab/netns.js";

const ipTool = systemTool("ip");
const bridgeTool = systemTool("bridge");

export function nrtName(): string {
  return `nrt${randomBytes(3).toString("hex")}`;
}

/** Runs iproute2 in namespace `ns` (the current one when null). */
export async function ipr(
  ns: string | null,
  tool: "ip" | "bridge",
  args: readonly string[],
): Promise<string> {
  const netns = ns === null ? [] : ["-n", ns];
  return (await run([tool === "ip" ? ipTool : bridgeTool, ...netns, ...args])).stdout;
}

export async function iprJson<T>(
  ns: string | null,
  tool: "ip" | "bridge",
  args: readonly string[],
): Promise<T> {
  const out = (await ipr(ns, tool, ["-j", ...args])).trim();
  return JSON.parse(out === "" ? "[]" : out) as T;
}

export async function addNamespace(ns: string): Promise<void> {
  await run([ipTool, "netns", "add", ns]);
}

export async function deleteNamespace(ns: string): Promise<void> {
  await run([ipTool, "netns", "delete", ns]).catch(() => undefined);
}

/** veth pairs `${prefix}p${i}` (the switch ports) and `${prefix}q${i}`, i = 1..count. */
export async function addPorts(ns: string | null, prefix: string, count: number): Promise<string[]> {
  const ports: string[] = [];
  for (let i = 1; i <= count; i++) {
    await ipr(ns, "ip", ["link", "add", `${prefix}p${i}`, "type", "veth", "peer", "name", `${prefix}q${i}`]);
    await ipr(ns, "ip", ["link", "set", `${prefix}q${i}`, "up"]);
    ports.push(`${prefix}p${i}`);
  }
  return ports;
}

export interface MdbJson {
  dev: string;
  port: string;
  grp: string;
  state: string;
  vid?: number;
}

/** Permanent MDB entries of `bridge` as "port grp vid" lines, sorted (`bridge -j mdb show`). */
export async function permanentGroups(ns: string | null, bridge: string): Promise<string[]> {
  const out = await iprJson<Array<{ mdb: MdbJson[] }>>(ns, "bridge", ["mdb", "show", "dev", bridge]);
  return out
    .flatMap((x) => x.mdb)
    .filter((e) => e.state === "permanent")
    .map((e) => `${e.port} ${e.grp} ${e.vid ?? 0}`)
    .sort();
}

/** Polls `check` every 10 ms until it returns true; the time it took in ms, or throws after `timeoutMs`. */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(10);
  }
}

export interface TimedRecord extends LogRecord {
  /** performance.now() when the record was logged. */
  at: number;
}

/** A log sink keeping each record with the time it was logged, and a wait for the first that matches. */
export class LogWatch {
  readonly records: TimedRecord[] = [];
  private readonly waiters = new Set<() => void>();

  readonly sink = (r: LogRecord): void => {
    this.records.push({ ...r, at: performance.now() });
    for (const w of this.waiters) w();
  };

  /** The first record at index `from` or later that matches; rejects after `timeoutMs`. */
  waitFor(from: number, match: (r: TimedRecord) => boolean, timeoutMs: number): Promise<TimedRecord> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.records.slice(from).find(match);
        if (!found) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no matching log record within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}
