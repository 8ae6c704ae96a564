// The orchestrator's side of a load generator process: spawns `node agent.js SPEC` inside a board's
// namespace, waits for it to connect and bind, sends commands with bounded waits for their replies, and
// kills it. Every live process is in `liveGenerators`, so an interrupted benchmark can kill them all.
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Lab } from "../../hil-tests/lab/index.js";
import type { AgentSpec, Reply } from "./protocol.js";
import { AgentProcess } from "../agent-process.js";

const agentScript = fileURLToPath(new URL("./agent.js", import.meta.url));

export const liveGenerators = new Set<Generator>();

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class Generator {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private readonly process: AgentProcess;
  private exit: string | null = null;
  private readonly ready: Promise<void>;

  constructor(
    lab: Lab,
    readonly spec: AgentSpec,
  ) {
    this.process = new AgentProcess(lab, spec.board, agentScript, spec);
    this.child = this.process.child;
    liveGenerators.add(this);
    let onReady: () => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      this.child.once("exit", () => reject(this.failure("did not start")));
    });
    this.ready.catch(() => undefined);
    createInterface({ input: this.child.stdout! }).on("line", (line) => this.onLine(line, onReady));
    this.child.on("error", (err) => this.onExit(`spawn failed: ${err.message}`));
    this.child.on("exit", (code, signal) => this.onExit(`exited (${signal ?? `code ${code}`})`));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves once every connection of the process is open and bound. */
  started(timeoutMs = 15_000): Promise<void> {
    return bounded(this.ready, timeoutMs, () => this.failure(`not ready within ${timeoutMs} ms`));
  }

  request<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<T> {
    if (this.exit !== null) return Promise.reject(this.failure(`cannot send '${cmd}'`));
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(this.failure(`no reply to '${cmd}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.stdin?.write(JSON.stringify({ seq, cmd, args }) + "\n");
    });
  }

  /** Asks the process to exit, then SIGKILLs it if it is still there after `graceMs`. */
  async stop(graceMs = 1500): Promise<void> {
    if (this.exit === null) {
      this.child.stdin?.write(JSON.stringify({ seq: ++this.seq, cmd: "exit" }) + "\n");
      this.child.stdin?.end();
      const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
      await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref())]);
    }
    this.kill();
  }

  kill(): void {
    if (this.exit === null) this.child.kill("SIGKILL");
    liveGenerators.delete(this);
  }

  private failure(what: string): Error {
    const tail = this.process.tail();
    return new Error(`load generator on b${this.spec.board}: ${what} (${this.exit ?? "running"})${tail}`);
  }

  private onLine(line: string, onReady: () => void): void {
    let message: Reply | { event: string };
    try {
      message = JSON.parse(line) as Reply | { event: string };
    } catch {
      this.process.note(`stdout: ${line}\n`);
      return;
    }
    if (!("seq" in message)) {
      if (message.event === "ready") onReady();
      return;
    }
    const p = this.pending.get(message.seq);
    if (!p) return;
    this.pending.delete(message.seq);
    clearTimeout(p.timer);
    if (message.ok) p.resolve(message.result);
    else p.reject(new Error(`load generator on b${this.spec.board}: ${message.error}`));
  }

  private onExit(state: string): void {
    if (this.exit !== null) return;
    this.exit = state;
    liveGenerators.delete(this);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(this.failure("died"));
    }
    this.pending.clear();
  }
}

function bounded<T>(promise: Promise<T>, timeoutMs: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts `processes` generators for clients 0 .. clients - 1, split as evenly as possible. */
export async function startGenerators(
  lab: Lab,
  base: Omit<AgentSpec, "clients">,
  clients: number,
  processes: number,
): Promise<Generator[]> {
  const n = Math.max(1, Math.min(processes, clients));
  const generators = Array.from(
    { length: n },
    (_, p) =>
      new Generator(lab, {
        ...base,
        clients: Array.from({ length: clients }, (_, c) => c).filter((c) => c % n === p),
      }),
  );
  try {
    await Promise.all(generators.map((g) => g.started()));
  } catch (err) {
    await stopAll(generators);
    throw err;
  }
  return generators;
}

export async function stopAll(generators: readonly Generator[]): Promise<void> {
  await Promise.all(generators.map((g) => g.stop()));
}
