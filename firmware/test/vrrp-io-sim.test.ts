// The in-memory VRRP network, the raw transport's test twin: every other attached port receives a sent
// packet after the delay, behind an IPv4 header like the kernel's (valid header checksum, TTL, TOS,
// protocol 112, the sender's address to 224.0.0.18), never the sender; loss and TTL per port.
import test from "ava";
import { VirtualClock } from "../src/rmtp/io/clock.js";
import { SimVrrpNetwork } from "../src/vrrp/io/sim-vrrp-network.js";

function received(port: { onDatagram(h: (d: Buffer, s: string) => void): void }): Array<[Buffer, string]> {
  const got: Array<[Buffer, string]> = [];
  port.onDatagram((datagram, source) => got.push([datagram, source]));
  return got;
}

function headerSum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

test("a sent packet reaches every other port with an IPv4 header, after the delay", async (t) => {
  const clock = new VirtualClock();
  const net = new SimVrrpNetwork(clock, 1);
  const a = net.attach("10.0.0.1");
  const b = net.attach("10.0.0.2");
  const c = net.attach("10.0.0.3");
  const [atA, atB, atC] = [received(a), received(b), received(c)];
  const packet = Buffer.from("3107640100640000", "hex");
  await a.send(packet);
  clock.advance(0.5);
  t.is(atB.length, 0, "not before the delay");
  clock.advance(0.5);
  t.is(atA.length, 0, "not to the sender");
  for (const got of [atB, atC]) {
    t.is(got.length, 1);
    const [datagram, source] = got[0]!;
    t.is(source, "10.0.0.1");
    const header = datagram.subarray(0, 20);
    t.is(headerSum(header), 0xffff, "valid IPv4 header checksum");
    t.deepEqual(
      {
        versionIhl: header[0],
        tos: header[1],
        totalLength: header.readUInt16BE(2),
        ttl: header[8],
        protocol: header[9],
        source: [...header.subarray(12, 16)].join("."),
        destination: [...header.subarray(16, 20)].join("."),
      },
      {
        versionIhl: 0x45,
        tos: 0xc0,
        totalLength: 28,
        ttl: 255,
        protocol: 112,
        source: "10.0.0.1",
        destination: "224.0.0.18",
      },
    );
    t.deepEqual(datagram.subarray(20), packet);
  }
});

test("a port's TTL and loss apply; a closed port neither sends nor receives", async (t) => {
  const clock = new VirtualClock();
  const net = new SimVrrpNetwork(clock);
  const a = net.attach("10.0.0.1");
  const b = net.attach("10.0.0.2");
  const c = net.attach("10.0.0.3");
  const [atB, atC] = [received(b), received(c)];
  a.ttl = 254;
  c.loss.inbound = 1;
  await a.send(Buffer.from("31076401", "hex"));
  clock.advance(1);
  t.deepEqual(
    atB.map(([d]) => d[8]),
    [254],
  );
  t.is(atC.length, 0);
  await b.close();
  await a.send(Buffer.from("31076401", "hex"));
  await b.send(Buffer.from("31076401", "hex"));
  clock.advance(1);
  t.is(atB.length, 1);
  t.is(atC.length, 0);
});
