// The raw UDP multicast baseline: no reliability, no authentication. The sender blasts datagrams of the
// RMTP frame size at the group as fast as the socket takes them; receivers count what arrives.
import { createSocket, type Socket } from "node:dgram";
import type { Role } from "./agent.js";
import {
  now,
  Phase,
  rawPort,
  readUdpSnmp,
  type AgentEvent,
  type AgentSpec,
  type LatencyStamp,
  numberArg,
  sendPacedSmall,
} from "./protocol.js";

type RawSpec = Extract<AgentSpec, { role: "raw-recv" | "raw-send" }>;

/** The socket buffers RMTP's UdpTransport asks for, so both see the same sockets. */
const bufferBytes = 8 * 1024 * 1024;

export interface RawTally {
  datagrams: number;
  bytes: number;
  /** Bulk datagrams whose index was below the highest seen so far (reordered or duplicated). */
  reordered: number;
  firstAt: number | null;
  lastAt: number | null;
}

export interface RawStreamResult {
  datagrams: number;
  bytes: number;
  errors: number;
  firstError: string | null;
  startedAt: number;
  endedAt: number;
}

function bind(socket: Socket, port: number, address?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, address, () => {
      socket.off("error", reject);
      resolve();
    });
  });
}

export async function startRaw(spec: RawSpec, _emit: (e: AgentEvent) => void): Promise<Role> {
  const socket = createSocket({ type: "udp4", reuseAddr: true });
  socket.on("error", () => undefined);
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  if (spec.role === "raw-recv") {
    await bind(socket, rawPort);
    socket.addMembership(spec.group, spec.address);
    socket.setRecvBufferSize(bufferBytes);
    const udpAtStart = readUdpSnmp();
    const bulk: RawTally = { datagrams: 0, bytes: 0, reordered: 0, firstAt: null, lastAt: null };
    const latency: LatencyStamp[] = [];
    let highest = -1;
    socket.on("message", (msg) => {
      const at = now();
      if (msg[0] === Phase.Bulk) {
        const index = msg.readUInt32BE(1);
        if (index < highest) bulk.reordered++;
        else highest = index;
        bulk.datagrams++;
        bulk.bytes += msg.length;
        bulk.firstAt ??= at;
        bulk.lastAt = at;
      } else if (msg[0] === Phase.Latency) {
        latency.push([msg.readUInt32BE(1), at]);
      }
    });
    return {
      handlers: { report: () => ({ bulk, latency, udpAtStart, udp: readUdpSnmp() }) },
      close,
    };
  }

  await bind(socket, 0, spec.address);
  socket.setSendBufferSize(bufferBytes);
  socket.setMulticastInterface(spec.address);
  socket.setMulticastTTL(1);
  socket.setMulticastLoopback(false);
  const target = { port: rawPort, address: spec.group };

  const stream = async (args: Record<string, unknown>): Promise<RawStreamResult> => {
    const seconds = numberArg(args, "seconds");
    const datagramBytes = numberArg(args, "datagramBytes");
    const outstandingMax = numberArg(args, "outstanding");
    const filler = Buffer.alloc(datagramBytes, 0xa5);
    let datagrams = 0;
    let errors = 0;
    let firstError: string | null = null;
    let outstanding = 0;
    const startedAt = now();
    const until = startedAt + seconds * 1000;
    let endedAt = 0;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (outstanding < outstandingMax && now() < until) {
          const buf = Buffer.allocUnsafe(datagramBytes);
          filler.copy(buf);
          buf[0] = Phase.Bulk;
          buf.writeUInt32BE(datagrams++ >>> 0, 1);
          outstanding++;
          socket.send(buf, target.port, target.address, (err) => {
            outstanding--;
            if (err) {
              errors++;
              firstError ??= err.message;
            }
            pump();
          });
        }
        if (outstanding === 0 && endedAt === 0) {
          endedAt = now();
          resolve();
        }
      };
      pump();
    });
    return { datagrams, bytes: datagrams * datagramBytes, errors, firstError, startedAt, endedAt };
  };

  const sendSmall = (args: Record<string, unknown>): Promise<{ sentAt: number[] }> =>
    sendPacedSmall(args, now, (payload) => socket.send(payload, target.port, target.address));

  return { handlers: { stream, latency: sendSmall, status: () => ({ udp: readUdpSnmp() }) }, close };
}
