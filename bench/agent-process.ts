// One agent process of a lab benchmark: a Node script started inside a board's namespace with its spec as
// its argument, spoken to in JSON lines. A line with a numeric `seq` answers a request; any other line is an
// event for the owner. Every wait is bounded; when the process dies, what waits is rejected with the tail
// of what it printed outside the protocol (the last 4,000 characters are kept).
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Lab } from "../hil-tests/lab/index.js";

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface Reply {
  seq: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface AgentProcessOptions {
  lab: Lab;
  board: number;
  script: string;
  spec: unknown;
  /** Names the agent in error messages, e.g. "rmtp-sender@b2". */
  name: string;
  onEvent: (event: Record<string, unknown>) => void;
  /** Called once, when the process has exited or could not be spawned. */
  onExit: () => void;
}

export class AgentProcess {
  readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private output = "";
  private exit: string | null = null;

  constructor(private readonly o: AgentProcessOptions) {
    this.child = o.lab.spawnInBoard(o.board, [process.execPath, o.script, JSON.stringify(o.spec)], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdin?.on("error", () => undefined);
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => this.note(chunk));
    createInterface({ input: this.child.stdout! }).on("line", (line) => this.onLine(line));
    this.child.on("error", (err) => this.onExit(`spawn failed: ${err.message}`));
    this.child.on("exit", (code, signal) => this.onExit(`exited (${signal ?? `code ${code}`})`));
  }

  get exited(): boolean {
    return this.exit !== null;
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
  }

  /** An error naming the agent, its state and what it printed last. */
  failure(what: string): Error {
    const text = this.output.trim();
    const tail = text === "" ? "" : `; stderr: ${text.slice(-600)}`;
    return new Error(`${this.o.name}: ${what} (${this.exit ?? "running"})${tail}`);
  }

  private note(text: string): void {
    this.output = (this.output + text).slice(-4000);
  }

  private onLine(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.note(`stdout: ${line}\n`);
      return;
    }
    if (typeof message.seq !== "number") {
      this.o.onEvent(message);
      return;
    }
    const reply = message as unknown as Reply;
    const p = this.pending.get(reply.seq);
    if (!p) return;
    this.pending.delete(reply.seq);
    clearTimeout(p.timer);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new Error(`${this.o.name}: ${reply.error ?? "failed"}`));
  }

  private onExit(state: string): void {
    if (this.exit !== null) return;
    this.exit = state;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(this.failure("died"));
    }
    this.pending.clear();
    this.o.onExit();
  }
}
