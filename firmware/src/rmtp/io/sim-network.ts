// In-memory datagram network for deterministic tests of whole RMTP groups: a virtual clock, a fixed
// one-way delay, and seeded random loss per member port in each direction (the test seam for loss).
import type { Address } from "../core/types.js";
import type { Clock } from "./clock.js";
import type { Transport } from "./transport.js";

export interface PortLoss {
  inbound: number;
  outbound: number;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SimNetwork {
  private readonly ports = new Map<string, SimPort>();
  private readonly random: () => number;
  datagrams = 0;

  constructor(
    readonly clock: Clock,
    private readonly delayMs = 0.2,
    seed = 1,
  ) {
    this.random = mulberry32(seed);
  }

  attach(address: string, port = 5405): SimPort {
    const p = new SimPort(this, { address, port });
    this.ports.set(address, p);
    return p;
  }

  detach(address: string): void {
    this.ports.delete(address);
  }

  carry(from: SimPort, datagram: Buffer, to: "group" | Address): void {
    if (!this.ports.has(from.local.address) || this.random() < from.loss.outbound) return;
    const targets =
      to === "group" ? [...this.ports.values()].filter((p) => p !== from) : [this.ports.get(to.address)];
    for (const target of targets) {
      if (!target || this.random() < target.loss.inbound) continue;
      this.datagrams++;
      const copy = Buffer.from(datagram);
      this.clock.setTimer(this.clock.now() + this.delayMs, () => {
        if (this.ports.get(target.local.address) === target) target.receive(copy, from.local);
      });
    }
  }
}

export class SimPort implements Transport {
  loss: PortLoss = { inbound: 0, outbound: 0 };
  private handler: (datagram: Buffer, from: Address) => void = () => undefined;

  constructor(
    private readonly network: SimNetwork,
    readonly local: Address,
  ) {}

  send(datagram: Buffer, to: "group" | Address): void {
    this.network.carry(this, datagram, to);
  }

  onDatagram(handler: (datagram: Buffer, from: Address) => void): void {
    this.handler = handler;
  }

  receive(datagram: Buffer, from: Address): void {
    this.handler(datagram, from);
  }

  close(): Promise<void> {
    this.network.detach(this.local.address);
    return Promise.resolve();
  }
}
