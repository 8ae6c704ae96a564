// The baseline: Debian's keepalived (vrrp_version 3) on two SE boards of the same lab, moving only a
// virtual IP (its own, VRID 78, beside the lab's). Each board runs a listener that answers with its name;
// the tcp probe in the client board connects to the virtual IP as often as the LDAP probe. A cycle SIGKILLs the master's
// VRRP process and then its parent (so nothing sends a priority-0 advert) and times the first answer from
// the backup; then removes the address the dead master left on its interface and restarts it, and it
// takes the address back (priority 200 over 100, preemption on).
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { keepalivedBinary, keepalivedConfig } from "../../hil-tests/vrrp/keepalived.js";
import { systemTool, type Lab } from "../../hil-tests/lab/index.js";
import { probeIntervalMs } from "./clients.js";
import { Probe } from "./probes.js";
import { since, summarize, type Summary } from "./stats.js";

export const baselineVrid = 78;
export const listenerPort = 7405;
const answerScript = fileURLToPath(new URL("./answer-agent.js", import.meta.url));

export interface BaselineCycle {
  cycle: number;
  /** The backup logged "Entering MASTER STATE". */
  detectionMs: number | null;
  /** The first connection to the virtual IP, made at or after the kill, that the backup answered. */
  takeoverMs: number | null;
}

export interface BaselineFigures {
  advertIntSeconds: number;
  cycles: Array<BaselineCycle | { cycle: number; error: string }>;
  detection: Summary;
  takeover: Summary;
}

export interface BaselineSetup {
  lab: Lab;
  probeBoard: number;
  /** Master (priority 200) and backup (100). */
  master: number;
  backup: number;
  virtualAddress: string;
}

export const liveProcesses = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  liveProcesses.add(child);
  child.once("exit", () => liveProcesses.delete(child));
  child.on("error", () => undefined);
  return child;
}

function config(
  o: { state: "MASTER" | "BACKUP"; priority: number; advertIntSeconds: number; address: string },
  board: number,
): string {
  return keepalivedConfig({
    routerId: `iss_bench_b${board}`,
    interfaceName: "eth0",
    vrid: baselineVrid,
    priority: o.priority,
    advertIntSeconds: o.advertIntSeconds,
    virtualAddress: o.address,
    state: o.state,
  });
}

/** One keepalived process in a board's namespace, its console lines timestamped as they arrive. */
class Keepalived {
  readonly lines: Array<{ at: number; text: string }> = [];
  private readonly child: ChildProcess;
  private readonly dir: string;

