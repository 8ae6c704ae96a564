// In-memory stand-in for the raw VRRP transport, for deterministic tests of the VRRP core: every router
// attached to one SimVrrpNetwork receives what the others send, after a fixed delay on the shared virtual
// clock, as a whole IPv4 datagram (header built like the kernel's), with per-port loss and a per-port TTL
// so tests can send what a misconfigured or off-link sender would.
import { mulberry32 } from "../../rmtp/io/sim-network.js";
import type { Clock } from "../../rmtp/io/clock.js";
import { encodeIpv4Header } from "./ipv4-header.js";
import { vrrpGroup, vrrpProtocol, vrrpTos, vrrpTtl, type VrrpTransport } from "./vrrp-transport.js";

export class SimVrrpNetwork {
  private readonly ports = new Set<SimVrrpPort>();
  private readonly random: () => number;

  constructor(
    readonly clock: Clock,
    private readonly delayMs = 0.2,
    seed = 1,
  ) {
    this.random = mulberry32(seed);
  }

  attach(localAddress: string): SimVrrpPort {
    const port = new SimVrrpPort(this, localAddress);
    this.ports.add(port);
    return port;
  }

  detach(port: SimVrrpPort): void {
    this.ports.delete(port);
  }

  carry(from: SimVrrpPort, vrrpPacket: Buffer): void {
    if (!this.ports.has(from) || this.random() < from.loss.outbound) return;
    const header = encodeIpv4Header({
      source: from.localAddress,
      destination: vrrpGroup,
      protocol: vrrpProtocol,
      tos: vrrpTos,
      ttl: from.ttl,
      payloadLength: vrrpPacket.length,
    });
    const datagram = Buffer.concat([header, vrrpPacket]);
    for (const target of this.ports) {
      if (target === from || this.random() < target.loss.inbound) continue;
      const copy = Buffer.from(datagram);
      this.clock.setTimer(this.clock.now() + this.delayMs, () => {
        if (this.ports.has(target)) target.receive(copy, from.localAddress);
      });
    }
  }
}

export class SimVrrpPort implements VrrpTransport {
  loss = { inbound: 0, outbound: 0 };
  ttl = vrrpTtl;
  private handler: (datagram: Buffer, source: string) => void = () => undefined;

  constructor(
    private readonly network: SimVrrpNetwork,
    readonly localAddress: string,
  ) {}

  send(vrrpPacket: Buffer): Promise<void> {
    this.network.carry(this, vrrpPacket);
    return Promise.resolve();
  }

  onDatagram(handler: (datagram: Buffer, source: string) => void): void {
    this.handler = handler;
  }

  receive(datagram: Buffer, source: string): void {
    this.handler(datagram, source);
  }

  close(): Promise<void> {
    this.network.detach(this);
    return Promise.resolve();
  }
}
