// What the orchestrator reads from the lab while it measures: a daemon's `dir.status` over its control
// socket, a process's resident memory (/proc/PID/status), CPU ticks of a set of processes, and the bytes the
// switch sent out of a board's port.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { ControlClient } from "../../firmware/src/control/client.js";
import type { DirectoryStatus } from "../../firmware/src/directory/service/sm-directory.js";
import { systemTool, type Lab } from "../../hil-tests/lab/index.js";
import { processTicks } from "../rmtp/cpu.js";
import { round } from "../rmtp/stats.js";

const execFileAsync = promisify(execFile);

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

/** Bytes the lab switch has sent out of board `board`'s port so far. */
export async function portTxBytes(lab: Lab, board: number): Promise<number> {
  const { stdout } = await execFileAsync(systemTool("ip"), [
    "-n",
    lab.describe().switchNamespace,
    "-s",
    "-j",
    "link",
    "show",
    lab.board(board).port,
  ]);
  const [link] = JSON.parse(stdout) as Array<{ stats64?: { tx?: { bytes?: number } } }>;
  return link?.stats64?.tx?.bytes ?? 0;
}
