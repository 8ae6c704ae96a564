// keepalived (Debian's, vrrp_version 3) as a VRRPv3 peer: our raw transport in a second namespace
// captures its adverts; they arrive with TTL 255 from keepalived's address, every advert_int, with the
// VRRPv3 checksum computed over the IPv4 pseudo-header, and match the golden advert that the codec's
// tests use (firmware/test/fixtures/keepalived-vrrp3-advert.hex; ISS_WRITE_FIXTURES=1 rewrites it).
import test from "ava";
import { readFileSync, writeFileSync } from "node:fs";
import { canBuildLab, privilegeMessage } from "../lab/privileges.js";
import { AgentClient } from "./agent-client.js";
import { startKeepalived } from "./keepalived.js";
import { netnsPair } from "./netns-pair.js";

const root = canBuildLab() ? test.serial : test.skip;
if (!canBuildLab()) test.todo(privilegeMessage);

const fixture = new URL("../../../firmware/test/fixtures/keepalived-vrrp3-advert.hex", import.meta.url);

/** RFC 1071 one's-complement sum of 16-bit words, folded. */
function onesComplementSum(...parts: Buffer[]): number {
  const bytes = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function checksumVariants(datagram: Buffer): { withPseudoHeader: number; withoutPseudoHeader: number } {
  const vrrp = Buffer.from(datagram.subarray((datagram[0]! & 0x0f) * 4));
  vrrp.writeUInt16BE(0, 6);
  const pseudo = Buffer.alloc(12);
  datagram.copy(pseudo, 0, 12, 20);
  pseudo.writeUInt8(112, 9);
  pseudo.writeUInt16BE(vrrp.length, 10);
  return {
    withPseudoHeader: ~onesComplementSum(pseudo, vrrp) & 0xffff,
    withoutPseudoHeader: ~onesComplementSum(vrrp) & 0xffff,
  };
}

/** The IPv4 header without its identification and header checksum, which change from packet to packet. */
function stableHeader(datagram: Buffer): string {
  const h = Buffer.from(datagram.subarray(0, 20));
  h.fill(0, 4, 6);
  h.fill(0, 10, 12);
  return h.toString("hex");
}

root("keepalived's VRRPv3 adverts arrive through the raw transport as the golden advert", async (t) => {
  const { a, b } = await netnsPair(t, 251);
  const virtualAddress = "10.78.251.100";
  const capture = new AgentClient(t, b.ns);
  await capture.request({ op: "open", options: { interfaceName: "eth0", localAddress: b.address } });
  startKeepalived(t, a.ns, {
    interfaceName: "eth0",
    vrid: 51,
    priority: 200,
    advertIntSeconds: 0.1,
    virtualAddress,
  });

  const adverts = (await capture.receivedAtLeast(8, 10_000)).slice(0, 8);
  t.is(adverts.length, 8);
  for (const { datagram, source } of adverts) {
    t.is(source, a.address);
    t.like(
      { ttl: datagram[8], protocol: datagram[9], destination: [...datagram.subarray(16, 20)].join(".") },
      { ttl: 255, protocol: 112, destination: "224.0.0.18" },
    );
    const vrrp = datagram.subarray(20);
    t.deepEqual(
      {
        versionType: vrrp[0],
        vrid: vrrp[1],
        priority: vrrp[2],
        count: vrrp[3],
        maxAdverIntCentiseconds: vrrp.readUInt16BE(4) & 0x0fff,
        address: [...vrrp.subarray(8, 12)].join("."),
        length: vrrp.length,
      },
      {
        versionType: 0x31,
        vrid: 51,
        priority: 200,
        count: 1,
        maxAdverIntCentiseconds: 10,
        address: virtualAddress,
        length: 12,
      },
    );
    const variants = checksumVariants(datagram);
    t.is(vrrp.readUInt16BE(6), variants.withPseudoHeader, "keepalived sums the IPv4 pseudo-header");
    t.not(variants.withPseudoHeader, variants.withoutPseudoHeader);
  }

  const [first] = adverts;
  if (process.env.ISS_WRITE_FIXTURES === "1") writeFileSync(fixture, `${first!.datagram.toString("hex")}\n`);
  const golden = Buffer.from(readFileSync(fixture, "utf8").trim(), "hex");
  t.is(first!.datagram.subarray(20).toString("hex"), golden.subarray(20).toString("hex"));
  t.is(stableHeader(first!.datagram), stableHeader(golden));
});
