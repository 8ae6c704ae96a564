// Deterministic property/fuzz tests of the RMTP codec (docs/rmtp-wire.md), 110,000 cases in total: random
// valid frames of every type round-trip exactly; mutated frames never make decodeFrame throw and are rejected;
// mutated frames signed again either decode to a frame that re-encodes to the same bytes or are rejected for
// a reason other than the key or the tag; random byte strings never make decodeFrame throw.
// A failure names its case and bytes; rerun with the seed from the test title (RMTP_FUZZ_SEED=<seed>).
import test from "ava";
import { isDeepStrictEqual } from "node:util";
import { decodeFrame, type DecodeResult, type RejectReason } from "../src/rmtp/codec/decode.js";
import { encodeFrame, MAX_PACKET_NUMBER, maxPayload } from "../src/rmtp/codec/encode.js";
import {
  FrameType,
  HEADER_BYTES,
  MAX_NAK_RANGES,
  MAX_NAME_BYTES,
  Role,
  TAG_BYTES,
  type Frame,
  type Header,
} from "../src/rmtp/codec/frames.js";
import { Keyring } from "../src/rmtp/codec/keyring.js";
import { property, title } from "./helpers/property.js";
import { Rng } from "./helpers/rng.js";

const SEED = Number(process.env.RMTP_FUZZ_SEED ?? 0x5eed2026) >>> 0;
const FRAME_BYTES = 1400;
const MAX_U32 = 2 ** 32 - 1;

const keys = [
  { id: 7, secret: Uint8Array.from({ length: 32 }, (_, i) => i) },
  { id: 200, secret: Uint8Array.from({ length: 32 }, (_, i) => 0xff - i) },
];
const keyrings = new Map(keys.map((k) => [k.id, new Keyring(keys, k.id)]));
const keyring = keyrings.get(7)!;

const roles = Object.values(Role);

/** A well-formed string of 1 to 32 UTF-8 bytes mixing 1-, 2-, 3- and 4-byte characters. */
function randomName(rng: Rng): string {
  const target = rng.range(1, MAX_NAME_BYTES);
  let name = "";
  let bytes = 0;
  for (;;) {
    const size = rng.range(1, 4);
    if (bytes + size > target) return name === "" ? "x" : name;
    const cp =
      size === 1
        ? rng.range(0, 0x7f)
        : size === 2
          ? rng.range(0x80, 0x7ff)
          : size === 3
            ? rng.pick([rng.range(0x800, 0xd7ff), rng.range(0xe000, 0xffff)])
            : rng.range(0x10000, 0x10ffff);
    name += String.fromCodePoint(cp);
    bytes += size;
  }
}

function randomFrame(rng: Rng, type: FrameType): Frame {
  const u48 = () => rng.range(0, MAX_PACKET_NUMBER);
  const u32 = () => rng.range(0, MAX_U32);
  const h: Header = { epoch: u32(), source: u32(), incarnation: u32() };
  switch (type) {
    case FrameType.Data: {
      const payload = rng.bytes(rng.range(0, maxPayload(FRAME_BYTES)));
      return {
        ...h,
        type,
        flags: rng.below(16),
        seq: u48(),
        messageId: u32(),
        messageBytes: rng.range(payload.length, MAX_U32),
        ackedThrough: u48(),
        payload,
      };
    }
    case FrameType.Abort:
      return { ...h, type, seq: u48(), messageId: u32(), ackedThrough: u48() };
    case FrameType.Ack:
      return { ...h, type, streamSource: u32(), streamIncarnation: u32(), cumulative: u48() };
    case FrameType.Nak:
      return {
        ...h,
        type,
        streamSource: u32(),
        streamIncarnation: u32(),
        ranges: Array.from({ length: rng.range(1, MAX_NAK_RANGES) }, () => ({
          start: rng.range(1, MAX_PACKET_NUMBER),
          count: rng.range(1, 0xffff),
        })),
      };
    case FrameType.Grant: {
      const ackedThrough = u48();
      return {
        ...h,
        type,
        streamSource: u32(),
        streamIncarnation: u32(),
        ackedThrough,
        grantThrough: rng.range(ackedThrough, MAX_PACKET_NUMBER),
        window: rng.range(0, 0xffff),
      };
    }
    case FrameType.Hello:
      return { ...h, type, role: rng.pick(roles), name: randomName(rng) };
    case FrameType.Announce: {
      const most = (FRAME_BYTES - HEADER_BYTES - TAG_BYTES - 6) / 8;
      return {
        ...h,
        type,
        membershipVersion: u32(),
        members: Array.from({ length: rng.range(0, most) }, () => ({ id: u32(), incarnation: u32() })),
      };
    }
    case FrameType.Leave:
      return { ...h, type };
  }
}

