// Deterministic property/fuzz tests of the directory codec (docs/directory-wire.md), 112,000 cases in total:
// generated messages of every kind round-trip exactly; mutated messages (bit flips, byte changes,
// truncations, extensions, splices, corrupted BER lengths and counts) and random bytes make decodeMessage
// either return a message that re-encodes to exactly those bytes or throw DecodeError, never anything else,
// and each case finishes within a time bound; mutated LDAP PDUs do the same for decodeOp. A 1.28 MB changes
// message encodes and decodes within a generous time bound (it takes about 6 ms on an idle machine).
// A failure names its case and bytes; rerun with the seed from the test title (DIRECTORY_FUZZ_SEED=<seed>).
import test from "ava";
import { performance } from "node:perf_hooks";
import { isDeepStrictEqual } from "node:util";
import { DecodeError } from "../src/directory/codec/decode-error.js";
import { decodeOp, encodeOp } from "../src/directory/codec/ldap-ops.js";
import { decodeMessage, encodeMessage, type DirectoryMessage } from "../src/directory/codec/messages.js";
import type { Attributes, Change, ChangeOp, Entry, Modification } from "../src/directory/model/types.js";
import { property, title } from "./helpers/property.js";
import { Rng } from "./helpers/rng.js";

const SEED = Number(process.env.DIRECTORY_FUZZ_SEED ?? 0xd1ec7042) >>> 0;
const MAX_U32 = 2 ** 32 - 1;
const MAX_U53 = Number.MAX_SAFE_INTEGER;
/**
 * The longest a decode of a fuzz case (at most about 80 kB) may take: the fastest of three tries, so that a
 * GC pause or a busy CI machine does not fail the test, while a decoder that loops or allocates on a huge
 * length or count does.
 */
const CASE_BOUND_MS = 50;
const CASE_TRIES = 3;

// ---- Generators of well-formed messages ----------------------------------------------------------------

/** A string of well-formed UTF-16 mixing 1- to 4-byte UTF-8 characters, U+FFFD now and then. */
function text(rng: Rng, maxChars: number): string {
  const n = rng.range(0, maxChars);
  if (rng.chance(2)) return "x".repeat(n);
  const chars: string[] = [];
  for (let i = 0; i < n; i++) {
    const size = rng.range(1, 5);
    const cp =
      size === 1
        ? rng.range(0x20, 0x7e)
        : size === 2
          ? rng.range(0x80, 0x7ff)
          : size === 3
            ? rng.pick([rng.range(0x800, 0xd7ff), rng.range(0xe000, 0xffff)])
            : size === 4
              ? rng.range(0x10000, 0x10ffff)
              : 0xfffd;
    chars.push(String.fromCodePoint(cp));
  }
  return chars.join("");
}

/** A value, now and then long enough for 1-, 2- and (rarely) 3-byte BER lengths. */
function value(rng: Rng, large: boolean): string {
  if (large && rng.chance(3000)) return text(rng, 70_000);
  return rng.chance(20) ? text(rng, 300) : text(rng, 24);
}

const ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const KEYCHARS = `${ALPHA}0123456789-`;
const known = ["objectClass", "cn", "issContentId", "issContentServer", "issServerKind", "issContentState"];

function keystring(rng: Rng, first: string): string {
  let s = rng.pick([...first]);
  for (let n = rng.range(0, 12); n > 0; n--) s += rng.pick([...KEYCHARS]);
  return s;
}

/** An RFC 4512 attribute description: a known name, a descr or a numeric OID, with 0 to 2 options. */
function attributeDescription(rng: Rng): string {
  const oid = () =>
    Array.from({ length: rng.range(2, 6) }, () => String(rng.range(0, rng.chance(2) ? 9 : 99_999))).join(".");
  let name = rng.chance(2) ? rng.pick(known) : rng.chance(3) ? oid() : keystring(rng, ALPHA);
  for (let n = rng.range(0, 2); n > 0; n--) name += `;${keystring(rng, KEYCHARS)}`;
  return name;
}

function attributes(rng: Rng, large: boolean): Attributes {
  const out: Attributes = {};
  for (let n = rng.range(0, 6); n > 0; n--) {
    out[attributeDescription(rng)] = Array.from({ length: rng.range(1, 4) }, () => value(rng, large));
  }
  return out;
}

function op(rng: Rng, large: boolean): ChangeOp {
  const dn = text(rng, 60);
  switch (rng.below(3)) {
    case 0:
      return { type: "add", dn, attributes: attributes(rng, large) };
    case 1:
      return { type: "delete", dn };
    default: {
      const modifications: Modification[] = Array.from({ length: rng.range(0, 5) }, () => ({
        operation: rng.pick(["add", "delete", "replace"] as const),
        attribute: attributeDescription(rng),
        values: Array.from({ length: rng.range(0, 3) }, () => value(rng, large)),
      }));
      return { type: "modify", dn, modifications };
    }
  }
}

