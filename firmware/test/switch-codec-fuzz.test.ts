// Deterministic fuzz tests of every switch decoder that reads netlink from the kernel (docs/switch-netlink.md):
// random VLAN sets and MDB entries round-trip through their encoders and decoders; mutated messages (bit
// flips, byte changes, truncations, extensions) and random bytes make each decoder return or throw
// NetlinkDecodeError, never anything else; the in-place IPv4 writer agrees with isIPv4. Rerun a failure
// with SWITCH_FUZZ_SEED=<seed from the title>.
import test from "ava";
import { isDeepStrictEqual } from "node:util";
import { isIPv4 } from "node:net";
import { canonicalIp, ipToBytes, writeIp } from "../src/switch/codec/ip.js";
import { attr, nested, NetlinkDecodeError, readAttrs } from "../src/switch/codec/attrs.js";
import { decodeVlanInfos, vlanPayload } from "../src/switch/codec/bridge-vlan.js";
import { addrPayload, decodeAddr } from "../src/switch/codec/addr.js";
import {
  createBridgePayload,
  createVlanPayload,
  decodeLink,
  portRouterPayload,
} from "../src/switch/codec/link.js";
import { decodeMdb, encodeMdbEntry, mdbPayload } from "../src/switch/codec/mdb.js";
import { decodeAck, decodeMessages, encodeMessage } from "../src/switch/codec/nlmsg.js";
import { notificationSubject } from "../src/switch/codec/notification.js";
import { fromRanges, toRanges } from "../src/switch/core/vlan-ranges.js";
import type { VlanMember } from "../src/switch/core/model.js";
import { property, title } from "./helpers/property.js";
import type { Rng } from "./helpers/rng.js";

const SEED = Number(process.env.SWITCH_FUZZ_SEED ?? 0x5e1c0de5) >>> 0;

function randomVlans(rng: Rng): VlanMember[] {
  const out: VlanMember[] = [];
  let vid = rng.range(1, 50);
  let pvidUsed = false;
  while (vid <= 4094 && out.length < 600) {
    const pvid: boolean = !pvidUsed && rng.chance(20);
    pvidUsed ||= pvid;
    out.push({ vid, pvid, untagged: rng.chance(3) });
    vid += rng.chance(3) ? rng.range(2, 300) : 1;
  }
  return out;
}

function ip(rng: Rng): string {
  if (rng.chance(2))
    return `${rng.range(224, 239)}.${rng.range(0, 255)}.${rng.range(0, 255)}.${rng.range(0, 255)}`;
  return `ff0e::${rng.range(0, 0xffff).toString(16)}:${rng.range(1, 0xffff).toString(16)}`;
}

function mutate(rng: Rng, buf: Buffer): Buffer {
  const b = Buffer.from(buf);
  switch (rng.below(4)) {
    case 0:
      for (let i = rng.range(1, 4); i > 0 && b.length; i--) b[rng.below(b.length)]! ^= 1 << rng.below(8);
      return b;
    case 1:
      for (let i = rng.range(1, 4); i > 0 && b.length; i--) b[rng.below(b.length)] = rng.below(256);
      return b;
    case 2:
      return b.subarray(0, rng.below(b.length + 1));
    default:
      return Buffer.concat([b, rng.bytes(rng.range(1, 40))]);
  }
}

/** Runs a decoder; a message when it threw anything but NetlinkDecodeError. */
function safely(what: string, input: Buffer, decode: (b: Buffer) => unknown): string | undefined {
  try {
    decode(input);
    return undefined;
  } catch (err) {
    return err instanceof NetlinkDecodeError
      ? undefined
      : `${what} threw ${String(err)} on ${input.toString("hex")}`;
  }
}

const decoders: Array<[string, (b: Buffer) => unknown]> = [
  ["decodeMessages", decodeMessages],
  [
    "decodeAck",
    (b) => decodeAck({ type: 2, flags: b.length > 1 ? b[0]! << 8 : 0, seq: 1, port: 0, payload: b }),
  ],
  ["decodeLink", decodeLink],
  ["decodeVlanInfos", decodeVlanInfos],
  ["decodeMdb", decodeMdb],
  ["decodeAddr", decodeAddr],
  ["readAttrs", (b) => readAttrs(b, "fuzz")],
  ...[16, 17, 20, 84, 112].map((type): [string, (b: Buffer) => unknown] => [
    `notificationSubject(${type})`,
    (b) => notificationSubject({ type, flags: 0, seq: 0, port: 0, payload: b }),
  ]),
];

