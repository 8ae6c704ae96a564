// Golden-byte tests pinning the VRRPv3 advertisement of docs/vrrp-wire.md (RFC 5798 5.2): keepalived-style
// adverts written out field by field from the RFC, encoded with both checksum variants and decoded back with
// the variant that matched; one advertisement captured from keepalived itself; every reason the decoder
// discards a packet (RFC 5798 7.1); the document's hex dumps are these bytes; and Debian's tshark reading a
// pcap of our packets sees the fields we encoded and calls the checksum correct.
import test from "ava";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Advertisement, ChecksumVariant, RejectReason } from "../src/vrrp/codec/advert.js";
import { internetChecksum } from "../src/vrrp/codec/checksum.js";
import { decodeIpv4Packet } from "../src/vrrp/codec/decode.js";
import { encodeAdvertisement, encodeIpv4Packet } from "../src/vrrp/codec/encode.js";

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");

interface Golden {
  advert: Advertisement;
  source: string;
  checksum: ChecksumVariant;
  /** The VRRP message: ver/type, VRID, priority, count, rsvd/Max Adver Int, checksum, addresses. */
  vrrp: string;
  /** The IPv4 header a sender's kernel puts in front of it (TOS 0xc0, TTL 255, protocol 112). */
  ip?: string;
}

const golden: Record<string, Golden> = {
  "SM, 5 cs, pseudo-header": {
    advert: { vrid: 77, priority: 200, maxAdverIntervalCs: 5, addresses: ["10.77.0.100"] },
    source: "10.77.0.1",
    checksum: "pseudo-header",
    vrrp: "31 4d c8 01 0005 111e 0a4d0064",
    ip: "45 c0 0020 0000 0000 ff 70 d04d 0a4d0001 e0000012",
  },
  "SM, 5 cs, message-only": {
    advert: { vrid: 77, priority: 200, maxAdverIntervalCs: 5, addresses: ["10.77.0.100"] },
    source: "10.77.0.1",
    checksum: "message-only",
    vrrp: "31 4d c8 01 0005 fbfa 0a4d0064",
  },
  "SM shutdown, priority 0": {
    advert: { vrid: 77, priority: 0, maxAdverIntervalCs: 5, addresses: ["10.77.0.100"] },
    source: "10.77.0.1",
    checksum: "pseudo-header",
    vrrp: "31 4d 00 01 0005 d91e 0a4d0064",
  },
  "keepalived defaults, two addresses, pseudo-header": {
    advert: {
      vrid: 51,
      priority: 100,
      maxAdverIntervalCs: 100,
      addresses: ["192.168.200.16", "192.168.200.17"],
    },
    source: "192.168.1.10",
    checksum: "pseudo-header",
    vrrp: "31 33 64 02 0064 b6ac c0a8c810 c0a8c811",
    ip: "45 c0 0024 0000 0000 ff 70 18e5 c0a8010a e0000012",
  },
  "keepalived defaults, two addresses, message-only": {
    advert: {
      vrid: 51,
      priority: 100,
      maxAdverIntervalCs: 100,
      addresses: ["192.168.200.16", "192.168.200.17"],
    },
    source: "192.168.1.10",
    checksum: "message-only",
    vrrp: "31 33 64 02 0064 58f2 c0a8c810 c0a8c811",
  },
};

/** The checksum as RFC 5798 5.2.8 defines it, from the pseudo-header written out byte by byte. */
function rfcChecksum(msg: Buffer, source: string, variant: ChecksumVariant): number {
  const zeroed = Buffer.from(msg);
  zeroed.writeUInt16BE(0, 6);
  const ip = (a: string) => Buffer.from(a.split(".").map(Number));
  const pseudo = Buffer.concat([ip(source), ip("224.0.0.18"), Buffer.from([0, 112, 0, msg.length])]);
  return internetChecksum(variant === "pseudo-header" ? Buffer.concat([pseudo, zeroed]) : zeroed);
}