function entry(rng: Rng, large: boolean): Entry {
  return { dn: text(rng, 60), attributes: attributes(rng, large) };
}

const u32 = (rng: Rng) => rng.range(0, MAX_U32);
const u53 = (rng: Rng) => rng.range(0, MAX_U53);
const kinds = [
  "changes",
  "catchup-request",
  "refresh",
  "announce",
  "announce-result",
  "replica-status",
] as const;

function message(rng: Rng, large: boolean): DirectoryMessage {
  switch (rng.pick(kinds)) {
    case "changes": {
      const count = rng.range(0, 12);
      const first = rng.range(1, MAX_U53 - count);
      const changes: Change[] = Array.from({ length: count }, (_, i) => ({
        csn: first + i,
        time: u53(rng),
        origin: { node: u32(rng), request: u53(rng) },
        op: op(rng, large),
      }));
      const head = rng.range(count === 0 ? 0 : first + count - 1, MAX_U53);
      return { kind: "changes", head, target: u32(rng), changes };
    }
    case "catchup-request":
      return { kind: "catchup-request", node: u32(rng), have: u53(rng) };
    case "refresh":
      return {
        kind: "refresh",
        target: u32(rng),
        refreshId: u32(rng),
        csn: u53(rng),
        chunk: u32(rng),
        last: rng.chance(2),
        entries: Array.from({ length: rng.range(0, 8) }, () => entry(rng, large)),
      };
    case "announce":
      return {
        kind: "announce",
        node: u32(rng),
        request: u53(rng),
        ops: Array.from({ length: rng.range(0, 6) }, () => op(rng, large)),
      };
    case "announce-result":
      return {
        kind: "announce-result",
        node: u32(rng),
        request: u53(rng),
        code: u32(rng),
        message: text(rng, rng.chance(50) ? 20_000 : 40),
        csn: u53(rng),
      };
    case "replica-status":
      return { kind: "replica-status", node: u32(rng), have: u53(rng), entries: u32(rng) };
  }
}

// ---- Properties ----------------------------------------------------------------------------------------

const show = (bytes: Buffer) =>
  bytes.length > 600
    ? `${bytes.subarray(0, 600).toString("hex")}... (${bytes.length} bytes)`
    : bytes.toString("hex");

/** How many checked decodes returned a value and how many threw DecodeError, so far. */
const tally = { accepted: 0, rejected: 0 };

/**
 * Decodes `bytes` with `decode` and checks the outcome: a DecodeError, or a value that `encode` turns back
 * into exactly `bytes`; and the decode took at most CASE_BOUND_MS. Returns an error message or undefined.
 */

function checkDecode<T>(
  bytes: Buffer,
  decode: (b: Buffer) => T,
  encode: (v: T) => Buffer,
): string | undefined {
  const outcome = (): { value: T } | { error: unknown } => {
    try {
      return { value: decode(bytes) };
    } catch (error) {
      return { error };
    }
  };
  let fastest = Infinity;
  let tries = 0;
  let result: ReturnType<typeof outcome>;
  do {
    const started = performance.now();
    result = outcome();
    fastest = Math.min(fastest, performance.now() - started);
  } while (fastest > CASE_BOUND_MS && ++tries < CASE_TRIES);
  if (fastest > CASE_BOUND_MS)
    return `decoding took ${fastest.toFixed(1)} ms (bound ${CASE_BOUND_MS}) on ${show(bytes)}`;
  if ("error" in result) {
    tally.rejected++;
    return result.error instanceof DecodeError
      ? undefined
      : `threw ${String(result.error)} on ${show(bytes)}`;
  }
  tally.accepted++;
  let again: Buffer;
  try {
    again = encode(result.value);
  } catch (e) {
    return `re-encoding ${show(bytes)} threw ${String(e)}`;
  }
  return again.equals(bytes) ? undefined : `${show(bytes)} decodes but re-encodes as ${show(again)}`;
}

const decodeBack = (b: Buffer) => checkDecode(b, decodeMessage, encodeMessage);
const decodeOpBack = (b: Buffer) => checkDecode(b, decodeOp, ({ messageId, op }) => encodeOp(messageId, op));

const roundTripSeed = SEED;
test(title("generated messages of every kind round-trip exactly", roundTripSeed, 20_000), (t) => {
  property(t, roundTripSeed, 20_000, (rng) => {
    const m = message(rng, true);
    const bytes = encodeMessage(m);
    let decoded: DirectoryMessage;
    try {
      decoded = decodeMessage(bytes);
    } catch (e) {
      return `${String(e)} on the encoding of ${JSON.stringify(m).slice(0, 400)}`;
    }
    if (!isDeepStrictEqual(decoded, m))
      return `decoded ${JSON.stringify(decoded).slice(0, 400)} from ${JSON.stringify(m).slice(0, 400)}`;
    return encodeMessage(decoded).equals(bytes) ? undefined : `re-encoding differs for ${show(bytes)}`;
  });
});

