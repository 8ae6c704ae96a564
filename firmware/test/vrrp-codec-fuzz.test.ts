// Deterministic property/fuzz tests of the VRRPv3 codec (docs/vrrp-wire.md), 120,000 cases in total: random
// valid advertisements round-trip with either checksum variant; mutated packets never make the decoder throw
// and either are rejected with a typed reason or decode to an advertisement that re-encodes to the same
// message; random byte strings, bare or behind a valid IPv4 header, are never accepted.
// A failure names its case and bytes; rerun with the seed from the test title (VRRP_FUZZ_SEED=<seed>).
import test, { type ExecutionContext } from "ava";
import type { Advertisement, ChecksumVariant, RejectReason } from "../src/vrrp/codec/advert.js";
import { onesComplementSum, pseudoHeaderSum } from "../src/vrrp/codec/checksum.js";
import { decodeIpv4Packet, type DecodeResult } from "../src/vrrp/codec/decode.js";
import { encodeAdvertisement, encodeIpv4Packet } from "../src/vrrp/codec/encode.js";
import { formatIpv4, parseIpv4 } from "../src/vrrp/codec/ipv4.js";
import { Rng } from "./helpers/rng.js";

const SEED = Number(process.env.VRRP_FUZZ_SEED ?? 0x7a770003) >>> 0;
const GROUP = parseIpv4("224.0.0.18")!;

const reasons = new Set<RejectReason>([
  "truncated",
  "ip-version",
  "ip-header-length",
  "ip-total-length",
  "ip-checksum",
  "protocol",
  "ttl",
  "destination",
  "version",
  "type",
  "vrid",
  "count",
  "length",
  "interval",
  "checksum",
]);

function randomAdvert(rng: Rng): Advertisement {
  const count = rng.chance(10) ? rng.range(1, 255) : rng.range(1, 4);
  return {
    vrid: rng.range(1, 255),
    priority: rng.range(0, 255),
    maxAdverIntervalCs: rng.range(1, 4095),
    addresses: Array.from({ length: count }, () => formatIpv4(rng.u32())),
  };
}

/** The variant the decoder must report: the pseudo-header one whenever it matches. */
function expectedVariant(msg: Buffer, source: string, sent: ChecksumVariant): ChecksumVariant {
  const pseudo = pseudoHeaderSum(parseIpv4(source)!, GROUP, msg.length);
  return onesComplementSum(msg, pseudo) === 0xffff ? "pseudo-header" : sent;
}

function decodeSafely(t: ExecutionContext, label: string, packet: Buffer): DecodeResult | undefined {
  try {
    const r = decodeIpv4Packet(packet);
    if (!r.ok && !reasons.has(r.reason)) t.fail(`${label}: untyped reason ${String(r.reason)}`);
    return r;
  } catch (e) {
    t.fail(`${label}: decodeIpv4Packet threw ${String(e)} on ${packet.toString("hex")}`);
    return undefined;
  }
}

test(`random valid advertisements round-trip (40,000 cases, seed ${SEED})`, (t) => {
  const rng = new Rng(SEED);
  let failures = 0;
  for (let i = 0; i < 40_000 && failures < 5; i++) {
    const advert = randomAdvert(rng);
    const source = formatIpv4(rng.u32());
    const variant: ChecksumVariant = rng.chance(2) ? "pseudo-header" : "message-only";
    const msg = encodeAdvertisement(advert, source, { checksum: variant });
    const r = decodeIpv4Packet(encodeIpv4Packet(msg, source));
    const expected = { ok: true, advert, source, checksum: expectedVariant(msg, source, variant) };
    if (JSON.stringify(r) !== JSON.stringify(expected)) {
      failures++;
      t.fail(`case ${i}: ${msg.toString("hex")} from ${source} decoded to ${JSON.stringify(r)}`);
    }
  }
  t.is(failures, 0);
});

