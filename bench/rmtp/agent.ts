// One agent process of the RMTP benchmark, run inside a board's namespace by the orchestrator:
//   node dist/bench/rmtp/agent.js '<AgentSpec as JSON>'
// It starts its role (an RMTP manager, sender or recipient, or a raw UDP or TCP sender or receiver), then
// answers commands, one JSON line each on stdin, with one JSON line each on stdout; unsolicited events
// (ready, admitted) are JSON lines too. It exits on the `exit` command, when stdin closes (the
// orchestrator is gone) or after its lifetime, so it can never outlive the benchmark for long.
import { createInterface } from "node:readline";
import type { AgentEvent, AgentSpec, ClockReading, Command, Reply } from "./protocol.js";
import { now, timeNamespace } from "./protocol.js";
import { startRaw } from "./agent-raw.js";
import { startRmtp } from "./agent-rmtp.js";
import { startTcp } from "./agent-tcp.js";

export type Handler = (args: Record<string, unknown>) => unknown;

export interface Role {
  handlers: Record<string, Handler>;
  close(): Promise<void>;
}

function write(line: Reply | AgentEvent): void {
  process.stdout.write(JSON.stringify(line) + "\n");
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "") as AgentSpec;
  let role: Role | undefined;
  let exiting = false;
  const exit = async (code: number): Promise<void> => {
    if (exiting) return;
    exiting = true;
    const closing = role?.close().catch(() => undefined);
    await Promise.race([closing, new Promise((r) => setTimeout(r, 1000))]);
    process.exit(code);
  };
  setTimeout(() => void exit(3), spec.lifetimeMs).unref();
  process.stdin.on("end", () => void exit(0));
  process.on("SIGTERM", () => void exit(0));

  const emit = (event: AgentEvent): void => write(event);
  switch (spec.role) {
    case "rmtp":
      role = await startRmtp(spec, emit);
      break;
    case "raw-recv":
    case "raw-send":
      role = await startRaw(spec, emit);
      break;
    case "tcp-recv":
    case "tcp-send":
      role = await startTcp(spec, emit);
      break;
  }
  const handlers: Record<string, Handler> = {
    ...role.handlers,
    clock: (): ClockReading => ({ now: now(), timeNamespace: timeNamespace() }),
    exit: () => {
      setImmediate(() => void exit(0));
      return null;
    },
  };
  createInterface({ input: process.stdin }).on("line", (line) => {
    let command: Command;
    try {
      command = JSON.parse(line) as Command;
    } catch {
      return;
    }
    const handler = handlers[command.cmd];
    if (!handler) {
      write({ seq: command.seq, ok: false, error: `unknown command '${command.cmd}' for ${spec.role}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(command.args ?? {}))
      .then(
        (result) => write({ seq: command.seq, ok: true, result }),
        (err: unknown) =>
          write({ seq: command.seq, ok: false, error: (err as Error).message ?? String(err) }),
      );
  });
  emit({ event: "ready", board: spec.board, role: spec.role, pid: process.pid });
}

main().catch((err: unknown) => {
  process.stderr.write(`agent failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
});
