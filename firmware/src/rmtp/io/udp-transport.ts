// UDP multicast transport: one socket bound to the group port, joined to the group on the service
// interface's address, TTL 1 and no loopback; unicast (acknowledgements to the manager) uses the same socket.
import { createSocket, type Socket } from "node:dgram";
import type { Address } from "../core/types.js";
import type { Transport } from "./transport.js";

export interface UdpOptions {
  group: string;
  port: number;
  interfaceAddress: string;
  bufferBytes?: number;
}

export class UdpTransport implements Transport {
  readonly local: Address;
  private handler: (datagram: Buffer, from: Address) => void = () => undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly options: UdpOptions,
  ) {
    this.local = { address: options.interfaceAddress, port: options.port };
    socket.on("message", (msg, rinfo) => this.handler(msg, { address: rinfo.address, port: rinfo.port }));
  }

  static async open(options: UdpOptions): Promise<UdpTransport> {
    const socket = createSocket({ type: "udp4", reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(options.port, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    try {
      socket.addMembership(options.group, options.interfaceAddress);
      socket.setMulticastInterface(options.interfaceAddress);
      socket.setMulticastLoopback(false);
      socket.setMulticastTTL(1);
      const bytes = options.bufferBytes ?? 8 * 1024 * 1024;
      socket.setRecvBufferSize(bytes);
      socket.setSendBufferSize(bytes);
    } catch (err) {
      socket.close();
      throw new Error(
        `cannot join ${options.group} on ${options.interfaceAddress}: ${(err as Error).message}`,
      );
    }
    socket.on("error", () => undefined);
    return new UdpTransport(socket, options);
  }

  send(datagram: Buffer, to: "group" | Address): void {
    const target = to === "group" ? { address: this.options.group, port: this.options.port } : to;
    this.socket.send(datagram, target.port, target.address);
  }

  onDatagram(handler: (datagram: Buffer, from: Address) => void): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
