// Deterministic property/fuzz tests of the sync frame codec (docs/sync-wire.md), 60,000 cases in total:
// random valid frames of every kind round-trip exactly; mutated frames (bit flips, byte changes, truncations,
// extensions, splices), random byte strings and random bodies of each kind's exact size make decodeFrame
// either return a frame that re-encodes to exactly those bytes or throw SyncDecodeError, never anything
// else, and each case finishes within a time bound.
// A failure names its case and bytes; rerun with the seed from the test title (SYNC_FUZZ_SEED=<seed>).
import test from "ava";
import { performance } from "node:perf_hooks";
import { isDeepStrictEqual } from "node:util";
import { decodeFrame, encodeFrame, FIXED_BYTES, SyncDecodeError } from "../src/directory/sync/codec.js";
import { FrameKind, MAX_U53, type SyncFrame } from "../src/directory/sync/frames.js";
import { property, title } from "./helpers/property.js";
import { Rng } from "./helpers/rng.js";

const SEED = Number(process.env.SYNC_FUZZ_SEED ?? 0x5c0de5) >>> 0;
const MAX_U32 = 2 ** 32 - 1;
/**
 * The longest one decode (of at most about 70 kB) may take: the fastest of three tries, so that a GC pause
 * or a busy CI machine does not fail the test, while a decoder that loops or copies a lot does.
 */
const CASE_BOUND_MS = 20;
const CASE_TRIES = 3;

const kinds = Object.keys(FrameKind) as SyncFrame["kind"][];

function randomFrame(rng: Rng): SyncFrame {
  const epoch = rng.range(0, MAX_U53);
  const u32 = () => rng.range(0, MAX_U32);
  const node = () => rng.range(1, 0xffff);
  const kind = rng.pick(kinds);
  switch (kind) {
    case "hello":
      return { kind, epoch, node: node(), nonce: rng.bytes(16), role: rng.pick(["sm", "standby"] as const) };
    case "ready":
      return { kind, epoch };
    case "changes":
      return { kind, epoch, payload: rng.bytes(rng.chance(100) ? rng.range(0, 65_536) : rng.range(0, 300)) };
    case "lease":
      return { kind, epoch, seq: u32(), headCsn: rng.range(0, MAX_U53), validMs: u32() };
    case "durable":
      return { kind, epoch, csn: rng.range(0, MAX_U53), leaseSeq: u32() };
    case "takeover-request":
      return { kind, epoch, node: node(), priority: rng.range(0, 0xff) };
    case "release":
      return { kind, epoch, csn: rng.range(0, MAX_U53) };
    case "check":
    case "check-reply":
      return { kind, epoch, seq: u32() };
  }
}

/** The outcomes the checks saw: "accepted" or a SyncDecodeReason, so a test can show it reached them all. */
const outcomes = new Set<string>();

/**
 * Decodes `bytes`: undefined if the property holds (a frame that re-encodes identically, or a
 * SyncDecodeError), else what went wrong.
 */
function decodesOrRejects(bytes: Buffer): string | undefined {
  let frame: SyncFrame;
  try {
    frame = decodeFrame(bytes);
  } catch (e) {
    if (!(e instanceof SyncDecodeError)) return `decodeFrame threw ${String(e)}`;
    outcomes.add(e.reason);
    return undefined;
  }
  outcomes.add("accepted");
  try {
    const again = encodeFrame(frame);
    return again.equals(bytes) ? undefined : `decodes but re-encodes as ${again.toString("hex")}`;
  } catch (e) {
    return `re-encoding ${JSON.stringify(frame)} threw ${String(e)}`;
  }
}