for (const [name, g] of Object.entries(golden)) {
  test(`golden: ${name}`, (t) => {
    const bytes = encodeAdvertisement(g.advert, g.source, { checksum: g.checksum });
    t.is(bytes.toString("hex"), hex(g.vrrp).toString("hex"));
    t.is(bytes[0]! >> 4, 3, "version");
    t.is(bytes[0]! & 0xf, 1, "type");
    t.is(bytes[1], g.advert.vrid);
    t.is(bytes[2], g.advert.priority);
    t.is(bytes[3], g.advert.addresses.length);
    t.is(bytes.readUInt16BE(4) >> 12, 0, "reserved");
    t.is(bytes.readUInt16BE(4) & 0xfff, g.advert.maxAdverIntervalCs);
    t.is(bytes.readUInt16BE(6), rfcChecksum(bytes, g.source, g.checksum));
    g.advert.addresses.forEach((a, i) => t.is(bytes.subarray(8 + 4 * i, 12 + 4 * i).join("."), a));

    const packet = encodeIpv4Packet(bytes, g.source);
    if (g.ip !== undefined) t.is(packet.subarray(0, 20).toString("hex"), hex(g.ip).toString("hex"));
    t.deepEqual(decodeIpv4Packet(packet), {
      ok: true,
      advert: g.advert,
      source: g.source,
      checksum: g.checksum,
    });
  });
}

test("docs/vrrp-wire.md shows exactly these bytes", (t) => {
  const doc = readFileSync(new URL("../../../docs/vrrp-wire.md", import.meta.url), "utf8");
  for (const g of Object.values(golden)) {
    t.true(doc.includes(`VRRP  ${g.vrrp}\n`), g.vrrp);
    if (g.ip !== undefined) t.true(doc.includes(`IPv4  ${g.ip}\n`), g.ip);
  }
});

test("a real keepalived 2.2.7 advertisement (fixtures/keepalived-vrrp3-advert.hex) decodes and re-encodes", (t) => {
  const fixture = new URL("../../../firmware/test/fixtures/keepalived-vrrp3-advert.hex", import.meta.url);
  const packet = hex(readFileSync(fixture, "utf8"));
  const advert = { vrid: 51, priority: 200, maxAdverIntervalCs: 10, addresses: ["10.78.251.100"] };
  t.deepEqual(decodeIpv4Packet(packet), {
    ok: true,
    advert,
    source: "10.78.251.1",
    checksum: "pseudo-header",
  });
  t.deepEqual(encodeAdvertisement(advert, "10.78.251.1"), packet.subarray(20));
});

test("encoding defaults to the pseudo-header checksum", (t) => {
  const g = golden["SM, 5 cs, pseudo-header"]!;
  t.is(encodeAdvertisement(g.advert, g.source).toString("hex"), hex(g.vrrp).toString("hex"));
});

test("reserved bits are ignored on receive (RFC 5798 5.2.5)", (t) => {
  const g = golden["SM, 5 cs, message-only"]!;
  const msg = hex(g.vrrp);
  msg[4] = msg[4]! | 0xf0;
  msg.writeUInt16BE(0, 6);
  msg.writeUInt16BE(internetChecksum(msg), 6);
  const r = decodeIpv4Packet(encodeIpv4Packet(msg, g.source));
  t.like(r, { ok: true, advert: { maxAdverIntervalCs: 5 }, checksum: "message-only" });
});

test("encoding refuses fields out of range", (t) => {
  const advert = golden["SM, 5 cs, pseudo-header"]!.advert;
  const bad: Array<[Partial<Advertisement>, string]> = [
    [{ vrid: 0 }, "vrid"],
    [{ vrid: 256 }, "vrid"],
    [{ priority: 256 }, "priority"],
    [{ priority: 1.5 }, "priority"],
    [{ maxAdverIntervalCs: 0 }, "maxAdverIntervalCs"],
    [{ maxAdverIntervalCs: 4096 }, "maxAdverIntervalCs"],
    [{ addresses: [] }, "addresses.length"],
    [{ addresses: ["10.0.0.256"] }, "addresses[0]"],
  ];
  for (const [change, field] of bad)
    t.throws(() => encodeAdvertisement({ ...advert, ...change }, "10.77.0.1"), {
      instanceOf: RangeError,
      message: new RegExp(`^${field.replace(/[[\]]/g, "\\$&")}:`),
    });
  t.throws(() => encodeAdvertisement(advert, "not-an-address"), { instanceOf: RangeError });
});