const types = Object.values(FrameType);

function randomEncoded(rng: Rng): { frame: Frame; packetNumber: number; bytes: Buffer } {
  const frame = randomFrame(rng, types[rng.below(types.length)]!);
  const packetNumber = rng.range(0, MAX_PACKET_NUMBER);
  return { frame, packetNumber, bytes: encodeFrame(frame, packetNumber, rng.pick([...keyrings.values()])) };
}

function decodeSafely(bytes: Buffer): DecodeResult | string {
  try {
    return decodeFrame(bytes, keyring);
  } catch (e) {
    return `decodeFrame threw ${String(e)}`;
  }
}

const roundTripSeed = SEED;
test(title("random valid frames of every type round-trip exactly", roundTripSeed, 32_000), (t) => {
  property(t, roundTripSeed, 32_000, (rng) => {
    const { frame, packetNumber, bytes } = randomEncoded(rng);
    const r = decodeSafely(bytes);
    if (typeof r === "string") return r;
    if (!r.ok) return `rejected (${r.reason}) valid frame ${bytes.toString("hex")}`;
    if (!isDeepStrictEqual(r.frame, frame))
      return `decoded ${JSON.stringify(r.frame)} from ${JSON.stringify(frame)}`;
    if (r.packetNumber !== packetNumber) return `packet number ${r.packetNumber}, encoded ${packetNumber}`;
    if (r.keyId !== bytes[5]) return `key id ${r.keyId}, encoded ${bytes[5]}`;
    return undefined;
  });
});

/** Changes `bytes`; `other` is a second valid frame to splice with. */
type Mutation = (rng: Rng, bytes: Buffer, other: Buffer) => Buffer;

function flipBit(rng: Rng, bytes: Buffer, lo = 0, hi = bytes.length): Buffer {
  const out = Buffer.from(bytes);
  const at = lo + rng.below(hi - lo);
  out[at]! ^= 1 << rng.below(8);
  return out;
}

function setBytes(rng: Rng, bytes: Buffer, lo = 0, hi = bytes.length): Buffer {
  const out = Buffer.from(bytes);
  for (let n = rng.range(1, 4); n > 0; n--) out[lo + rng.below(hi - lo)] = rng.below(256);
  return out;
}

const truncate: Mutation = (rng, bytes) => bytes.subarray(0, rng.below(bytes.length));
const extend: Mutation = (rng, bytes) => Buffer.concat([bytes, rng.bytes(rng.range(1, 64))]);
const splice: Mutation = (rng, bytes, other) =>
  Buffer.concat([
    bytes.subarray(0, rng.below(bytes.length + 1)),
    other.subarray(rng.below(other.length + 1)),
  ]);

const mutateSeed = (SEED + 1) >>> 0;
test(title("mutated frames are rejected and never throw", mutateSeed, 32_000), (t) => {
  const mutations: Mutation[] = [(r, b) => flipBit(r, b), (r, b) => setBytes(r, b), truncate, extend, splice];
  property(t, mutateSeed, 32_000, (rng) => {
    const { bytes } = randomEncoded(rng);
    const other = randomEncoded(rng).bytes;
    const which = rng.below(mutations.length);
    const mutated = mutations[which]!(rng, bytes, other);
    const r = decodeSafely(mutated);
    if (typeof r === "string") return `${r} on ${mutated.toString("hex")}`;
    const unchanged = mutated.equals(bytes) || mutated.equals(other);
    if (r.ok && !unchanged)
      return `accepted mutation ${which}: ${mutated.toString("hex")} from ${bytes.toString("hex")}`;
    if (!r.ok && unchanged) return `rejected (${r.reason}) unchanged frame ${bytes.toString("hex")}`;
    return undefined;
  });
});