function mutate(rng: Rng, packet: Buffer): Buffer {
  const p = Buffer.from(packet);
  switch (rng.below(5)) {
    case 0: {
      const flips = rng.range(1, 4);
      for (let k = 0; k < flips; k++) {
        const at = rng.below(p.length);
        p[at] = p[at]! ^ (1 << rng.below(8));
      }
      return p;
    }
    case 1: {
      for (let k = rng.range(1, 3); k > 0; k--) p[rng.below(p.length)] = rng.u32() & 0xff;
      return p;
    }
    case 2:
      return p.subarray(0, rng.below(p.length));
    case 3:
      return Buffer.concat([p, rng.bytes(rng.range(1, 8))]);
    default: {
      // Swapping two aligned 16-bit words keeps both checksums valid: the fields must still be checked.
      const words = p.length >> 1;
      const a = 2 * rng.below(words);
      const b = 2 * rng.below(words);
      const wa = p.readUInt16BE(a);
      p.writeUInt16BE(p.readUInt16BE(b), a);
      p.writeUInt16BE(wa, b);
      return p;
    }
  }
}

test(`mutated packets are rejected with a reason or re-encode to the same message (40,000 cases, seed ${SEED})`, (t) => {
  const rng = new Rng(SEED ^ 0x1111);
  let accepted = 0;
  const seen = new Set<string>();
  for (let i = 0; i < 40_000; i++) {
    const advert = randomAdvert(rng);
    const source = formatIpv4(rng.u32());
    const variant: ChecksumVariant = rng.chance(2) ? "pseudo-header" : "message-only";
    const original = encodeIpv4Packet(encodeAdvertisement(advert, source, { checksum: variant }), source);
    const packet = mutate(rng, original);
    const r = decodeSafely(t, `case ${i}`, packet);
    if (r === undefined) return;
    if (!r.ok) {
      seen.add(r.reason);
      continue;
    }
    accepted++;
    const ihl = (packet[0]! & 0xf) * 4;
    const msg = packet.subarray(ihl);
    const again = encodeAdvertisement(r.advert, r.source, { checksum: r.checksum });
    // Reserved bits are ignored on receive and sent as zero, which also changes the checksum.
    const same =
      msg[4]! >> 4 === 0
        ? again.equals(msg)
        : again.subarray(0, 4).equals(msg.subarray(0, 4)) &&
          again[5] === msg[5] &&
          again.subarray(8).equals(msg.subarray(8));
    if (!same || (msg[4]! & 0x0f) !== again[4])
      t.fail(
        `case ${i}: ${packet.toString("hex")} decoded to ${JSON.stringify(r)}, re-encodes to ${again.toString("hex")}`,
      );
    t.is(packet[8], 255);
    t.is(packet[9], 112);
  }
  t.log(
    `${accepted} mutants still valid (word swaps, unchanged bytes); reasons seen: ${[...seen].sort().join(" ")}`,
  );
  t.true(seen.size >= 12, "the mutations reach most checks");
});

test(`random bytes are never accepted (40,000 cases, seed ${SEED})`, (t) => {
  const rng = new Rng(SEED ^ 0x2222);
  const headers = encodeIpv4Packet(Buffer.alloc(0), "10.0.0.1").subarray(0, 20);
  const accepted: string[] = [];
  for (let i = 0; i < 40_000; i++) {
    const body = rng.bytes(rng.range(0, 64));
    let packet = body;
    if (i % 2 === 1) {
      // A valid IPv4 header in front, so the bytes reach the VRRP checks.
      packet = Buffer.concat([headers, body]);
      packet.writeUInt16BE(packet.length, 2);
      packet.writeUInt16BE(0, 10);
      packet.writeUInt16BE(~onesComplementSum(packet.subarray(0, 20)) & 0xffff, 10);
    }
    const r = decodeSafely(t, `case ${i}`, packet);
    if (r === undefined) return;
    if (r.ok) accepted.push(packet.toString("hex"));
  }
  t.deepEqual(accepted, []);
});