// ---- the decoder's reasons to discard -------------------------------------------------------------------

const base = golden["SM, 5 cs, pseudo-header"]!;

/** The golden packet changed by `edit`, with the IP header checksum fixed unless told otherwise. */
function packetWith(edit: (p: Buffer) => unknown, fixIpChecksum = true): Buffer {
  const p = encodeIpv4Packet(hex(base.vrrp), base.source);
  const edited = edit(p);
  const out: Buffer = Buffer.isBuffer(edited) ? edited : p;
  const ihl = Math.min(((out[0] ?? 0) & 0xf) * 4, out.length);
  if (fixIpChecksum && ihl >= 20) {
    out.writeUInt16BE(0, 10);
    out.writeUInt16BE(internetChecksum(out.subarray(0, ihl)), 10);
  }
  return out;
}

/** Rewrites the VRRP message of a packet and (if it still has one) its pseudo-header checksum. */
function vrrpWith(edit: (m: Buffer) => Buffer): Buffer {
  const msg = edit(hex(base.vrrp));
  if (msg.length >= 8) msg.writeUInt16BE(rfcChecksum(msg, base.source, "pseudo-header"), 6);
  return packetWith((p) => {
    const q = Buffer.concat([p.subarray(0, 20), msg]);
    q.writeUInt16BE(q.length, 2);
    return q;
  });
}

const rejects: Array<[string, RejectReason, Buffer]> = [
  ["empty", "truncated", Buffer.alloc(0)],
  ["19 bytes", "truncated", packetWith((p) => p.subarray(0, 19), false)],
  ["IPv6 version nibble", "ip-version", packetWith((p) => void (p[0] = 0x65))],
  ["IHL 4", "ip-header-length", packetWith((p) => void (p[0] = 0x44), false)],
  ["IHL beyond the packet", "ip-header-length", packetWith((p) => void (p[0] = 0x4f), false)],
  ["total length short", "ip-total-length", packetWith((p) => p.writeUInt16BE(31, 2))],
  ["trailing byte", "ip-total-length", packetWith((p) => Buffer.concat([p, Buffer.from([0])]))],
  ["IP header checksum", "ip-checksum", packetWith((p) => void (p[11] = p[11]! ^ 1), false)],
  ["protocol 17", "protocol", packetWith((p) => void (p[9] = 17))],
  ["TTL 254 (one router hop)", "ttl", packetWith((p) => void (p[8] = 254))],
  ["TTL 1", "ttl", packetWith((p) => void (p[8] = 1))],
  ["unicast destination", "destination", packetWith((p) => p.writeUInt32BE(0x0a4d0002, 16))],
  ["VRRP message of 7 bytes", "truncated", vrrpWith((m) => m.subarray(0, 7))],
  ["VRRPv2", "version", vrrpWith((m) => ((m[0] = 0x21), m))],
  ["type 2", "type", vrrpWith((m) => ((m[0] = 0x32), m))],
  ["VRID 0", "vrid", vrrpWith((m) => ((m[1] = 0), m))],
  ["count 0", "count", vrrpWith((m) => ((m[3] = 0), m))],
  ["count 2, one address", "length", vrrpWith((m) => ((m[3] = 2), m))],
  ["count 1, two addresses", "length", vrrpWith((m) => Buffer.concat([m, hex("0a4d0065")]))],
  ["Max Adver Int 0", "interval", vrrpWith((m) => (m.writeUInt16BE(0xf000, 4), m))],
  ["priority changed, checksum not", "checksum", packetWith((p) => void (p[22] = 100))],
  ["checksum of another source", "checksum", packetWith((p) => p.writeUInt32BE(0x0a4d0009, 12))],
];

