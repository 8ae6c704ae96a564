// 10^5 malformed SNMP datagrams through the agent's own entry point (SnmpAgent.receive, which the UDP
// socket calls): mutations of real SNMPv3 authPriv and SNMPv2c requests captured on the way to the agent
// (bit flips, byte overwrites, truncation, insertion, BER length and tag edits) and random bytes. The agent
// must not throw, and must still answer a real SNMPv3 request afterwards.
import test from "ava";
import { createSocket, type RemoteInfo } from "node:dgram";
import snmp, { type Session } from "net-snmp";
import { Rng } from "./helpers/rng.js";
import { startTestAgent, type TestAgent } from "./helpers/snmp-snapshot.js";

const total = 100_000;
const seed = Number(process.env.FUZZ_SEED ?? 0x5a17);

/** Relays a net-snmp v3 session's exchange with the agent and keeps every datagram sent to the agent. */
async function captureRequests(
  a: TestAgent,
  community: string,
): Promise<{ seen: Buffer[]; answered: number }> {
  const seen: Buffer[] = [];
  const relay = createSocket("udp4");
  await new Promise<void>((resolve) => relay.bind(0, "127.0.0.1", resolve));
  let client: RemoteInfo | null = null;
  relay.on("message", (msg, from) => {
    if (from.port === a.port) {
      if (client) relay.send(msg, client.port, client.address);
      return;
    }
    client = from;
    seen.push(Buffer.from(msg));
    relay.send(msg, a.port, "127.0.0.1");
  });
  const u = a.users.writer;
  const user = {
    name: u.name,
    level: snmp.SecurityLevel.authPriv as number,
    authProtocol: snmp.AuthProtocols.sha256,
    authKey: u.auth,
    privProtocol: snmp.PrivProtocols.aes,
    privKey: u.priv,
  };
  const port = relay.address().port;
  const v3 = snmp.createV3Session("127.0.0.1", user, {
    port,
    version: snmp.Version3,
    retries: 0,
    timeout: 2000,
  });
  const v2 = snmp.createSession("127.0.0.1", community, {
    port,
    version: snmp.Version2c,
    retries: 0,
    timeout: 2000,
  });
  let answered = 0;
  const get = (s: Session, oids: string[]): Promise<void> =>
    new Promise((resolve) =>
      s.get(oids, (err) => {
        if (!err) answered++;
        resolve();
      }),
    );
  await get(v3, ["1.3.6.1.2.1.1.5.0", "1.3.6.1.4.1.32473.1.1.3.0"]);
  await get(v3, ["1.3.6.1.2.1.2.2.1.10.2"]);
  await get(v2, ["1.3.6.1.2.1.1.5.0"]);
  v3.close();
  v2.close();
  relay.close();
  return { seen, answered };
}

function mutate(rng: Rng, seeds: readonly Buffer[]): Buffer {
  if (rng.below(20) === 0) return Buffer.from(Array.from({ length: rng.below(300) }, () => rng.below(256)));
  const b = Buffer.from(seeds[rng.below(seeds.length)] as Buffer);
  const edits = 1 + rng.below(4);
  let out = b;
  for (let i = 0; i < edits && out.length > 0; i++) {
    const at = rng.below(out.length);
    switch (rng.below(6)) {
      case 0:
        out[at] = (out[at] as number) ^ (1 << rng.below(8));
        break;
      case 1:
        out[at] = rng.below(256);
        break;
      case 2:
        out = out.subarray(0, at);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), Buffer.from([rng.below(256)]), out.subarray(at)]);
        break;
      case 4:
        out[at] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff][rng.below(7)] as number;
        break;
      default:
        out[at] = [0x02, 0x04, 0x05, 0x06, 0x30, 0x40, 0x46, 0xa0, 0xa1, 0xa3, 0xa5, 0xa7][
          rng.below(12)
        ] as number;
    }
  }
  return out;
}

test(`${total} malformed datagrams never crash the agent (seed ${seed})`, async (t) => {
  const community = "fuzz-community-1";
  const a = await startTestAgent({ v2c: { community, allow: ["127.0.0.0/8"] } });
  t.teardown(() => a.agent.close());
  const { seen: seeds, answered } = await captureRequests(a, community);
  t.is(answered, 3);
  t.true(seeds.length >= 4, `captured ${seeds.length} requests`);
  const rng = new Rng(seed);
  let replies = 0;
  const socket = { send: () => void replies++ };
  const rinfo: RemoteInfo = { address: "127.0.0.1", port: 40000, family: "IPv4", size: 0 };
  for (let i = 0; i < total; i++) {
    const packet = mutate(rng, seeds);
    try {
      a.agent.receive(packet, { ...rinfo, size: packet.length }, socket);
    } catch (err) {
      t.fail(`packet ${i} (${packet.toString("hex")}) threw: ${String(err)}`);
      return;
    }
    if (i % 5000 === 0) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 100));
  t.log(`${replies} answers, ${a.authFailures.length} authentication failures, ${a.errors.length} errors`);
  t.true(replies > 0);
  t.is((await captureRequests(a, community)).answered, 3, "the agent still answers real requests");
});
