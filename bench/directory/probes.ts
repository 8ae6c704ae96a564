// What the orchestrator reads from the lab while it measures: a daemon's `dir.status` over its control
// socket, a process's resident memory (/proc/PID/status) and CPU ticks of a set of processes.
import { readFileSync } from "node:fs";
import { ControlClient } from "../../firmware/src/control/client.js";
import type { DirectoryStatus } from "../../firmware/src/directory/service/sm-directory.js";
import type { Lab } from "../../hil-tests/lab/index.js";
import { processTicks } from "../rmtp/cpu.js";
import { round } from "../rmtp/stats.js";

/** `dir.status` of board `board`'s daemon; rejects when it does not answer within `timeoutMs`. */
export async function dirStatus(lab: Lab, board: number, timeoutMs = 2000): Promise<DirectoryStatus> {
  const client = await ControlClient.connect(lab.board(board).controlSocket, timeoutMs);
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`b${board}: no answer to dir.status`)), timeoutMs);
    });
    return await Promise.race([client.call<DirectoryStatus>("dir.status"), timeout]).finally(() =>
      clearTimeout(timer),
    );
  } finally {
    client.close();
  }
}

export interface Memory {
  vmRssMB: number;
  vmHwmMB: number;
}

/** VmRSS and VmHWM (peak) of a process in MB (10^6 bytes). */
export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { vmRssMB: round((kb("VmRSS") * 1024) / 1e6, 1), vmHwmMB: round((kb("VmHWM") * 1024) / 1e6, 1) };
}

/** Measures the CPU that a fixed set of processes uses between construction and `cpus()`. */
export class ProcessCpu {
  private readonly start: number;
  private readonly startedAt = performance.now();

  constructor(private readonly pids: ReadonlyArray<number | null | undefined>) {
    this.start = this.ticks();
  }

  private ticks(): number {
    return this.pids.reduce<number>((s, pid) => s + (pid ? processTicks(pid) : 0), 0);
  }

  /** Average CPUs busy in these processes since construction (ticks are 10 ms). */
  cpus(): number {
    const seconds = (performance.now() - this.startedAt) / 1000;
    return round((this.ticks() - this.start) / 100 / Math.max(seconds, 0.001), 2);
  }
}
