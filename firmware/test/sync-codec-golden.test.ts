// Golden-byte tests pinning the sync link's wire format of docs/sync-wire.md: one fixed frame of every kind
// encodes to the bytes written out below field by field, which are also the document's hex dumps; every
// field reads back at its documented offset, and the bytes decode to the frame again. The first records of a
// connection (SM hello, SM ready, standby durable) with fixed nonces are pinned the same way, with every tag
// computed here from the document's definition. Then one test per rule the decoder rejects, and the
// encoder's RangeErrors.
import test from "ava";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  decodeFrame,
  encodeFrame,
  SyncDecodeError,
  type SyncDecodeReason,
} from "../src/directory/sync/codec.js";
import type { SyncFrame } from "../src/directory/sync/frames.js";
import { SyncSession, type SessionEvent } from "../src/directory/sync/session.js";
import { Keyring } from "../src/rmtp/codec/keyring.js";

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i);
const KEY_ID = 7;
const keyring = new Keyring([{ id: KEY_ID, secret: KEY }], KEY_ID);
const SM_NONCE = Buffer.from(Array.from({ length: 16 }, (_, i) => i));
const STANDBY_NONCE = Buffer.from(Array.from({ length: 16 }, (_, i) => 0x10 + i));

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");

/** A field: name, offset, size in bytes, value (an integer, or bytes in hex). */
type Field = [string, number, number, number | string];

interface Golden {
  frame: SyncFrame;
  bytes: string;
  fields: Field[];
}

const epoch: Field = ["epoch", 1, 8, 42];

const golden: Record<string, Golden> = {
  hello: {
    frame: { kind: "hello", epoch: 42, node: 1, nonce: SM_NONCE, role: "sm" },
    bytes: "01 000000000000002a 01 01 0001 000102030405060708090a0b0c0d0e0f",
    fields: [
      ["kind", 0, 1, 1],
      epoch,
      ["version", 9, 1, 1],
      ["role", 10, 1, 1],
      ["node", 11, 2, 1],
      ["nonce", 13, 16, "000102030405060708090a0b0c0d0e0f"],
    ],
  },
  ready: {
    frame: { kind: "ready", epoch: 42 },
    bytes: "02 000000000000002a",
    fields: [["kind", 0, 1, 2], epoch],
  },
  changes: {
    frame: { kind: "changes", epoch: 42, payload: hex("4449010600000005") },
    bytes: "03 000000000000002a 4449010600000005",
    fields: [["kind", 0, 1, 3], epoch, ["payload", 9, 8, "4449010600000005"]],
  },
  lease: {
    frame: { kind: "lease", epoch: 42, seq: 7, headCsn: 2 ** 32 + 5, validMs: 500 },
    bytes: "04 000000000000002a 00000007 0000000100000005 000001f4",
    fields: [
      ["kind", 0, 1, 4],
      epoch,
      ["seq", 9, 4, 7],
      ["headCsn", 13, 8, 2 ** 32 + 5],
      ["validMs", 21, 4, 500],
    ],
  },
  durable: {
    frame: { kind: "durable", epoch: 42, csn: 2 ** 32 + 5, leaseSeq: 7 },
    bytes: "05 000000000000002a 0000000100000005 00000007",
    fields: [["kind", 0, 1, 5], epoch, ["csn", 9, 8, 2 ** 32 + 5], ["leaseSeq", 17, 4, 7]],
  },
  "takeover-request": {
    frame: { kind: "takeover-request", epoch: 42, node: 2, priority: 200 },
    bytes: "06 000000000000002a 0002 c8",
    fields: [["kind", 0, 1, 6], epoch, ["node", 9, 2, 2], ["priority", 11, 1, 200]],
  },
  release: {
    frame: { kind: "release", epoch: 42, csn: Number.MAX_SAFE_INTEGER },
    bytes: "07 000000000000002a 001fffffffffffff",
    fields: [["kind", 0, 1, 7], epoch, ["csn", 9, 8, Number.MAX_SAFE_INTEGER]],
  },
  check: {
    frame: { kind: "check", epoch: 42, seq: 0xfffffffe },
    bytes: "08 000000000000002a fffffffe",
    fields: [["kind", 0, 1, 8], epoch, ["seq", 9, 4, 0xfffffffe]],
  },
  "check-reply": {
    frame: { kind: "check-reply", epoch: 42, seq: 3 },
    bytes: "09 000000000000002a 00000003",
    fields: [["kind", 0, 1, 9], epoch, ["seq", 9, 4, 3]],
  },
};

