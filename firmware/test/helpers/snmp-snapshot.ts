// A unit snapshot and an agent for the SNMP tests: fixed values for a board named b7 with two ports, and
// an SnmpAgent on 127.0.0.1 at a free port with one write and one read user (random passwords).
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { SnmpAgent, type AgentOptions } from "../../src/snmp/agent/agent.js";
import { MibEngine, type SetAction } from "../../src/snmp/mib/engine.js";
import { interfacesModule } from "../../src/snmp/mib/interfaces.js";
import { documentationEnterprise, enterprisesArc, issModule } from "../../src/snmp/mib/iss.js";
import type { PortSnapshot, UnitSnapshot } from "../../src/snmp/mib/snapshot.js";
import { systemModule } from "../../src/snmp/mib/system.js";

export const enterprise = [...enterprisesArc, documentationEnterprise];

export function port(index: number, name: string): PortSnapshot {
  return {
    index,
    name,
    mtu: 1500,
    speedMbps: 1000,
    mac: Buffer.from([2, 0, 0, 0, 0, index]),
    adminUp: true,
    operUp: index !== 3,
    lastChangeCs: 0,
    rxBytes: 5_000_000_000 + index,
    rxPackets: 1000,
    rxMulticast: 10,
    rxDropped: 1,
    rxErrors: 0,
    txBytes: 2000,
    txPackets: 20,
    txDropped: 0,
    txErrors: 0,
  };
}

export function snapshot(over: Partial<UnitSnapshot> = {}): UnitSnapshot {
  return {
    uptimeCs: 12345,
    system: { descr: "ISS test unit", contact: "noc@example.net", location: "rack 4", name: "b7" },
    node: { name: "b7", id: 7 },
    role: "se",
    epoch: 3,
    managerAddress: "10.77.0.1",
    ledState: "se-active",
    identifyRemainingS: 0,
    transport: { framesSent: 2 ** 40, framesReceived: 17, resentFrames: 2, evictions: 0, authFailures: 5 },
    directory: { entries: 12, lastCsn: 40, lag: 1 },
    switch: null,
    ports: [port(1, "lo"), port(2, "eth0"), port(3, "eth1")],
    ...over,
  };
}

export function engine(): MibEngine<UnitSnapshot> {
  return new MibEngine([systemModule(enterprise), interfacesModule, issModule(enterprise)]);
}

export interface TestAgent {
  agent: SnmpAgent;
  port: number;
  users: {
    writer: { name: string; auth: string; priv: string };
    reader: { name: string; auth: string; priv: string };
  };
  actions: SetAction[];
  authFailures: string[];
  errors: Error[];
}

export async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function startTestAgent(over: Partial<AgentOptions> = {}): Promise<TestAgent> {
  const secret = (): string => randomBytes(12).toString("hex");
  const users = {
    writer: { name: "ops", auth: secret(), priv: secret() },
    reader: { name: "watch", auth: secret(), priv: secret() },
  };
  const p = await freeUdpPort();
  const out: Omit<TestAgent, "agent"> = { port: p, users, actions: [], authFailures: [], errors: [] };
  const e = engine();
  const agent = new SnmpAgent({
    address: "127.0.0.1",
    port: p,
    authProtocol: "sha256",
    privProtocol: "aes128",
    users: [
      {
        name: users.writer.name,
        authPassword: users.writer.auth,
        privPassword: users.writer.priv,
        access: "write",
      },
      {
        name: users.reader.name,
        authPassword: users.reader.auth,
        privPassword: users.reader.priv,
        access: "read",
      },
    ],
    engine: e,
    snapshot: () => snapshot(),
    onActions: (a) => out.actions.push(...a),
    onAuthFailure: (from, reason) => out.authFailures.push(`${from}: ${reason}`),
    onError: (err) => out.errors.push(err),
    ...over,
  });
  await new Promise((r) => setTimeout(r, 50));
  return { agent, ...out };
}
