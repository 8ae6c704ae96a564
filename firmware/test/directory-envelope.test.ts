// The compressed envelope of directory messages (firmware/src/directory/codec/envelope.ts,
// docs/directory-wire.md): a golden envelope decodes to its message, small or incompressible messages go
// plain, packing round-trips, an inflate bomb and broken envelopes are DecodeErrors, and 20,000 mutated
// envelopes never throw anything else.
import test from "ava";
import { deflateRawSync } from "node:zlib";
import { DecodeError } from "../src/directory/codec/decode-error.js";
import {
  ENVELOPE_MAGIC,
  isDirectoryPayload,
  packMessage,
  unpackMessage,
} from "../src/directory/codec/envelope.js";
import { encodeMessage, MAGIC, type DirectoryMessage } from "../src/directory/codec/messages.js";
import { Rng } from "./helpers/rng.js";

const suffix = "dc=lan1,dc=iss,dc=example";
const limit = 16 << 20;

function staleChanges(n: number): DirectoryMessage {
  const changes = Array.from({ length: n }, (_, k) => ({
    csn: 41 + k,
    time: 1764028800000,
    origin: { node: 3, request: k + 1 },
    op: {
      type: "modify" as const,
      dn: `issContentId=http://video.lan1.example/b3/clip-${k + 1}/,ou=content,${suffix}`,
      modifications: [{ operation: "replace" as const, attribute: "issContentState", values: ["stale"] }],
    },
  }));
  return { kind: "changes", head: 40 + n, target: 0, changes };
}

/** Four MODIFY REPLACE changes (656 bytes plain), as docs/directory-wire.md shows them. */
const golden = Buffer.from(
  "445a010073f164646480001d28cd02a53519181867edf08f017199a1628c068d0d4c8c4c69d52c6199c5c5cef97925a979259e29" +
    "b61925250556fafa659929a9f97a398979867aa91589b90539a9fa49c6fac9399905ba86fa3af9a5b6c9101d3a29c9b62055203a" +
    "b3b8184441d51b281ac87331321948b1f0232c082e492c49356467612d2e49cc49853a450b8bf398c0ce6326c37946d4769e3616" +
    "e731839dc74286f38ca9ed3c1d2cce63013b8f950ce79950cd7900",
  "hex",
);

test("the golden envelope decodes to its four changes", (t) => {
  t.is(golden.readUInt16BE(0), ENVELOPE_MAGIC);
  t.true(isDirectoryPayload(golden));
  t.deepEqual(unpackMessage(golden, limit), staleChanges(4));
  t.is(encodeMessage(staleChanges(4)).length, 656);
  t.is(golden.length, 183);
});

test("small messages go plain; larger ones in an envelope that round-trips", (t) => {
  const small = packMessage(staleChanges(3));
  t.is(small.readUInt16BE(0), MAGIC, "497 bytes: below the 512-byte threshold");
  t.deepEqual(unpackMessage(small, limit), staleChanges(3));
  for (const n of [4, 32, 1000]) {
    const packed = packMessage(staleChanges(n));
    t.is(packed.readUInt16BE(0), ENVELOPE_MAGIC);
    const factor = n === 4 ? 3 : 5;
    t.true(packed.length * factor < encodeMessage(staleChanges(n)).length, `${n} changes shrink ${factor}x`);
    t.deepEqual(unpackMessage(packed, limit), staleChanges(n));
  }
  t.false(isDirectoryPayload(Buffer.from("hello")));
});

test("an envelope is refused when it inflates beyond the limit, is broken, or nests", (t) => {
  const header = Buffer.from([0x44, 0x5a, 1, 0]);
  const bomb = Buffer.concat([header, deflateRawSync(Buffer.alloc(64 << 20))]);
  t.true(bomb.length < 100_000);
  t.is(t.throws(() => unpackMessage(bomb, limit), { instanceOf: DecodeError })?.reason, "inflate");
  const broken = Buffer.concat([header, Buffer.from("not deflate at all")]);
  t.is(t.throws(() => unpackMessage(broken, limit), { instanceOf: DecodeError })?.reason, "inflate");
  const nested = Buffer.concat([header, deflateRawSync(golden)]);
  t.is(t.throws(() => unpackMessage(nested, limit), { instanceOf: DecodeError })?.reason, "magic");
  const version = Buffer.from(golden);
  version[2] = 2;
  t.is(t.throws(() => unpackMessage(version, limit), { instanceOf: DecodeError })?.reason, "version");
  const reserved = Buffer.from(golden);
  reserved[3] = 1;
  t.is(t.throws(() => unpackMessage(reserved, limit), { instanceOf: DecodeError })?.reason, "field");
  t.is(
    t.throws(() => unpackMessage(golden.subarray(0, 3), limit), { instanceOf: DecodeError })?.reason,
    "truncated",
  );
});

test("mutated envelopes decode to a message or throw DecodeError (seed 0xe7e1, 20000 cases)", (t) => {
  const rng = new Rng(0xe7e1);
  const seeds = [golden, packMessage(staleChanges(40))];
  let decoded = 0;
  for (let i = 0; i < 20_000; i++) {
    const buf = Buffer.from(rng.pick(seeds));
    const flips = 1 + rng.below(4);
    for (let f = 0; f < flips; f++) {
      const at = 4 + rng.below(buf.length - 4);
      buf[at] = (buf[at] ?? 0) ^ (1 << rng.below(8));
    }
    const cut = rng.chance(4) ? buf.subarray(0, 4 + rng.below(buf.length - 4)) : buf;
    try {
      unpackMessage(cut, 1 << 20);
      decoded++;
    } catch (err) {
      if (!(err instanceof DecodeError)) t.fail(`case ${i} threw ${String(err)}: ${cut.toString("hex")}`);
    }
  }
  t.log(`${decoded} of 20000 mutated envelopes still decoded`);
  t.pass();
});
