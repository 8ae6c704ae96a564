// Thin adapter around the kernel tools `ip`, `tc` and `nft`: runs them from argv arrays (never a shell
// string) and turns a failure into a CommandError that carries the command line and the tool's stderr.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(
      `'${argv.join(" ")}' failed (${exitCode === null ? "no exit code" : `exit ${exitCode}`}): ${stderr.trim()}`,
    );
  }
}

export interface RunOptions {
  /** Written to the command's stdin (nft scripts). */
  input?: string;
  timeoutMs?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error("run: empty command line"));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 30_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdin.on("error", () => undefined);
    child.on("error", (err) => reject(new CommandError(argv, null, err.message)));
    child.on("close", (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandError(argv, code, stderr || `killed by ${signal ?? "a signal"}`));
    });
    child.stdin.end(options.input ?? "");
  });
}

const systemDirs = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/**
 * The system binary `name` by absolute path: under npm the PATH starts with node_modules/.bin, where
 * for example @vercel/nft (an AVA dependency) installs an unrelated `nft`.
 */
export function systemTool(name: string): string {
  return systemDirs.map((dir) => join(dir, name)).find((path) => existsSync(path)) ?? name;
}

const ipTool = systemTool("ip");
const tcTool = systemTool("tc");
const nftTool = systemTool("nft");

/** The argv that runs `argv` inside network namespace `ns`. */
export function inNetns(ns: string, argv: readonly string[]): string[] {
  return [ipTool, "netns", "exec", ns, ...argv];
}

/** Spawns `argv` inside `ns`; `ip netns exec` execs in place, so the child's pid is argv's process. */
export function spawnInNetns(ns: string, argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(ipTool, ["netns", "exec", ns, ...argv], options);
}

export async function ip(ns: string, args: readonly string[]): Promise<string> {
  return (await run([ipTool, "-n", ns, ...args])).stdout;
}

export async function ipJson<T>(ns: string, args: readonly string[]): Promise<T> {
  const out = await ip(ns, ["-j", ...args]);
  return JSON.parse(out.trim() === "" ? "[]" : out) as T;
}

export async function tc(ns: string, args: readonly string[]): Promise<string> {
  return (await run([tcTool, "-n", ns, ...args])).stdout;
}

export async function nft(ns: string, script: string): Promise<void> {
  await run(inNetns(ns, [nftTool, "-f", "-"]), { input: script });
}

export async function listNetns(): Promise<string[]> {
  const out = (await run([ipTool, "-j", "netns", "list"])).stdout.trim();
  if (out === "") return [];
  return (JSON.parse(out) as Array<{ name: string }>).map((n) => n.name);
}

export async function addNetns(ns: string): Promise<void> {
  await run([ipTool, "netns", "add", ns]);
  await ip(ns, ["link", "set", "lo", "up"]);
}

export async function deleteNetns(ns: string): Promise<void> {
  await run([ipTool, "netns", "delete", ns]);
}

/** Pids of the processes inside `ns`; none when the namespace does not exist. */
export async function netnsPids(ns: string): Promise<number[]> {
  if (!(await listNetns()).includes(ns)) return [];
  const out = (await run([ipTool, "netns", "pids", ns])).stdout;
  return out
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map(Number);
}