const flipSeed = (SEED + 2) >>> 0;
test(
  title("one flipped bit in the flags, the fields after the length or the tag fails auth", flipSeed, 8_000),
  (t) => {
    property(t, flipSeed, 8_000, (rng) => {
      const { bytes } = randomEncoded(rng);
      const mutated = rng.below(8) === 0 ? flipBit(rng, bytes, 4, 5) : flipBit(rng, bytes, 8);
      const r = decodeSafely(mutated);
      if (typeof r === "string") return r;
      return r.ok || r.reason !== "auth" ? `${JSON.stringify(r)} for ${mutated.toString("hex")}` : undefined;
    });
  },
);

/** Mutations of the signed part of a frame (header and body, without the tag). */
const signedMutations: Mutation[] = [
  (rng, signed) => flipBit(rng, signed),
  (rng, signed) => setBytes(rng, signed),
  (rng, signed) => flipBit(rng, signed, Math.min(HEADER_BYTES, signed.length - 1)),
  (rng, signed) => setBytes(rng, signed, Math.min(HEADER_BYTES, signed.length - 1)),
  (rng, signed) => setBytes(rng, signed, 2, 5),
  truncate,
  extend,
  splice,
];

/** Changes the body length field to match the bytes after the header (so that the body checks run). */
function fixLength(signed: Buffer): Buffer {
  if (signed.length >= HEADER_BYTES && signed.length - HEADER_BYTES <= 0xffff) {
    signed.writeUInt16BE(signed.length - HEADER_BYTES, 6);
  }
  return signed;
}

const signedSeed = (SEED + 3) >>> 0;
const allowed = new Set<RejectReason>(["malformed", "length", "truncated", "type", "version", "magic"]);
test(title("mutated frames signed again re-encode identically or are rejected", signedSeed, 30_000), (t) => {
  property(t, signedSeed, 30_000, (rng) => {
    const [{ bytes }, other] = [randomEncoded(rng), randomEncoded(rng)];
    const mutation = signedMutations[rng.below(signedMutations.length)]!;
    let signed = mutation(rng, bytes.subarray(0, -TAG_BYTES), other.bytes.subarray(0, -TAG_BYTES));
    if (rng.below(4) !== 0) signed = fixLength(Buffer.from(signed));
    const mutated = Buffer.concat([signed, Buffer.alloc(TAG_BYTES)]);
    if (!keyrings.has(mutated[5]!)) mutated[5] = 7;
    keyring.sign(mutated, signed.length, mutated[5]);
    const r = decodeSafely(mutated);
    if (typeof r === "string") return `${r} on ${mutated.toString("hex")}`;
    if (!r.ok) return allowed.has(r.reason) ? undefined : `rejected (${r.reason}) ${mutated.toString("hex")}`;
    try {
      const again = encodeFrame(r.frame, r.packetNumber, keyrings.get(r.keyId)!);
      if (!again.equals(mutated))
        return `${mutated.toString("hex")} decodes but re-encodes as ${again.toString("hex")}`;
    } catch (e) {
      return `re-encoding ${mutated.toString("hex")} threw ${String(e)}`;
    }
    return undefined;
  });
});

const randomSeed = (SEED + 4) >>> 0;
test(title("random byte strings of 0 to 2000 bytes are rejected and never throw", randomSeed, 8_000), (t) => {
  property(t, randomSeed, 8_000, (rng) => {
    const bytes = rng.bytes(rng.below(2001));
    const r = decodeSafely(bytes);
    if (typeof r === "string") return `${r} on ${bytes.toString("hex")}`;
    return r.ok ? `accepted ${bytes.toString("hex")}` : undefined;
  });
});
