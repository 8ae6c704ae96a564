// The orchestrator's side of an agent: spawns `node agent.js SPEC` inside a board's namespace, sends
// commands and waits for their replies and for events, every wait bounded, and kills the process. Every
// live agent is in `liveAgents`, so an interrupted benchmark can kill them all.
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import type { Lab } from "../../hil-tests/lab/index.js";
import type { AgentEvent, AgentSpec, Reply } from "./protocol.js";
import { AgentProcess } from "../agent-process.js";

const agentScript = fileURLToPath(new URL("./agent.js", import.meta.url));

export const liveAgents = new Set<Agent>();

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface EventWaiter {
  match: (e: AgentEvent) => boolean;
  resolve: (e: AgentEvent) => void;
  reject: (err: Error) => void;
}

export class Agent {
  readonly events: AgentEvent[] = [];
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private readonly waiters = new Set<EventWaiter>();
  private seq = 0;
  private readonly process: AgentProcess;
  private exit: string | null = null;

  constructor(
    lab: Lab,
    readonly spec: AgentSpec,
  ) {
    this.process = new AgentProcess(lab, spec.board, agentScript, spec);
    this.child = this.process.child;
    liveAgents.add(this);
    createInterface({ input: this.child.stdout! }).on("line", (line) => this.onLine(line));
    this.child.on("error", (err) => this.onExit(`spawn failed: ${err.message}`));
    this.child.on("exit", (code, signal) => this.onExit(`exited (${signal ?? `code ${code}`})`));
  }

  get name(): string {
    const kind = this.spec.role === "rmtp" ? `rmtp-${this.spec.kind}` : this.spec.role;
    return `${kind}@b${this.spec.board}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
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

  /** Resolves with the first event (already seen or future) that matches; rejects after `timeoutMs`. */
  waitEvent(match: (e: AgentEvent) => boolean, what: string, timeoutMs: number): Promise<AgentEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    if (this.exit !== null) return Promise.reject(this.failure(`waiting for ${what}`));
    return new Promise((resolve, reject) => {
      const waiter: EventWaiter = {
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(this.failure(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Asks the agent to exit, then SIGKILLs it if it is still there after `graceMs`. */
  async stop(graceMs = 1500): Promise<void> {
    if (this.exit === null) {
      this.child.stdin?.write(JSON.stringify({ seq: ++this.seq, cmd: "exit" }) + "\n");
      this.child.stdin?.end();
      const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
      const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([exited, timer]);
    }
    this.kill();
  }

  kill(): void {
    if (this.exit === null) this.child.kill("SIGKILL");
    liveAgents.delete(this);
  }

  private failure(what: string): Error {
    const state = this.exit ?? "running";
    const tail = this.process.tail();
    return new Error(`${this.name}: ${what} (${state})${tail}`);
  }

  private onLine(line: string): void {
    let message: Reply | AgentEvent;
    try {
      message = JSON.parse(line) as Reply | AgentEvent;
    } catch {
      this.process.note(`stdout: ${line}\n`);
      return;
    }
    if (typeof message.seq === "number") {
      const reply = message as Reply;
      const p = this.pending.get(reply.seq);
      if (!p) return;
      this.pending.delete(reply.seq);
      clearTimeout(p.timer);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new Error(`${this.name}: ${reply.error}`));
      return;
    }
    const event = message as AgentEvent;
    this.events.push(event);
    for (const w of [...this.waiters]) {
      if (w.match(event)) {
        this.waiters.delete(w);
        w.resolve(event);
      }
    }
  }

  private onExit(state: string): void {
    if (this.exit !== null) return;
    this.exit = state;
    liveAgents.delete(this);
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(this.failure("died"));
    }
    this.pending.clear();
    for (const w of this.waiters) w.reject(this.failure("died"));
    this.waiters.clear();
  }
}

/** Stops every agent in `agents` in parallel. */
export async function stopAll(agents: readonly Agent[]): Promise<void> {
  await Promise.all(agents.map((a) => a.stop()));
}
