// The raw VRRP transport between two real network namespaces: protocol-112 packets to 224.0.0.18 arrive
// with their IPv4 header, the sender's address and TTL 255; a sender set to TTL 254 is seen as such;
// a transport does not receive its own adverts.
import test from "ava";
import { canBuildLab, privilegeMessage } from "../lab/privileges.js";
import { AgentClient, AgentError } from "./agent-client.js";
import { netnsPair } from "./netns-pair.js";

const root = canBuildLab() ? test.serial : test.skip;
if (!canBuildLab()) test.todo(privilegeMessage);

/** The IPv4 header fields the tests look at, read from the datagram as the kernel delivered it. */
function ipv4(datagram: Buffer) {
  const headerLength = (datagram[0]! & 0x0f) * 4;
  return {
    version: datagram[0]! >> 4,
    tos: datagram[1],
    ttl: datagram[8],
    protocol: datagram[9],
    source: [...datagram.subarray(12, 16)].join("."),
    destination: [...datagram.subarray(16, 20)].join("."),
    payload: datagram.subarray(headerLength),
  };
}

root("two raw transports in two namespaces exchange protocol-112 packets with TTL 255", async (t) => {
  const { a, b } = await netnsPair(t);
  const agentA = new AgentClient(t, a.ns);
  const agentB = new AgentClient(t, b.ns);
  await agentA.request({ op: "open", options: { interfaceName: "eth0", localAddress: a.address } });
  await agentB.request({ op: "open", options: { interfaceName: "eth0", localAddress: b.address } });
  const fromA = ["3107640100640000", "3107640100640001", "3107640100640002"];
  for (const hex of fromA) await agentA.request({ op: "send", hex });
  await agentB.request({ op: "send", hex: "3107c80100640000" });

  const atB = await agentB.receivedAtLeast(fromA.length);
  t.deepEqual(
    atB.map((r) => ipv4(r.datagram).payload.toString("hex")),
    fromA,
  );
  for (const r of atB) {
    t.is(r.source, a.address);
    t.like(ipv4(r.datagram), {
      version: 4,
      ttl: 255,
      protocol: 112,
      source: a.address,
      destination: "224.0.0.18",
    });
  }
  const atA = await agentA.receivedAtLeast(1);
  t.deepEqual(
    atA.map((r) => [r.source, ipv4(r.datagram).payload.toString("hex")]),
    [[b.address, "3107c80100640000"]],
    "each side gets the other's packet and never its own",
  );
});

root("a raw socket sending with TTL 254 is received with TTL 254", async (t) => {
  const { a, b } = await netnsPair(t);
  const sender = new AgentClient(t, a.ns);
  const receiver = new AgentClient(t, b.ns);
  await sender.request({ op: "open", options: { interfaceName: "eth0", localAddress: a.address, ttl: 254 } });
  await receiver.request({ op: "open", options: { interfaceName: "eth0", localAddress: b.address } });
  await sender.request({ op: "send", hex: "3107640100640000" });
  const [got] = await receiver.receivedAtLeast(1);
  t.truthy(got);
  t.like(ipv4(got!.datagram), { ttl: 254, protocol: 112, source: a.address });
});

root("opening on an interface the namespace does not have fails with its name", async (t) => {
  const { a } = await netnsPair(t);
  const agent = new AgentClient(t, a.ns);
  const err = await t.throwsAsync(
    agent.request({ op: "open", options: { interfaceName: "nosuch0", localAddress: a.address } }),
    { instanceOf: AgentError },
  );
  t.regex(err.message, /no interface 'nosuch0'/);
});
