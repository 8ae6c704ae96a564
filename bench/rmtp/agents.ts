// The orchestrator's side of an agent: spawns `node agent.js SPEC` inside a board's namespace, sends
// commands and waits for their replies and for events, every wait bounded, and kills the process. Every
// live agent is in `liveAgents`, so an interrupted benchmark can kill them all.
import { fileURLToPath } from "node:url";
import type { Lab } from "../../hil-tests/lab/index.js";
import type { AgentEvent, AgentSpec } from "./protocol.js";
import { AgentProcess } from "../agent-process.js";

const agentScript = fileURLToPath(new URL("./agent.js", import.meta.url));

export const liveAgents = new Set<Agent>();

interface EventWaiter {
  match: (e: AgentEvent) => boolean;
  resolve: (e: AgentEvent) => void;
  reject: (err: Error) => void;
}

export class Agent {
  readonly events: AgentEvent[] = [];
  private readonly waiters = new Set<EventWaiter>();
  private readonly process: AgentProcess;

  constructor(
    lab: Lab,
    readonly spec: AgentSpec,
  ) {
    this.process = new AgentProcess({
      lab,
      board: spec.board,
      script: agentScript,
      spec,
      name: this.name,
      onEvent: (event) => this.onEvent(event as unknown as AgentEvent),
      onExit: () => {
        liveAgents.delete(this);
        for (const w of this.waiters) w.reject(this.process.failure("died"));
        this.waiters.clear();
      },
    });
    liveAgents.add(this);
  }

  get name(): string {
    const kind = this.spec.role === "rmtp" ? `rmtp-${this.spec.kind}` : this.spec.role;
    return `${kind}@b${this.spec.board}`;
  }

  get pid(): number | undefined {
    return this.process.child.pid;
  }

  request<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<T> {
    return this.process.request<T>(cmd, args, timeoutMs);
  }

  /** Resolves with the first event (already seen or future) that matches; rejects after `timeoutMs`. */
  waitEvent(match: (e: AgentEvent) => boolean, what: string, timeoutMs: number): Promise<AgentEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    if (this.process.exited) return Promise.reject(this.process.failure(`waiting for ${what}`));
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
        reject(this.process.failure(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Asks the agent to exit, then SIGKILLs it if it is still there after `graceMs`. */
  async stop(graceMs = 1500): Promise<void> {
    await this.process.stop(graceMs);
    liveAgents.delete(this);
  }

  kill(): void {
    this.process.kill();
    liveAgents.delete(this);
  }

  private onEvent(event: AgentEvent): void {
    this.events.push(event);
    for (const w of [...this.waiters]) {
      if (w.match(event)) {
        this.waiters.delete(w);
        w.resolve(event);
      }
    }
  }
}

/** Stops every agent in `agents` in parallel. */
export async function stopAll(agents: readonly Agent[]): Promise<void> {
  await Promise.all(agents.map((a) => a.stop()));
}