for (const [name, reason, packet] of rejects)
  test(`decode discards: ${name}`, (t) => {
    const r = decodeIpv4Packet(packet);
    t.false(r.ok);
    if (!r.ok) {
      t.is(r.reason, reason);
      t.true(r.detail.length > 0);
    }
  });

test("decode accepts IPv4 options (IHL 6) and reads the message after them", (t) => {
  const p = packetWith((q) => {
    const withOption = Buffer.concat([q.subarray(0, 20), hex("94040000"), q.subarray(20)]);
    withOption[0] = 0x46;
    withOption.writeUInt16BE(withOption.length, 2);
    return withOption;
  });
  t.deepEqual(decodeIpv4Packet(p), {
    ok: true,
    advert: base.advert,
    source: base.source,
    checksum: base.checksum,
  });
});

// ---- tshark ---------------------------------------------------------------------------------------------

/** A pcap file (microsecond timestamps) of raw IPv4 packets: LINKTYPE_RAW, 101. */
function pcap(packets: Buffer[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(101, 20);
  const records = packets.map((p, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(i, 0);
    r.writeUInt32LE(p.length, 8);
    r.writeUInt32LE(p.length, 12);
    return Buffer.concat([r, p]);
  });
  return Buffer.concat([header, ...records]);
}

const tsharkFields = [
  "ip.src",
  "ip.ttl",
  "vrrp.version",
  "vrrp.type",
  "vrrp.virt_rtr_id",
  "vrrp.prio",
  "vrrp.addr_count",
  "vrrp.short_adver_int",
  "vrrp.checksum",
  "vrrp.checksum.status",
  "vrrp.ip_addr",
];

/** tshark's reading of every packet, field -> values; `asInV2`: verify checksums without the pseudo-header. */
function tshark(file: string, asInV2: boolean): Array<Record<string, string[]>> {
  const args = ["-r", file, "-o", `vrrp.v3_checksum_as_in_v2:${asInV2 ? "TRUE" : "FALSE"}`, "-T", "json"];
  const out = execFileSync("tshark", [...args, ...tsharkFields.flatMap((f) => ["-e", f])], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  return (JSON.parse(out) as Array<{ _source: { layers: Record<string, string[]> } }>).map(
    (p) => p._source.layers,
  );
}

test("tshark's VRRP dissector reads the fields we encode and checks our checksums", (t) => {
  const cases = Object.values(golden);
  const dir = mkdtempSync(join(tmpdir(), "vrrp-golden-"));
  try {
    const file = join(dir, "adverts.pcap");
    const packets = cases.map((g) =>
      encodeIpv4Packet(encodeAdvertisement(g.advert, g.source, { checksum: g.checksum }), g.source),
    );
    writeFileSync(file, pcap(packets));
    for (const asInV2 of [false, true]) {
      const read = tshark(file, asInV2);
      t.is(read.length, cases.length);
      cases.forEach((g, i) => {
        const f = read[i]!;
        const vrrp = packets[i]!.subarray(20);
        const good = (g.checksum === "message-only") === asInV2;
        t.deepEqual(f, {
          "ip.src": [g.source],
          "ip.ttl": ["255"],
          "vrrp.version": ["3"],
          "vrrp.type": ["1"],
          "vrrp.virt_rtr_id": [String(g.advert.vrid)],
          "vrrp.prio": [String(g.advert.priority)],
          "vrrp.addr_count": [String(g.advert.addresses.length)],
          "vrrp.short_adver_int": [String(g.advert.maxAdverIntervalCs)],
          "vrrp.checksum": [`0x${vrrp.readUInt16BE(6).toString(16).padStart(4, "0")}`],
          "vrrp.checksum.status": [good ? "1" : "0"],
          "vrrp.ip_addr": g.advert.addresses,
        });
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
