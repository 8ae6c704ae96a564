// What every lab benchmark shares: its lab's name, the source version it measured, the options parsed the
// same way (--seconds, --rate), and the run guard. The guard makes sure a benchmark never hangs and never
// leaves anything behind: on Ctrl-C, SIGTERM, SIGHUP, or when the run overruns its time budget, it stops
// what the benchmark started and removes the lab; at the end it does the same and lets go of the signals.
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { canBuildLab, destroyLab, privilegeMessage, systemTool, type Lab } from "../hil-tests/lab/index.js";
import { parseRate } from "../hil-tests/lab/rate.js";

const execFileAsync = promisify(execFile);

/** A lab name no parallel run uses: the benchmark's two-letter prefix and four random characters. */
export function benchLabName(prefix: string): string {
  return prefix + [...randomBytes(4)].map((b) => (b % 36).toString(36)).join("");
}

/** Which code was measured: the commit, and the files under `paths` that differ from it. */
export function sourceVersion(paths: readonly string[]): {
  commit: string | null;
  uncommittedFiles: string[] | null;
} {
  const git = (args: string[]): string | null => {
    try {
      return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trimEnd();
    } catch {
      return null;
    }
  };
  const status = git(["status", "--porcelain", "--", ...paths]);
  return {
    commit: git(["rev-parse", "HEAD"]),
    uncommittedFiles:
      status === null
        ? null
        : status
            .split("\n")
            .filter((l) => l.length > 0)
            .map((l) => l.slice(3)),
  };
}

export function secondsOption(text: string, min: number, max: number): number {
  const seconds = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || seconds < min || seconds > max)
    throw new Error(`--seconds must be a number from ${min} to ${max}, got '${text}'`);
  return seconds;
}

export function rateOption(text: string): string {
  if (parseRate(text) === null) throw new Error("--rate none would measure the CPU, not a network");
  return text;
}

export interface GuardOptions {
  lab: string;
  budgetMs: number;
  progress: (line: string) => void;
  /** What to name in the abort message ("the agents", "the load generators and slapd"). */
  what: string;
  /** Stops the benchmark's own processes (agents, baselines); the guard then removes the lab. */
  stop: () => Promise<void> | void;
}

export class LabRunGuard {
  private building: Promise<unknown> = Promise.resolve();
  private cleaning: Promise<void> | undefined;
  private aborted_ = false;
  private readonly watchdog: NodeJS.Timeout;
  private readonly onSignal = (signal: NodeJS.Signals): void => this.abort(`got ${signal}`, 130);

  constructor(private readonly o: GuardOptions) {
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
    process.on("SIGHUP", this.onSignal);
    this.watchdog = setTimeout(
      () => this.abort(`not finished after ${Math.round(o.budgetMs / 1000)} s`, 1),
      o.budgetMs,
    );
  }

  /** True once a signal or the watchdog stopped the run. */
  get aborted(): boolean {
    return this.aborted_;
  }

  /** The lab being built: the teardown waits for it, so nothing is created after it. */
  track(creating: Promise<unknown>): void {
    this.building = creating;
  }

  /** Stops the benchmark's processes and removes the lab, once. */
  cleanup(): Promise<void> {
    return (this.cleaning ??= (async () => {
      await this.o.stop();
      await this.building.catch(() => undefined);
      await destroyLab(this.o.lab).then(
        () => undefined,
        (err: Error) => this.o.progress(`lab down failed: ${err.message}`),
      );
    })());
  }

  /** At the end of the run: no watchdog, cleaned up, signals released. */
  async finish(): Promise<void> {
    clearTimeout(this.watchdog);
    this.o.progress(`removing lab '${this.o.lab}'`);
    await this.cleanup();
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
    process.off("SIGHUP", this.onSignal);
  }

  private abort(why: string, code: number): void {
    this.aborted_ = true;
    this.o.progress(`${why}: stopping ${this.o.what} and removing lab '${this.o.lab}'`);
    void this.cleanup().finally(() => process.exit(code));
  }
}

/**
 * The options of a run, or the exit code when there is nothing to run: 0 after --help, 2 for bad options,
 * 1 without the privileges a lab needs.
 */
export function benchOptions<T>(
  argv: readonly string[],
  usage: string,
  parse: (argv: readonly string[]) => T,
): T | number {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage + "\n");
    return 0;
  }
  let options: T;
  try {
    options = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  if (!canBuildLab()) {
    process.stderr.write(`${privilegeMessage}\n`);
    return 1;
  }
  return options;
}

/** Bytes and packets the lab switch has sent out of board `board`'s port so far (`ip -s -j link`). */
export async function portTxCounters(lab: Lab, board: number): Promise<{ bytes: number; packets: number }> {
  const { stdout } = await execFileAsync(systemTool("ip"), [
    "-n",
    lab.describe().switchNamespace,
    "-s",
    "-j",
    "link",
    "show",
    lab.board(board).port,
  ]);
  const [link] = JSON.parse(stdout) as Array<{ stats64?: { tx?: { bytes?: number; packets?: number } } }>;
  return { bytes: link?.stats64?.tx?.bytes ?? 0, packets: link?.stats64?.tx?.packets ?? 0 };
}