function validMessages(rng: Rng): Buffer[] {
  const vlans = toRanges(randomVlans(rng));
  const entry = encodeMdbEntry({
    port: rng.range(1, 999),
    state: rng.below(2),
    vid: rng.range(0, 4094),
    group: ip(rng),
  });
  const mdbDump = Buffer.concat([
    Buffer.from("0700000002000000", "hex"),
    nested(1, [nested(1, [attr(1, Buffer.concat([entry, attr(1, rng.bytes(4))]))])]),
  ]);
  const payloads = [
    vlanPayload(rng.range(1, 999), rng.chance(2), vlans),
    mdbPayload(rng.range(1, 99), { port: 3, state: 1, vid: rng.range(0, 4094), group: ip(rng) }),
    mdbDump,
    createBridgePayload("br0", { mcastQuerier: 1, igmpVersion: 3 }),
    createVlanPayload(`br0.${rng.range(1, 4094)}`, rng.range(1, 99), rng.range(1, 4094)),
    portRouterPayload(rng.range(1, 99), rng.range(0, 3)),
    addrPayload({
      index: rng.range(1, 99),
      cidr: `10.${rng.below(256)}.0.${rng.below(256)}/${rng.range(1, 32)}`,
    }),
  ];
  return [...payloads, encodeMessage({ type: 16, flags: 2, seq: rng.u32(), payload: rng.pick(payloads) })];
}

test(title("VLAN sets round-trip through ranges, the AF_SPEC encoder and decoder", SEED, 2000), (t) => {
  property(t, SEED, 2000, (rng) => {
    const vlans = randomVlans(rng);
    const back = fromRanges(decodeVlanInfos(vlanPayload(7, false, toRanges(vlans)).subarray(20)));
    return JSON.stringify(back) === JSON.stringify(vlans)
      ? undefined
      : `VLANs ${JSON.stringify(vlans)} came back as ${JSON.stringify(back)}`;
  });
});

test(title("MDB entries round-trip through br_mdb_entry", SEED + 1, 2000), (t) => {
  property(t, SEED + 1, 2000, (rng) => {
    const e = { port: rng.range(1, 2 ** 31), state: rng.below(2), vid: rng.range(0, 4094), group: ip(rng) };
    const wrapped = Buffer.concat([
      Buffer.from("0700000009000000", "hex"),
      nested(1, [nested(1, [attr(1, encodeMdbEntry(e))])]),
    ]);
    const [back] = decodeMdb(wrapped);
    const want = {
      bridge: 9,
      port: e.port,
      state: e.state,
      flags: 0,
      vid: e.vid,
      group: canonicalIp(e.group),
    };
    return isDeepStrictEqual(back, want)
      ? undefined
      : `${JSON.stringify(want)} came back as ${JSON.stringify(back)}`;
  });
});

test(title("mutated messages: every decoder returns or throws NetlinkDecodeError", SEED + 2, 30000), (t) => {
  property(t, SEED + 2, 30000, (rng) => {
    const input = mutate(rng, rng.pick(validMessages(rng)));
    for (const [name, decode] of decoders) {
      const error = safely(name, input, decode);
      if (error) return error;
    }
    return undefined;
  });
});

test(title("random bytes: every decoder returns or throws NetlinkDecodeError", SEED + 3, 20000), (t) => {
  property(t, SEED + 3, 20000, (rng) => {
    const input = rng.bytes(rng.range(0, 200));
    for (const [name, decode] of decoders) {
      const error = safely(name, input, decode);
      if (error) return error;
    }
    return undefined;
  });
});

test(title("writeIp agrees with isIPv4 and ipToBytes on dotted-quad-like text", SEED + 4, 20000), (t) => {
  const parts = [
    "0",
    "00",
    "01",
    "1",
    "9",
    "10",
    "99",
    "100",
    "199",
    "249",
    "255",
    "256",
    "999",
    "1000",
    "",
    "a",
  ];
  property(t, SEED + 4, 20000, (rng) => {
    const count = rng.pick([3, 4, 4, 4, 5]);
    const text = Array.from({ length: count }, () => rng.pick(parts)).join(rng.below(20) === 0 ? ".." : ".");
    const out = Buffer.alloc(20);
    const valid = isIPv4(text);
    try {
      const length = writeIp(out, 2, text);
      if (!valid) return `${text} was written, but it is no IPv4 address`;
      return length === 4 && out.subarray(2, 6).equals(ipToBytes(text))
        ? undefined
        : `${text}: ${out.toString("hex")}`;
    } catch {
      return valid ? `${text} was refused` : undefined;
    }
  });
});
