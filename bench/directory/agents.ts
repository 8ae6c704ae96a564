// The orchestrator's side of a load generator process: spawns `node agent.js SPEC` inside a board's
// namespace, waits for it to connect and bind, sends commands with bounded waits for their replies, and
// kills it. Every live process is in `liveGenerators`, so an interrupted benchmark can kill them all.
import { fileURLToPath } from "node:url";
import type { Lab } from "../../hil-tests/lab/index.js";
import type { AgentSpec } from "./protocol.js";
import { AgentProcess } from "../agent-process.js";

const agentScript = fileURLToPath(new URL("./agent.js", import.meta.url));

export const liveGenerators = new Set<Generator>();

export class Generator {
  private readonly process: AgentProcess;
  private readonly ready: Promise<void>;

  constructor(
    lab: Lab,
    readonly spec: AgentSpec,
  ) {
    let onReady: () => void = () => undefined;
    let onDied: () => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onDied = () => reject(this.process.failure("did not start"));
    });
    this.ready.catch(() => undefined);
    this.process = new AgentProcess({
      lab,
      board: spec.board,
      script: agentScript,
      spec,
      name: `load generator on b${spec.board}`,
      onEvent: (event) => {
        if (event.event === "ready") onReady();
      },
      onExit: () => {
        liveGenerators.delete(this);
        onDied();
      },
    });
    liveGenerators.add(this);
  }

  get pid(): number | undefined {
    return this.process.child.pid;
  }

  /** Resolves once every connection of the process is open and bound. */
  started(timeoutMs = 15_000): Promise<void> {
    return bounded(this.ready, timeoutMs, () => this.process.failure(`not ready within ${timeoutMs} ms`));
  }

  request<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<T> {
    return this.process.request<T>(cmd, args, timeoutMs);
  }

  /** Asks the process to exit, then SIGKILLs it if it is still there after `graceMs`. */
  async stop(graceMs = 1500): Promise<void> {
    await this.process.stop(graceMs);
    liveGenerators.delete(this);
  }

  kill(): void {
    this.process.kill();
    liveGenerators.delete(this);
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
