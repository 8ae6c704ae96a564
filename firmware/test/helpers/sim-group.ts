// Test helper: a whole RMTP group of endpoints on the in-memory network with a virtual clock, recording
// every delivery and event per member so tests can check exactly-once, in-order delivery. A member can be
// stopped and resumed with its state, like SIGSTOP and SIGCONT.
import { Keyring } from "../../src/rmtp/codec/keyring.js";
import { Role } from "../../src/rmtp/codec/frames.js";
import {
  defaultTimingParams,
  type Address,
  type Delivery,
  type Election,
  type NodeEvent,
  type RmtpParams,
} from "../../src/rmtp/core/types.js";
import { VirtualClock, type Clock } from "../../src/rmtp/io/clock.js";
import { RmtpEndpoint } from "../../src/rmtp/io/endpoint.js";
import { SimNetwork, type SimPort } from "../../src/rmtp/io/sim-network.js";
import type { Transport } from "../../src/rmtp/io/transport.js";

export const testKey = { id: 1, secret: Buffer.alloc(32, 0x5a) };

export function testParams(overrides: Partial<RmtpParams> = {}): RmtpParams {
  return {
    frameBytes: 1400,
    maxMessageBytes: 4 * 1024 * 1024,
    helloIntervalMs: 200,
    announceIntervalMs: 100,
    memberTimeoutMs: 1000,
    evictAfterMs: 1000,
    sendTimeoutMs: 5000,
    window: { initial: 64, min: 8, max: 1024 },
    ...defaultTimingParams,
    ...overrides,
  };
}

/**
 * The process of one member as the OS would stop it: while stopped, its timers do not run and datagrams for
 * it are lost; on resume, the timers that fell due run at once on its unchanged state.
 */
class MemberProcess {
  stopped = false;
  private due: Array<() => void> = [];
  readonly clock: Clock;
  readonly transport: Transport;

  constructor(base: VirtualClock, port: SimPort) {
    this.clock = {
      now: () => base.now(),
      setTimer: (at, callback) =>
        base.setTimer(at, () => (this.stopped ? this.due.push(callback) : callback())),
      clearTimer: (handle) => base.clearTimer(handle),
    };
    this.transport = {
      local: port.local,
      send: (datagram, to) => port.send(datagram, to),
      onDatagram: (handler) =>
        port.onDatagram((datagram: Buffer, from: Address) => {
          if (!this.stopped) handler(datagram, from);
        }),
      close: () => port.close(),
    };
  }

  resume(): void {
    this.stopped = false;
    for (const callback of this.due.splice(0)) callback();
  }
}

export interface SimMember {
  id: number;
  name: string;
  port: SimPort;
  process: MemberProcess;
  endpoint: RmtpEndpoint;
  deliveries: Delivery[];
  events: NodeEvent[];
}

export class SimGroup {
  readonly clock = new VirtualClock();
  readonly net: SimNetwork;
  readonly members = new Map<number, SimMember>();
  private incarnations = new Map<number, number>();

  constructor(
    readonly params: RmtpParams = testParams(),
    seed = 1,
    readonly election: Election = "static",
  ) {
    this.net = new SimNetwork(this.clock, 0.2, seed);
  }

  /** Member 1 is the manager (epoch given); others are plain members. */
  add(id: number, managerEpoch?: number, keyring = new Keyring([testKey], testKey.id)): SimMember {
    const incarnation = (this.incarnations.get(id) ?? 0) + 1;
    this.incarnations.set(id, incarnation);
    const port = this.net.attach(`10.0.0.${id}`);
    const proc = new MemberProcess(this.clock, port);
    const member: SimMember = {
      id,
      name: `b${id}`,
      port,
      process: proc,
      endpoint: undefined as unknown as RmtpEndpoint,
      deliveries: [],
      events: [],
    };
    member.endpoint = new RmtpEndpoint({
      identity: { id, name: `b${id}`, role: managerEpoch === undefined ? Role.Se : Role.Sm, incarnation },
      params: this.params,
      keyring,
      transport: proc.transport,
      clock: proc.clock,
      managerEpoch,
      election: this.election,
      onDeliver: (d) => member.deliveries.push(d),
      onEvent: (e) => member.events.push(e),
    });
    this.members.set(id, member);
    return member;
  }

  static build(recipients: number, params?: RmtpParams, seed?: number, election?: Election): SimGroup {
    const g = new SimGroup(params, seed, election);
    g.add(1, 1);
    for (let id = 2; id <= recipients + 1; id++) g.add(id);
    g.run(1000);
    return g;
  }

  member(id: number): SimMember {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  async kill(id: number): Promise<void> {
    const m = this.member(id);
    this.net.detach(m.port.local.address);
    this.members.delete(id);
    await Promise.resolve();
  }

  /** SIGSTOP: the member stays in the group with its state but runs nothing and hears nothing. */
  stop(id: number): void {
    this.member(id).process.stopped = true;
  }

  /** SIGCONT: its overdue timers run now. */
  resume(id: number): void {
    this.member(id).process.resume();
  }

  setLoss(id: number, fraction: number): void {
    this.member(id).port.loss = { inbound: fraction, outbound: fraction };
  }

  run(ms: number, step = 5): void {
    for (let t = 0; t < ms; t += step) this.clock.advance(step);
  }

  /** Advances virtual time until the promise settles (or the limit passes) and returns its outcome. */
  async settle<T>(
    promise: Promise<T>,
    limitMs = 60_000,
  ): Promise<{ ok: true; value: T } | { ok: false; error: Error }> {
    let outcome: { ok: true; value: T } | { ok: false; error: Error } | undefined;
    promise.then(
      (value) => (outcome = { ok: true, value }),
      (error: Error) => (outcome = { ok: false, error }),
    );
    for (let t = 0; t < limitMs && !outcome; t += 5) {
      this.clock.advance(5);
      await Promise.resolve();
    }
    await Promise.resolve();
    if (!outcome) throw new Error(`not settled within ${limitMs} virtual ms`);
    return outcome;
  }
}

export function payloadOf(n: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (n * 31 + i * 7) & 0xff;
  return b;
}