/** Changes `bytes`; `other` is a second valid message to splice with. */
type Mutation = (rng: Rng, bytes: Buffer, other: Buffer) => Buffer;

const flipBit: Mutation = (rng, bytes) => {
  const out = Buffer.from(bytes);
  if (out.length > 0) out[rng.below(out.length)]! ^= 1 << rng.below(8);
  return out;
};

const setBytes: Mutation = (rng, bytes) => {
  const out = Buffer.from(bytes);
  for (let n = rng.range(1, 4); n > 0 && out.length > 0; n--) out[rng.below(out.length)] = rng.below(256);
  return out;
};

const truncate: Mutation = (rng, bytes) => bytes.subarray(0, rng.below(bytes.length));
const extend: Mutation = (rng, bytes) => Buffer.concat([bytes, rng.bytes(rng.range(1, 64))]);
const splice: Mutation = (rng, bytes, other) =>
  Buffer.concat([
    bytes.subarray(0, rng.below(bytes.length + 1)),
    other.subarray(rng.below(other.length + 1)),
  ]);

/** Offsets of bytes that follow a BER identifier this codec uses: likely length octets. */
function lengthOffsets(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let i = 4; i + 1 < bytes.length; i++) {
    if ([0x30, 0x31, 0x04, 0x02, 0x0a, 0x66, 0x68, 0x4a].includes(bytes[i]!)) out.push(i + 1);
  }
  return out;
}

/** A length in the 4-byte long form (0x84 and 4 bytes), whatever its value. */
function longForm(length: number): Buffer {
  const out = Buffer.alloc(5);
  out[0] = 0x84;
  out.writeUInt32BE(length, 1);
  return out;
}

/**
 * Rewrites one BER length: off by one, huge, indefinite, random, or the same length in more bytes than it
 * needs (which the decoder must refuse, or it would accept bytes that re-encode differently).
 */
const corruptLength: Mutation = (rng, bytes) => {
  const offsets = lengthOffsets(bytes);
  if (offsets.length === 0) return setBytes(rng, bytes, bytes);
  const at = rng.pick(offsets);
  const first = bytes[at]!;
  const n = first < 0x80 ? 0 : Math.min(first & 0x7f, 4, bytes.length - at - 1);
  const old = n === 0 ? first : bytes.readUIntBE(at + 1, n);
  const oneOff = Math.min(MAX_U32, Math.max(0, old + rng.pick([-1, 1])));
  const replacements = [
    () => longForm(MAX_U32),
    () => Buffer.from([0x80]),
    () => Buffer.from([0x81, rng.below(256)]),
    () => Buffer.from([0x82, rng.below(256), rng.below(256)]),
    () => (oneOff < 0x80 ? Buffer.from([oneOff]) : longForm(oneOff)),
    () => rng.bytes(rng.range(1, 5)),
    () => longForm(old),
    () => (old < 0x100 ? Buffer.from([0x81, old]) : longForm(old)),
  ];
  return Buffer.concat([bytes.subarray(0, at), rng.pick(replacements)(), bytes.subarray(at + 1 + n)]);
};

/** Rewrites a 4-byte count (changes at 16, refresh at 25, announce at 16) or a u64 field with edge values. */
const corruptField: Mutation = (rng, bytes) => {
  const out = Buffer.from(bytes);
  const kind = out[3];
  const countAt = kind === 1 || kind === 4 ? 16 : kind === 3 ? 25 : 4;
  if (rng.chance(2) && out.length >= countAt + 4) {
    const old = out.readUInt32BE(countAt);
    out.writeUInt32BE(
      rng.pick([0, 1, MAX_U32, Math.max(0, old - 1), Math.min(MAX_U32, old + 1), u32(rng)]),
      countAt,
    );
  } else if (out.length >= 12) {
    const at = rng.range(4, out.length - 8);
    out.writeUInt32BE(rng.pick([0, 0x1fffff, 0x200000, MAX_U32]), at);
  }
  return out;
};

const mutations: Mutation[] = [flipBit, setBytes, truncate, extend, splice, corruptLength, corruptField];