/** Checks that the fields follow one another from offset 0, fill `bytes` and hold their values. */
function readFields(t: { is(a: unknown, b: unknown, m?: string): void }, bytes: Buffer, fields: Field[]) {
  let next = 0;
  for (const [name, offset, size, value] of fields) {
    t.is(offset, next, `${name} follows the previous field`);
    const actual =
      typeof value === "string"
        ? bytes.subarray(offset, offset + size).toString("hex")
        : size === 8
          ? bytes.readUInt32BE(offset) * 2 ** 32 + bytes.readUInt32BE(offset + 4)
          : bytes.readUIntBE(offset, size);
    t.is(actual, value, name);
    next = offset + size;
  }
  t.is(next, bytes.length, "the fields fill the bytes");
}

for (const [name, g] of Object.entries(golden)) {
  const bytes = hex(g.bytes);

  test(`${name}: encodes to the golden bytes`, (t) => {
    t.is(encodeFrame(g.frame).toString("hex"), bytes.toString("hex"));
  });

  test(`${name}: every field of the golden bytes is at its documented offset`, (t) => {
    readFields(t, bytes, g.fields);
  });

  test(`${name}: the golden bytes decode to the frame`, (t) => {
    t.deepEqual(decodeFrame(bytes), g.frame);
  });
}

// ---- Records: the first records of one connection -----------------------------------------------------

const sm = new SyncSession({ role: "sm", node: 1, epoch: 42, keyring, nonce: SM_NONCE });
const standby = new SyncSession({ role: "standby", node: 2, epoch: 42, keyring, nonce: STANDBY_NONCE });
const smHello = sm.start();
const standbyHello = standby.start();
const smReady = sent(sm.receive(standbyHello));
sm.receive(sent(standby.receive(smHello)));
standby.receive(smReady);
const durable = golden.durable!.frame as Extract<SyncFrame, { kind: "durable" }>;
const standbyDurable = standby.send(durable);

function sent(events: SessionEvent[]): Buffer {
  const e = events[0];
  if (e?.type !== "send") throw new Error(`expected a send event, got ${JSON.stringify(events)}`);
  return e.bytes;
}

interface GoldenRecord {
  record: Buffer;
  seq: number;
  bytes: string;
  /** the tag context of docs/sync-wire.md: direction byte and nonces */
  context: Buffer;
  frame: string;
}

const records: Record<string, GoldenRecord> = {
  "sm hello": {
    record: smHello,
    seq: 0,
    bytes: "00000036 0000000000000000 07" + golden.hello!.bytes + "0e933f6de8b76faff92582b7e4f4273f",
    context: Buffer.concat([hex("01"), SM_NONCE]),
    frame: "hello",
  },
  "sm ready": {
    record: smReady,
    seq: 1,
    bytes: "00000022 0000000000000001 07" + golden.ready!.bytes + "0f1ad314bb19f68452733414603af145",
    context: Buffer.concat([hex("01"), SM_NONCE, STANDBY_NONCE]),
    frame: "ready",
  },
  "standby durable": {
    record: standbyDurable,
    seq: 2,
    bytes: "0000002e 0000000000000002 07" + golden.durable!.bytes + "c5bdb73b1827a8111bcb46d796904cd9",
    context: Buffer.concat([hex("02"), SM_NONCE, STANDBY_NONCE]),
    frame: "durable",
  },
};

