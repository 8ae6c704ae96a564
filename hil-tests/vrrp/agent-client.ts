// Drives an io-agent in a namespace from a test: typed requests that resolve with the agent's answer or
// reject with its error (and errno code), and the datagrams its raw transport received, in order.
import type { ExecutionContext } from "ava";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { spawnInNetns } from "../lab/netns.js";
import type { AgentRequest } from "./agent-protocol.js";

export interface Received {
  datagram: Buffer;
  source: string;
}

export class AgentError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

interface Answer {
  id?: number;
  ok?: boolean;
  result?: unknown;
  error?: string;
  code?: string;
  datagram?: string;
  source?: string;
}

const agentPath = fileURLToPath(new URL("./io-agent.js", import.meta.url));

export class AgentClient {
  readonly received: Received[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, (answer: Answer) => void>();
  private readonly child: ChildProcess;

  constructor(t: ExecutionContext, ns: string) {
    this.child = spawnInNetns(ns, [process.execPath, agentPath], { stdio: ["pipe", "pipe", "inherit"] });
    t.teardown(() => this.stop());
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      const answer = JSON.parse(line) as Answer;
      if (answer.datagram !== undefined) {
        this.received.push({ datagram: Buffer.from(answer.datagram, "hex"), source: answer.source ?? "" });
      } else if (answer.id !== undefined) {
        this.waiting.get(answer.id)?.(answer);
        this.waiting.delete(answer.id);
      }
    });
  }

  request(request: AgentRequest): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (answer) =>
        answer.ok ? resolve(answer.result) : reject(new AgentError(answer.error ?? "", answer.code)),
      );
      this.child.stdin!.write(`${JSON.stringify({ ...request, id })}\n`);
    });
  }

  /** Resolves once `count` datagrams have arrived, or after `timeoutMs` with what arrived. */
  async receivedAtLeast(count: number, timeoutMs = 5000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.received;
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.stdin!.end();
      setTimeout(() => this.child.kill("SIGKILL"), 2000).unref();
    });
  }
}