const mutateSeed = (SEED + 1) >>> 0;
test(
  title(
    "mutated messages decode to a message that re-encodes identically or throw DecodeError",
    mutateSeed,
    50_000,
  ),
  (t) => {
    Object.assign(tally, { accepted: 0, rejected: 0 });
    property(t, mutateSeed, 50_000, (rng) => {
      const bytes = encodeMessage(message(rng, false));
      const other = encodeMessage(message(rng, false));
      let mutated = rng.pick(mutations)(rng, bytes, other);
      if (rng.chance(4)) mutated = rng.pick(mutations)(rng, mutated, other);
      return decodeBack(mutated);
    });
    t.log(`${tally.accepted} mutated messages decoded and re-encoded, ${tally.rejected} rejected`);
    t.true(tally.accepted > 5_000 && tally.rejected > 20_000, "the mutations reach both outcomes");
  },
);

const lengthSeed = (SEED + 2) >>> 0;
test(
  title("corrupted BER lengths and counts never escape as anything but DecodeError", lengthSeed, 15_000),
  (t) => {
    property(t, lengthSeed, 15_000, (rng) => {
      const bytes = encodeMessage(message(rng, false));
      return decodeBack(rng.chance(3) ? corruptField(rng, bytes, bytes) : corruptLength(rng, bytes, bytes));
    });
  },
);

const opSeed = (SEED + 3) >>> 0;
test(
  title(
    "mutated LDAP PDUs decode to an operation that re-encodes identically or throw DecodeError",
    opSeed,
    12_000,
  ),
  (t) => {
    property(t, opSeed, 12_000, (rng) => {
      const bytes = encodeOp(rng.range(0, 2 ** 31 - 1), op(rng, false));
      const other = encodeOp(rng.range(0, 2 ** 31 - 1), op(rng, false));
      const mutation = rng.pick([flipBit, setBytes, truncate, extend, splice, corruptLength]);
      return decodeOpBack(mutation(rng, bytes, other));
    });
  },
);

const randomSeed = (SEED + 4) >>> 0;
test(
  title(
    "random bytes, half of them behind a valid header, never escape as anything but DecodeError",
    randomSeed,
    15_000,
  ),
  (t) => {
    property(t, randomSeed, 15_000, (rng) => {
      const body = rng.bytes(rng.below(2001));
      const header = Buffer.from([0x44, 0x49, 0x01, rng.range(1, 6)]);
      const bytes = rng.chance(2) ? Buffer.concat([header, body]) : body;
      return rng.chance(8) ? decodeOpBack(body) : decodeBack(bytes);
    });
  },
);

test("a 1.28 MB changes message of 5,243 changes encodes and decodes in under 100 ms (fastest of 7 runs)", (t) => {
  const suffix = "ou=content,dc=lan1,dc=iss,dc=example";
  const server = (name: string) => `cn=${name},ou=engines,dc=lan1,dc=iss,dc=example`;
  const changes: Change[] = Array.from({ length: 5243 }, (_, i) => {
    const url = `http://www.lan1.example/video/${i}`;
    const dn = `issContentId=${url},${suffix}`;
    const kinds: ChangeOp[] = [
      {
        type: "add",
        dn,
        attributes: {
          objectClass: ["issContentLocation"],
          issContentId: [url],
          issContentServer: [server("se-http1")],
          issServerKind: ["http"],
          issContentState: ["active"],
          issContentSize: [String(i * 1000)],
        },
      },
      {
        type: "modify",
        dn,
        modifications: [
          { operation: "add", attribute: "issContentServer", values: [server("se-cache2")] },
          { operation: "replace", attribute: "issLastSeen", values: ["20261125041500Z"] },
        ],
      },
      { type: "delete", dn },
    ];
    return { csn: 1000 + i, time: 1764043200000 + i, origin: { node: 3, request: i + 1 }, op: kinds[i % 3]! };
  });
  const m: DirectoryMessage = { kind: "changes", head: 1000 + changes.length - 1, target: 0, changes };
  const timed = <T>(f: () => T): [T, number] => {
    const started = performance.now();
    const result = f();
    return [result, performance.now() - started];
  };
  const encodeMs: number[] = [];
  const decodeMs: number[] = [];
  for (let run = 0; run < 7; run++) {
    const [bytes, e] = timed(() => encodeMessage(m));
    const [decoded, d] = timed(() => decodeMessage(bytes));
    t.is(decoded.kind === "changes" ? decoded.changes.length : 0, changes.length);
    t.true(bytes.length > 1_250_000, `${bytes.length} bytes`);
    encodeMs.push(e);
    decodeMs.push(d);
  }
  const [encode, decode] = [Math.min(...encodeMs), Math.min(...decodeMs)];
  t.log(`fastest of 7 runs: encode ${encode.toFixed(1)} ms, decode ${decode.toFixed(1)} ms`);
  t.true(encode < 100, `encode ${encode.toFixed(1)} ms`);
  t.true(decode < 100, `decode ${decode.toFixed(1)} ms`);
});