  constructor(lab: Lab, board: number, text: string) {
    this.dir = mkdtempSync(join(tmpdir(), "iss-bench-keepalived-"));
    writeFileSync(join(this.dir, "keepalived.conf"), text);
    this.child = track(
      lab.spawnInBoard(
        board,
        [
          keepalivedBinary,
          "--dont-fork",
          "--log-console",
          "--no-syslog",
          "--vrrp",
          "--dont-respawn",
          `--use-file=${join(this.dir, "keepalived.conf")}`,
          `--pid=${join(this.dir, "keepalived.pid")}`,
          `--vrrp_pid=${join(this.dir, "vrrp.pid")}`,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      ),
    );
    for (const stream of [this.child.stdout, this.child.stderr])
      if (stream)
        createInterface({ input: stream }).on("line", (t) => this.lines.push({ at: Date.now(), text: t }));
  }

  /** When a line matching `pattern` arrived at or after `from`, waiting up to `timeoutMs`; else null. */
  async lineAfter(pattern: RegExp, from: number, timeoutMs: number): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find((l) => l.at >= from && pattern.test(l.text));
      if (line) return line.at;
      if (Date.now() > deadline) return null;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /**
   * SIGKILL of the VRRP child first, then the parent: a child whose parent dies first is stopped gracefully
   * and sends a priority-0 advert, which would make this a planned handover. Throws without the child's pid.
   */
  kill(): void {
    let text = "";
    try {
      text = readFileSync(join(this.dir, "vrrp.pid"), "utf8");
    } catch {
      text = "";
    }
    const vrrpPid = Number(text.trim());
    if (!Number.isInteger(vrrpPid) || vrrpPid <= 0) throw new Error("keepalived wrote no VRRP child pid");
    process.kill(vrrpPid, "SIGKILL");
    this.child.kill("SIGKILL");
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  tail(): string {
    return this.lines
      .slice(-8)
      .map((l) => l.text)
      .join(" | ");
  }
}

/** Starts the listeners that tell the probe which board answers; resolves once both listen. */
export async function startListeners(setup: BaselineSetup): Promise<ChildProcess[]> {
  return Promise.all(
    [setup.master, setup.backup].map(
      (board) =>
        new Promise<ChildProcess>((resolve, reject) => {
          const child = track(
            setup.lab.spawnInBoard(
              board,
              [process.execPath, answerScript, String(listenerPort), `b${board}`],
              {
                stdio: ["ignore", "pipe", "ignore"],
              },
            ),
          );
          createInterface({ input: child.stdout! }).once("line", () => resolve(child));
          child.once("exit", (code) => reject(new Error(`listener in b${board} exited (${code})`)));
        }),
    ),
  );
}

const answeredBy = (board: number, from: number) => (r: { sent: number; who?: string }) =>
  r.sent >= from && r.who === `b${board}`;

/** Waits until the probe's answers, from `from` on, come only from `board` for `stableMs`. */
async function heldBy(probe: Probe, board: number, from: number, stableMs: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const recent = probe.records.filter((r) => r.sent >= Math.max(from, Date.now() - stableMs));
    const span = recent.length > 0 ? Date.now() - Math.max(from, recent[0]!.sent) : 0;
    if (span >= stableMs * 0.9 && recent.every((r) => r.who === `b${board}`)) return;
    if (Date.now() > deadline) {
      const last = probe.records.slice(-3).map((r) => r.who ?? r.error);
      throw new Error(`the virtual IP did not stay with b${board} (last answers: ${last.join(", ")})`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function removeAddress(lab: Lab, board: number, address: string): Promise<void> {
  await lab
    .runInBoard(board, [systemTool("ip"), "addr", "del", `${address}/32`, "dev", "eth0"])
    .catch(() => undefined);
}

export async function keepalivedRun(
  setup: BaselineSetup,
  advertIntSeconds: number,
  cycles: number,
  progress: (line: string) => void,
): Promise<BaselineFigures> {
  const { lab, master, backup, virtualAddress: address } = setup;
  const masterConfig = config({ state: "MASTER", priority: 200, advertIntSeconds, address }, master);
  const backupConfig = config({ state: "BACKUP", priority: 100, advertIntSeconds, address }, backup);
  const downMs = (3 + (256 - 100) / 256) * advertIntSeconds * 1000;
  const probe = new Probe(lab, setup.probeBoard, {
    mode: "tcp",
    host: address,
    port: listenerPort,
    intervalMs: probeIntervalMs,
    timeoutMs: 1000,
  });
  let m = new Keepalived(lab, master, masterConfig);
  const b = new Keepalived(lab, backup, backupConfig);
  const results: BaselineFigures["cycles"] = [];
  let startedAt = 0;
  try {
    await heldBy(probe, master, Date.now(), 1000, 30_000);
    for (let cycle = 1; cycle <= cycles; cycle++) {
      try {
        if ((await b.lineAfter(/Entering BACKUP STATE/, startedAt, 10_000 + 10 * downMs)) === null)
          throw new Error("the backup is not in BACKUP state");
        await heldBy(probe, master, Date.now(), 500, 30_000 + 10 * downMs);
        const at = Date.now();
        m.kill();
        const answered = await probe.waitFor(answeredBy(backup, at), 10 * downMs + 10_000);
        const entered = await b.lineAfter(/Entering MASTER STATE/, at, 1000);
        results.push({ cycle, detectionMs: since(at, entered), takeoverMs: since(at, answered?.at) });
        progress(
          `keepalived advert_int ${advertIntSeconds}: cycle ${cycle}: backup master after ` +
            `${since(at, entered) ?? "-"} ms, answering after ${since(at, answered?.at) ?? "-"} ms`,
        );
      } catch (err) {
        results.push({ cycle, error: `${(err as Error).message}; backup log: ${b.tail()}` });
      }
      await m.stop();
      await removeAddress(lab, master, address);
      startedAt = Date.now();
      m = new Keepalived(lab, master, masterConfig);
    }
  } finally {
    await probe.stop(3000);
    await m.stop();
    await b.stop();
    await removeAddress(lab, master, address);
    await removeAddress(lab, backup, address);
  }
  return {
    advertIntSeconds,
    cycles: results,
    detection: summarize(results.map((r) => ("error" in r ? null : r.detectionMs))),
    takeover: summarize(results.map((r) => ("error" in r ? null : r.takeoverMs))),
  };
}
