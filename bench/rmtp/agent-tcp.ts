// The TCP fan-out baseline, written as a user would: one connection per recipient, 64 KiB writes, each
// connection pumped on its own and only as fast as its backpressure ('drain') allows, Nagle off for small
// messages. The receiver hashes the byte stream and stamps small messages as they arrive.
import { createHash, randomBytes } from "node:crypto";
import { createConnection, createServer, type Socket } from "node:net";
import type { Role } from "./agent.js";
import {
  bulkPayload,
  now,
  tcpPort,
  type AgentEvent,
  type AgentSpec,
  type BulkTally,
  type LatencyStamp,
  numberArg,
  sendPacedSmall,
} from "./protocol.js";

type TcpSpec = Extract<AgentSpec, { role: "tcp-recv" | "tcp-send" }>;

const Mode = { Bulk: 0x42, Latency: 0x4c } as const;

export interface TcpBulkTally extends Omit<BulkTally, "count" | "orderErrors"> {
  done: boolean;
  connections: number;
  errors: string[];
}

export interface TcpStreamResult {
  messages: number;
  bytes: number;
  sha256: string;
  startedAt: number;
  endedAt: number;
  errors: string[];
}

export async function startTcp(spec: TcpSpec, _emit: (e: AgentEvent) => void): Promise<Role> {
  return spec.role === "tcp-recv" ? startReceiver(spec) : startSender(spec);
}

async function startReceiver(spec: TcpSpec): Promise<Role> {
  const hash = createHash("sha256");
  const bulk: TcpBulkTally = {
    bytes: 0,
    sha256: "",
    firstAt: null,
    lastAt: null,
    done: false,
    connections: 0,
    errors: [],
  };
  const latency: LatencyStamp[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", (err) => bulk.errors.push(err.message));
    let mode = 0;
    let recordBytes = 0;
    let rest: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      const at = now();
      if (mode === 0) {
        rest = Buffer.concat([rest, chunk]);
        if (rest[0] === Mode.Bulk) {
          mode = Mode.Bulk;
          bulk.connections++;
          chunk = rest.subarray(1);
          rest = Buffer.alloc(0);
        } else if (rest.length >= 3 && rest[0] === Mode.Latency) {
          mode = Mode.Latency;
          recordBytes = rest.readUInt16BE(1);
          chunk = rest.subarray(3);
          rest = Buffer.alloc(0);
        } else {
          return;
        }
      }
      if (mode === Mode.Bulk) {
        if (chunk.length === 0) return;
        hash.update(chunk);
        bulk.bytes += chunk.length;
        bulk.firstAt ??= at;
        bulk.lastAt = at;
        return;
      }
      rest = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
      let o = 0;
      for (; o + recordBytes <= rest.length; o += recordBytes) latency.push([rest.readUInt32BE(o + 1), at]);
      rest = rest.subarray(o);
    });
    socket.on("end", () => {
      if (mode === Mode.Bulk) bulk.done = true;
      socket.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(tcpPort, spec.address, () => resolve());
  });
  return {
    handlers: { report: () => ({ bulk: { ...bulk, sha256: hash.copy().digest("hex") }, latency }) },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

function connect(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: address, port: tcpPort });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

function startSender(spec: Extract<TcpSpec, { role: "tcp-send" }>): Promise<Role> {
  const open = new Set<Socket>();
  let latencySockets: Socket[] = [];

  const stream = async (args: Record<string, unknown>): Promise<TcpStreamResult> => {
    const seconds = numberArg(args, "seconds");
    const messageBytes = numberArg(args, "messageBytes");
    const pool = Array.from({ length: 16 }, () => randomBytes(messageBytes));
    const sockets = await Promise.all(spec.recipients.map(connect));
    const errors: string[] = [];
    for (const s of sockets) {
      open.add(s);
      s.on("error", (err) => errors.push(err.message));
      s.write(Buffer.from([Mode.Bulk]));
    }
    const startedAt = now();
    const until = startedAt + seconds * 1000;
    // Each connection runs ahead as far as its own backpressure allows; when the time is up, the total is
    // what the fastest connection has written, and the others catch up to it.
    const next = sockets.map(() => 0);
    let total = Infinity;
    const limit = (): number => {
      if (total === Infinity && now() >= until) total = Math.max(...next);
      return total;
    };
    await Promise.all(
      sockets.map(
        (socket, k) =>
          new Promise<void>((resolve) => {
            socket.once("close", () => resolve());
            const pump = (): void => {
              while (next[k]! < limit()) {
                const ok = socket.write(bulkPayload(next[k]!, messageBytes, pool));
                next[k]!++;
                if (!ok) {
                  socket.once("drain", pump);
                  return;
                }
              }
              socket.end(() => resolve());
            };
            pump();
          }),
      ),
    );
    const endedAt = now();
    const sent = createHash("sha256");
    for (let i = 0; i < total; i++) sent.update(bulkPayload(i, messageBytes, pool));
    return {
      messages: total,
      bytes: total * messageBytes,
      sha256: sent.digest("hex"),
      startedAt,
      endedAt,
      errors,
    };
  };

  const connectLatency = async (args: Record<string, unknown>): Promise<number> => {
    const bytes = numberArg(args, "bytes");
    latencySockets = await Promise.all(spec.recipients.map(connect));
    const header = Buffer.alloc(3);
    header[0] = Mode.Latency;
    header.writeUInt16BE(Math.max(bytes, 16), 1);
    for (const s of latencySockets) {
      open.add(s);
      s.setNoDelay(true);
      s.on("error", () => undefined);
      s.write(header);
    }
    return latencySockets.length;
  };

  const sendSmall = (args: Record<string, unknown>): Promise<{ sentAt: number[] }> =>
    sendPacedSmall(args, now, (payload) => {
      for (const s of latencySockets) s.write(payload);
    });

  return Promise.resolve({
    handlers: { stream, "connect-latency": connectLatency, latency: sendSmall },
    close: () => {
      for (const s of open) s.destroy();
      return Promise.resolve();
    },
  });
}