for (const [name, r] of Object.entries(records)) {
  const bytes = hex(r.bytes);

  test(`${name} record: the sessions write the golden bytes`, (t) => {
    t.is(r.record.toString("hex"), bytes.toString("hex"));
  });

  test(`${name} record: fields at their documented offsets, tag as documented`, (t) => {
    const frame = hex(golden[r.frame]!.bytes);
    const signed = bytes.subarray(0, -16);
    const tag = createHmac("sha256", KEY).update(r.context).update(signed).digest().subarray(0, 16);
    readFields(t, bytes, [
      ["length", 0, 4, 25 + frame.length],
      ["seq", 4, 8, r.seq],
      ["key id", 12, 1, KEY_ID],
      ["frame", 13, frame.length, frame.toString("hex")],
      ["tag", 13 + frame.length, 16, tag.toString("hex")],
    ]);
  });
}

test("the SM's session takes the golden durable record", (t) => {
  t.deepEqual(sm.receive(hex(records["standby durable"]!.bytes)), [{ type: "frame", frame: durable }]);
});

/** The hex dumps of one "## Example ..." section of docs/sync-wire.md, by heading, checking their offsets. */
function dumps(t: { is(a: unknown, b: unknown, m?: string): void }, doc: string, section: string) {
  const from = doc.indexOf(`## ${section}`);
  const to = doc.indexOf("\n## ", from + 1);
  const out = new Map<string, string>();
  for (const [, name, block] of doc
    .slice(from, to < 0 ? undefined : to)
    .matchAll(/^### ([\w -]+)\n\n(?:[^`]*?\n\n)?```text\n([^`]*)```/gm)) {
    let bytes = "";
    for (const line of block!.split("\n")) {
      const m = /^\s*(\d+)\s{2}((?:[0-9a-f]{2} )*[0-9a-f]{2})(?:\s|$)/.exec(line);
      if (!m) continue;
      t.is(Number(m[1]), bytes.length / 2, `${name}: offset of "${line.trim()}"`);
      bytes += m[2]!.replaceAll(" ", "");
    }
    out.set(name!, bytes);
  }
  return out;
}

test("the hex dumps in docs/sync-wire.md are the golden frames and records", (t) => {
  const doc = readFileSync(new URL("../../../docs/sync-wire.md", import.meta.url), "utf8");
  const frames = dumps(t, doc, "Example frames");
  t.deepEqual([...frames.keys()], Object.keys(golden));
  for (const [name, g] of Object.entries(golden)) t.is(frames.get(name), hex(g.bytes).toString("hex"), name);
  const recs = dumps(t, doc, "Example records");
  t.deepEqual([...recs.keys()], Object.keys(records));
  for (const [name, r] of Object.entries(records)) t.is(recs.get(name), hex(r.bytes).toString("hex"), name);
});

// ---- What the decoder rejects, and what the encoder refuses --------------------------------------------

const E = "000000000000002a";
const rejections: [SyncDecodeReason, string, string][] = [
  ["truncated", "an empty buffer", ""],
  ["kind", "kind 0", `00 ${E}`],
  ["kind", "kind 10", `0a ${E}`],
  ["kind", "kind 255 alone", "ff"],
  ["truncated", "a kind byte alone", "02"],
  ["truncated", "hello of 28 bytes", `01 ${E} 01 01 0001 ${"00".repeat(15)}`],
  ["trailing", "hello of 30 bytes", `01 ${E} 01 01 0001 ${"00".repeat(17)}`],
  ["truncated", "ready of 8 bytes", `02 ${E.slice(2)}`],
  ["trailing", "ready of 10 bytes", `02 ${E} 00`],
  ["truncated", "changes of 8 bytes", `03 ${E.slice(2)}`],
  ["truncated", "lease of 24 bytes", `04 ${E} 00000007 0000000100000005 0001f4`],
  ["trailing", "lease of 26 bytes", `04 ${E} 00000007 0000000100000005 000001f4 00`],
  ["truncated", "durable of 20 bytes", `05 ${E} 0000000100000005 000007`],
  ["trailing", "durable of 22 bytes", `05 ${E} 0000000100000005 00000007 00`],
  ["truncated", "takeover-request of 11 bytes", `06 ${E} 0002`],
  ["trailing", "takeover-request of 13 bytes", `06 ${E} 0002 c8 00`],
  ["truncated", "release of 16 bytes", `07 ${E} 001fffffffffff`],
  ["trailing", "release of 18 bytes", `07 ${E} 001fffffffffffff 00`],
  ["truncated", "check of 12 bytes", `08 ${E} 000000`],
  ["trailing", "check-reply of 14 bytes", `09 ${E} 00000003 00`],
  ["field", "epoch 2^53", "02 0020000000000000"],
  ["field", "epoch 2^64 - 1", "02 ffffffffffffffff"],
  ["version", "hello version 0", `01 ${E} 00 01 0001 ${"00".repeat(16)}`],
  ["version", "hello version 2", `01 ${E} 02 01 0001 ${"00".repeat(16)}`],
  ["field", "hello role 0", `01 ${E} 01 00 0001 ${"00".repeat(16)}`],
  ["field", "hello role 3", `01 ${E} 01 03 0001 ${"00".repeat(16)}`],
  ["field", "hello node 0", `01 ${E} 01 02 0000 ${"00".repeat(16)}`],
  ["field", "lease headCsn 2^53", `04 ${E} 00000007 0020000000000000 000001f4`],
  ["field", "durable csn 2^53 + 2^32", `05 ${E} 0020000100000000 00000007`],
  ["field", "takeover-request node 0", `06 ${E} 0000 c8`],
  ["field", "release csn 2^64 - 1", `07 ${E} ffffffffffffffff`],
];

for (const [reason, what, bytes] of rejections) {
  test(`rejects as "${reason}": ${what}`, (t) => {
    const error = t.throws(() => decodeFrame(hex(bytes)), { instanceOf: SyncDecodeError });
    t.is(error.reason, reason);
  });
}

test("a changes frame with an empty payload decodes, and a payload runs to the frame's end", (t) => {
  t.deepEqual(decodeFrame(hex(`03 ${E}`)), { kind: "changes", epoch: 42, payload: Buffer.alloc(0) });
  t.deepEqual(decodeFrame(hex(`03 ${E} 00ff`)), { kind: "changes", epoch: 42, payload: hex("00ff") });
});

const refused: [string, SyncFrame][] = [
  ["epoch -1", { kind: "ready", epoch: -1 }],
  ["epoch 1.5", { kind: "ready", epoch: 1.5 }],
  ["epoch 2^53", { kind: "ready", epoch: 2 ** 53 }],
  ["epoch NaN", { kind: "ready", epoch: NaN }],
  ["hello node 0", { kind: "hello", epoch: 1, node: 0, nonce: SM_NONCE, role: "sm" }],
  ["hello node 65536", { kind: "hello", epoch: 1, node: 65536, nonce: SM_NONCE, role: "sm" }],
  ["hello nonce of 15 bytes", { kind: "hello", epoch: 1, node: 1, nonce: SM_NONCE.subarray(1), role: "sm" }],
  ["lease seq 2^32", { kind: "lease", epoch: 1, seq: 2 ** 32, headCsn: 0, validMs: 0 }],
  ["lease validMs -1", { kind: "lease", epoch: 1, seq: 0, headCsn: 0, validMs: -1 }],
  ["lease headCsn 2^53", { kind: "lease", epoch: 1, seq: 0, headCsn: 2 ** 53, validMs: 0 }],
  ["durable leaseSeq 2^32", { kind: "durable", epoch: 1, csn: 0, leaseSeq: 2 ** 32 }],
  ["durable csn 0.5", { kind: "durable", epoch: 1, csn: 0.5, leaseSeq: 0 }],
  ["takeover-request priority 256", { kind: "takeover-request", epoch: 1, node: 2, priority: 256 }],
  ["takeover-request node 0", { kind: "takeover-request", epoch: 1, node: 0, priority: 1 }],
  ["release csn -1", { kind: "release", epoch: 1, csn: -1 }],
  ["check seq 2^32", { kind: "check", epoch: 1, seq: 2 ** 32 }],
];

for (const [what, frame] of refused) {
  test(`the encoder refuses ${what} with a RangeError`, (t) => {
    t.throws(() => encodeFrame(frame), { instanceOf: RangeError });
  });
}