/** The property above, within the time bound (the fastest of CASE_TRIES tries). */
function checkTimed(bytes: Buffer): string | undefined {
  let fastest = Infinity;
  for (let i = 0; i < CASE_TRIES && fastest > CASE_BOUND_MS; i++) {
    const start = performance.now();
    const error = decodesOrRejects(bytes);
    if (error !== undefined) return error;
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest > CASE_BOUND_MS ? `took ${fastest.toFixed(1)} ms` : undefined;
}

const roundTripSeed = SEED;
test(title("random valid frames of every kind round-trip exactly", roundTripSeed, 20_000), (t) => {
  property(t, roundTripSeed, 20_000, (rng) => {
    const frame = randomFrame(rng);
    const bytes = encodeFrame(frame);
    let decoded: SyncFrame;
    try {
      decoded = decodeFrame(bytes);
    } catch (e) {
      return `${String(e)} on valid ${bytes.toString("hex")}`;
    }
    if (!isDeepStrictEqual(decoded, frame))
      return `decoded ${JSON.stringify(decoded)} from ${JSON.stringify(frame)}`;
    return encodeFrame(decoded).equals(bytes) ? undefined : `re-encoding ${bytes.toString("hex")} differs`;
  });
});

/** Changes `bytes`; `other` is a second valid frame to splice with. */
type Mutation = (rng: Rng, bytes: Buffer, other: Buffer) => Buffer;

const mutations: Mutation[] = [
  (rng, bytes) => {
    const out = Buffer.from(bytes);
    out[rng.below(out.length)]! ^= 1 << rng.below(8);
    return out;
  },
  (rng, bytes) => {
    const out = Buffer.from(bytes);
    for (let n = rng.range(1, 4); n > 0; n--) out[rng.below(out.length)] = rng.below(256);
    return out;
  },
  // the high word of the epoch or of a later u53 set to values around 2^21
  (rng, bytes) => {
    const out = Buffer.from(bytes);
    const at = rng.pick([1, 9, 13].filter((o) => o + 4 <= out.length));
    out.writeUInt32BE(rng.range(0x1ffffe, 0x200001), at);
    return out;
  },
  (rng, bytes) => bytes.subarray(0, rng.below(bytes.length)),
  (rng, bytes) => Buffer.concat([bytes, rng.bytes(rng.range(1, 32))]),
  (rng, bytes, other) =>
    Buffer.concat([
      bytes.subarray(0, rng.below(bytes.length + 1)),
      other.subarray(rng.below(other.length + 1)),
    ]),
];

const mutateSeed = (SEED + 1) >>> 0;
test(
  title("mutated frames decode to what re-encodes to them, or throw SyncDecodeError", mutateSeed, 25_000),
  (t) => {
    property(t, mutateSeed, 25_000, (rng) => {
      const bytes = encodeFrame(randomFrame(rng));
      const other = encodeFrame(randomFrame(rng));
      const which = rng.below(mutations.length);
      const mutated = mutations[which]!(rng, bytes, other);
      const error = checkTimed(mutated);
      return error && `mutation ${which}: ${error} for ${mutated.toString("hex").slice(0, 400)}`;
    });
  },
);

const randomSeed = (SEED + 2) >>> 0;
test(
  title("random byte strings of 0 to 70,000 bytes decode or throw SyncDecodeError", randomSeed, 10_000),
  (t) => {
    property(t, randomSeed, 10_000, (rng) => {
      const bytes = rng.bytes(rng.chance(200) ? rng.range(0, 70_000) : rng.range(0, 64));
      const error = checkTimed(bytes);
      return error && `${error} for ${bytes.toString("hex").slice(0, 400)}`;
    });
  },
);

const bodySeed = (SEED + 3) >>> 0;
test(
  title("random bytes of each kind's exact size decode or throw SyncDecodeError", bodySeed, 5_000),
  (t) => {
    property(t, bodySeed, 5_000, (rng) => {
      const kind = rng.pick(kinds);
      const size = kind === "changes" ? rng.range(9, 40) : FIXED_BYTES[kind];
      const bytes = rng.bytes(size);
      bytes[0] = FrameKind[kind];
      if (rng.chance(2)) bytes.writeUInt32BE(rng.below(0x200000), 1);
      const error = checkTimed(bytes);
      return error && `${error} for ${bytes.toString("hex")}`;
    });
  },
);
