// Client side of the control protocol, used by the CLI, the lab view, tests and benchmarks.
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";
import type { ControlReply } from "./protocol.js";

export class ControlClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<number, (event: unknown) => void>();
  private closed = false;

  private constructor(private readonly socket: Socket) {
    const lines = createInterface({ input: socket, crlfDelay: Infinity });
    lines.on("line", (line) => this.receive(line));
    // readline re-emits the socket's errors (ECONNRESET when the daemon dies): the close below handles them.
    lines.on("error", () => undefined);
    socket.on("close", () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error("control socket closed"));
      this.pending.clear();
    });
    socket.on("error", () => undefined);
  }

  static connect(path: string, timeoutMs = 5000): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`control socket ${path}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new ControlClient(socket));
      });
      socket.once("error", (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(`control socket ${path}: ${err.code ?? err.message}`));
      });
    });
  }

  /** Rejects at once when the daemon already closed the socket (it died or restarted). */
  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error("control socket closed"));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(JSON.stringify({ ...args, id, op }) + "\n");
    });
  }

  async subscribe(topic: string, onEvent: (event: unknown) => void): Promise<void> {
    const id = this.nextId;
    this.listeners.set(id, onEvent);
    await this.call("subscribe", { topic });
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private receive(line: string): void {
    let reply: ControlReply;
    try {
      reply = JSON.parse(line) as ControlReply;
    } catch {
      return;
    }
    if ("event" in reply) {
      this.listeners.get(reply.id)?.(reply.event);
      return;
    }
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(new Error(reply.error));
  }
}
