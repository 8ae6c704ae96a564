// How much of the host's CPU a measurement had: on a shared 2-core machine, a compiler or a test run of
// someone else takes CPU from the agents, and the figures must say so. Busy time comes from /proc/stat
// (user + nice + system + irq + softirq of all CPUs); the benchmark's own share is the agents' and the
// orchestrator's (with its waited-for children: ip, nft) utime + stime from /proc/PID/stat, which on this
// kernel also holds the softirq work done in their context (packet delivery). What is left ran outside
// the benchmark: other processes, and kernel threads such as ksoftirqd carrying the lab's packets.
import { readFileSync } from "node:fs";
import { round } from "./stats.js";

const ticksPerSecond = 100;

interface HostTicks {
  busy: number;
  softirq: number;
  steal: number;
}

function hostTicks(): HostTicks {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return { busy: user + nice + system + irq + softirq, softirq, steal };
}

/** utime + stime (+ cutime + cstime with `children`) of a process in ticks; 0 when it is gone. */
export function processTicks(pid: number | undefined, children = false): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    // Fields after the command: state(3) ... utime(14) stime(15) cutime(16) cstime(17), 1-based overall.
    const utime = f[11] ?? 0;
    const stime = f[12] ?? 0;
    return utime + stime + (children ? (f[13] ?? 0) + (f[14] ?? 0) : 0);
  } catch {
    return 0;
  }
}

export interface CpuShare {
  wallSeconds: number;
  cpus: number;
  /** Average number of CPUs busy over the run, and the parts of it. */
  busyCpus: number;
  benchCpus: number;
  otherCpus: number;
  softirqCpus: number;
  stealCpus: number;
}

export class CpuMeter {
  private readonly start = hostTicks();
  private readonly startedAt = performance.now();
  private readonly selfStart = processTicks(process.pid, true);

  constructor(private readonly cpus: number) {}

  /** `agentPids`: the agents of this run, read before they exit (they started after the meter). */
  finish(agentPids: ReadonlyArray<number | undefined>): CpuShare {
    const end = hostTicks();
    const wall = (performance.now() - this.startedAt) / 1000;
    const agents = agentPids.reduce<number>((sum, pid) => sum + processTicks(pid), 0);
    const self = processTicks(process.pid, true) - this.selfStart;
    const perCpu = (ticks: number): number => round(ticks / ticksPerSecond / Math.max(wall, 0.001), 2);
    const busy = end.busy - this.start.busy;
    return {
      wallSeconds: round(wall, 2),
      cpus: this.cpus,
      busyCpus: perCpu(busy),
      benchCpus: perCpu(agents + self),
      otherCpus: perCpu(Math.max(0, busy - agents - self)),
      softirqCpus: perCpu(end.softirq - this.start.softirq),
      stealCpus: perCpu(end.steal - this.start.steal),
    };
  }
}

/**
 * Waits, up to `maxMs`, for a second in which less than `threshold` CPUs were busy outside the
 * benchmark (nothing of the benchmark runs meanwhile); returns how long it waited and the last reading.
 */
export async function waitForQuiet(
  threshold: number,
  maxMs: number,
  cpus: number,
): Promise<{ waitedSeconds: number; otherCpus: number }> {
  const start = performance.now();
  for (;;) {
    const meter = new CpuMeter(cpus);
    await new Promise((r) => setTimeout(r, 1000));
    const { otherCpus } = meter.finish([]);
    const waited = performance.now() - start;
    if (otherCpus < threshold || waited >= maxMs)
      return { waitedSeconds: round(waited / 1000, 1), otherCpus };
  }
}
