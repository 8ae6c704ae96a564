// Serves the control protocol on a Unix socket for the daemon: request handlers by op name and event
// topics that clients subscribe to. A broken client never affects the daemon: bad lines get an error reply.
import { createServer, type Server, type Socket } from "node:net";
import { mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { maxLineBytes, parseRequest, type ControlReply } from "./protocol.js";

export type ControlHandler = (args: Record<string, unknown>) => unknown;

export class ControlServer {
  private readonly server: Server;
  private readonly subscribers = new Map<string, Set<(event: unknown) => void>>();

  constructor(
    private readonly path: string,
    private readonly handlers: Record<string, ControlHandler>,
  ) {
    this.server = createServer((socket) => this.serve(socket));
  }

  async listen(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    rmSync(this.path, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.path, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  publish(topic: string, event: unknown): void {
    for (const deliver of this.subscribers.get(topic) ?? []) deliver(event);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }

  private serve(socket: Socket): void {
    const send = (reply: ControlReply): void => {
      if (!socket.destroyed) socket.write(JSON.stringify(reply) + "\n");
    };
    const unsubscribes: Array<() => void> = [];
    socket.on("error", () => socket.destroy());
    socket.on("close", () => unsubscribes.forEach((u) => u()));
    const lines = createInterface({ input: socket, crlfDelay: Infinity });
    lines.on("error", () => socket.destroy());
    lines.on("line", (line) => {
      if (line.length > maxLineBytes) return socket.destroy();
      const req = parseRequest(line);
      if (typeof req === "string") return send({ id: -1, ok: false, error: req });
      if (req.op === "subscribe") {
        const topic = String(req.topic);
        const deliver = (event: unknown): void => send({ id: req.id, event });
        const set = this.subscribers.get(topic) ?? new Set();
        set.add(deliver);
        this.subscribers.set(topic, set);
        unsubscribes.push(() => set.delete(deliver));
        return send({ id: req.id, ok: true, result: { topic } });
      }
      const handler = this.handlers[req.op];
      if (!handler) return send({ id: req.id, ok: false, error: `unknown op '${req.op}'` });
      Promise.resolve()
        .then(() => handler(req))
        .then(
          (result) => send({ id: req.id, ok: true, result: result ?? null }),
          (err: unknown) =>
            send({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
        );
    });
  }
}
