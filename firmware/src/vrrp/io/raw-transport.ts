// VRRP transport on a raw IPv4 socket (`raw-socket`, IP protocol 112), bound to the service interface:
// joins 224.0.0.18 there, sends with TTL 255 and the interface's address as source (IP_MULTICAST_IF with
// an ip_mreqn), does not loop its own adverts back, and hands up each received datagram with its IPv4
// header (a raw IPv4 socket always delivers it). TOS 0xc0 (DSCP CS6, network control), as keepalived
// sends. Opening needs CAP_NET_RAW.
import { readFileSync } from "node:fs";
import { endianness } from "node:os";
import raw, { type Socket } from "raw-socket";
import { vrrpGroup, vrrpProtocol, vrrpTos, vrrpTtl, type VrrpTransport } from "./vrrp-transport.js";

const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const IPPROTO_IP = 0;
const IP_TOS = 1;
const IP_TTL = 2;
const IP_MULTICAST_IF = 32;
const IP_MULTICAST_TTL = 33;
const IP_MULTICAST_LOOP = 34;
const IP_ADD_MEMBERSHIP = 35;

export interface RawTransportOptions {
  /** The service interface, for example eth0. */
  interfaceName: string;
  /** Its primary IPv4 address: the source of every advert. */
  localAddress: string;
  /** IP TTL of sent packets; 255 as RFC 5798 requires. Other values only to test a receiver's check. */
  ttl?: number;
}

function ipv4Bytes(address: string): Buffer {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`'${address}' is not an IPv4 address`);
  }
  return Buffer.from(parts);
}

/** struct ip_mreqn { in_addr imr_multiaddr; in_addr imr_address; int imr_ifindex; } */
function ipMreqn(group: string, address: string, ifindex: number): Buffer {
  const b = Buffer.alloc(12);
  ipv4Bytes(group).copy(b, 0);
  ipv4Bytes(address).copy(b, 4);
  if (endianness() === "LE") b.writeInt32LE(ifindex, 8);
  else b.writeInt32BE(ifindex, 8);
  return b;
}

function interfaceIndex(name: string): number {
  try {
    return Number(readFileSync(`/sys/class/net/${name}/ifindex`, "utf8").trim());
  } catch {
    throw new Error(`VRRP transport: no interface '${name}' in this network namespace`);
  }
}

export class RawTransport implements VrrpTransport {
  readonly localAddress: string;
  private handler: (datagram: Buffer, source: string) => void = () => undefined;
  private readonly pending = new Set<(err: Error) => void>();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    options: RawTransportOptions,
  ) {
    this.localAddress = options.localAddress;
    // raw-socket reuses one receive buffer: copy the datagram before the next read overwrites it.
    socket.on("message", (buffer, source) => this.handler(Buffer.from(buffer), source));
    socket.on("error", () => undefined);
  }

  static open(options: RawTransportOptions): RawTransport {
    const { interfaceName, localAddress } = options;
    const ttl = options.ttl ?? vrrpTtl;
    const ifindex = interfaceIndex(interfaceName);
    let socket: Socket;
    try {
      socket = raw.createSocket({ protocol: vrrpProtocol });
    } catch (err) {
      throw new Error(`VRRP transport: cannot open a raw IP socket: ${(err as Error).message}`);
    }
    const step = (what: string, apply: () => void): void => {
      try {
        apply();
      } catch (err) {
        socket.close();
        throw new Error(`VRRP transport on ${interfaceName}: ${what}: ${(err as Error).message}`);
      }
    };
    const name = Buffer.from(`${interfaceName}\0`);
    step("SO_BINDTODEVICE", () => socket.setOption(SOL_SOCKET, SO_BINDTODEVICE, name, name.length));
    const mreqn = ipMreqn(vrrpGroup, localAddress, ifindex);
    step("IP_MULTICAST_IF", () => socket.setOption(IPPROTO_IP, IP_MULTICAST_IF, mreqn, mreqn.length));
    step("IP_MULTICAST_TTL", () => socket.setOption(IPPROTO_IP, IP_MULTICAST_TTL, ttl));
    step("IP_TTL", () => socket.setOption(IPPROTO_IP, IP_TTL, ttl));
    step("IP_TOS", () => socket.setOption(IPPROTO_IP, IP_TOS, vrrpTos));
    step("IP_MULTICAST_LOOP", () => socket.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0));
    step(`join ${vrrpGroup}`, () => socket.setOption(IPPROTO_IP, IP_ADD_MEMBERSHIP, mreqn, mreqn.length));
    return new RawTransport(socket, options);
  }

  send(vrrpPacket: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error("VRRP transport is closed"));
    return new Promise((resolve, reject) => {
      this.pending.add(reject);
      this.socket.send(vrrpPacket, 0, vrrpPacket.length, vrrpGroup, (err) => {
        this.pending.delete(reject);
        if (err) reject(new Error(`VRRP transport: send to ${vrrpGroup}: ${err.message}`));
        else resolve();
      });
    });
  }

  onDatagram(handler: (datagram: Buffer, source: string) => void): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.socket.close();
      for (const reject of this.pending) reject(new Error("VRRP transport closed before the send"));
      this.pending.clear();
    }
    return Promise.resolve();
  }
}
