// The orchestrator's side of the probe agent (probe-agent.ts): starts it in a board's namespace, keeps every
// attempt it reports, waits for an attempt that satisfies a condition, and stops it. Running probes are
// listed so that an aborted run can kill them.
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { WriteRecord } from "../../hil-tests/directory/write-stream.js";
import type { Lab } from "../../hil-tests/lab/index.js";
import type { ProbeSpec } from "./probe-agent.js";

const script = fileURLToPath(new URL("./probe-agent.js", import.meta.url));

export interface ProbeRecord {
  n: number;
  sent: number;
  at: number;
  /** ldap mode. */
  op?: "add";
  dn?: string;
  size?: number;
  outcome?: "acked" | "refused" | "unknown" | "unsent";
  code?: number;
  /** tcp mode: the listener's answer. */
  who?: string;
  error?: string;
}

export const liveProbes = new Set<Probe>();

export class Probe {
  readonly records: ProbeRecord[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private stderr = "";
  private readonly waiters = new Set<() => void>();

  constructor(lab: Lab, board: number, spec: ProbeSpec) {
    this.child = lab.spawnInBoard(board, [process.execPath, script, JSON.stringify(spec)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    liveProbes.add(this);
    this.child.stderr
      ?.setEncoding("utf8")
      .on("data", (d: string) => (this.stderr = (this.stderr + d).slice(-2000)));
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      const r = JSON.parse(line) as ProbeRecord | { done: true };
      if ("done" in r) return;
      this.records.push(r);
      for (const wake of [...this.waiters]) wake();
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", () => {
        liveProbes.delete(this);
        for (const wake of [...this.waiters]) wake();
        resolve();
      }),
    );
    this.child.on("error", () => undefined);
  }

  /** The first record (in arrival order) that `match` accepts, or null after `timeoutMs`. */
  async waitFor(match: (r: ProbeRecord) => boolean, timeoutMs: number): Promise<ProbeRecord | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.records.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.child.exitCode !== null || this.child.signalCode !== null) return null;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  /** Lets the attempts under way finish (each is bounded by the spec's timeout), then ends the agent. */
  async stop(graceMs: number): Promise<void> {
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  /** The ldap attempts whose add was written, as the write stream's records for checkStream. */
  writes(): WriteRecord[] {
    return this.records
      .filter((r) => r.outcome !== undefined && r.outcome !== "unsent")
      .map((r) => ({
        op: "add",
        dn: r.dn ?? "",
        size: r.size ?? r.n,
        outcome: r.outcome as WriteRecord["outcome"],
        ...(r.code !== undefined ? { code: r.code } : {}),
        sent: r.sent,
        at: r.at,
      }));
  }

  /** What the agent wrote to stderr last, for an error message. */
  get errorOutput(): string {
    return this.stderr.trim();
  }
}
