// Golden-byte tests pinning the RMTP wire format of docs/rmtp-wire.md: one fixed frame of every type encodes
// to the bytes written out below field by field, which are also the document's hex dumps; every field reads
// back at its documented offset, the tag is HMAC-SHA256 over header and body truncated to 16 bytes, and the
// bytes decode to the frame again. Then correctly signed frames for every reason the decoder rejects bytes.
import test from "ava";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { decodeFrame, type RejectReason } from "../src/rmtp/codec/decode.js";
import { encodeFrame } from "../src/rmtp/codec/encode.js";
import { FrameType, Role, type Frame } from "../src/rmtp/codec/frames.js";
import { Keyring } from "../src/rmtp/codec/keyring.js";

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i);
const KEY_ID = 7;
const keyring = new Keyring([{ id: KEY_ID, secret: KEY }], KEY_ID);

/** The tag as docs/rmtp-wire.md defines it, computed without the codec's keyring. */
function tag(signed: Buffer, key: Uint8Array = KEY): Buffer {
  return createHmac("sha256", key).update(signed).digest().subarray(0, 16);
}

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");

const header = { epoch: 42, source: 0x0a000005, incarnation: 3 };
const stream = { streamSource: 0x0a000006, streamIncarnation: 2 };

/** A body field: name, offset from the body start, size in bytes, value (an integer, or bytes in hex). */
type Field = [string, number, number, number | string];

interface Golden {
  frame: Frame;
  packetNumber: number;
  /** The whole frame: header, body and tag, written field by field. */
  bytes: string;
  body: Field[];
}

const golden: Record<string, Golden> = {
  DATA: {
    frame: {
      ...header,
      type: FrameType.Data,
      flags: 0x07,
      seq: 2 ** 32 + 1,
      messageId: 9,
      messageBytes: 5,
      ackedThrough: 2 ** 32,
      payload: Buffer.from("hello"),
    },
    packetNumber: 0x010203040506,
    bytes:
      "524d 01 01 07 07 0019 0000002a 0a000005 00000003 010203040506" +
      "000100000001 00000009 00000005 000100000000 68656c6c6f" +
      "223d45b5005c6bcbf66bfb443840a7c3",
    body: [
      ["seq", 0, 6, 2 ** 32 + 1],
      ["messageId", 6, 4, 9],
      ["messageBytes", 10, 4, 5],
      ["ackedThrough", 14, 6, 2 ** 32],
      ["payload", 20, 5, "68656c6c6f"],
    ],
  },
  ABORT: {
    frame: { ...header, type: FrameType.Abort, seq: 7, messageId: 9, ackedThrough: 6 },
    packetNumber: 0x20,
    bytes:
      "524d 01 02 00 07 0010 0000002a 0a000005 00000003 000000000020" +
      "000000000007 00000009 000000000006" +
      "e55cd8e40a9df136cc67142666a037f9",
    body: [
      ["seq", 0, 6, 7],
      ["messageId", 6, 4, 9],
      ["ackedThrough", 10, 6, 6],
    ],
  },
  ACK: {
    frame: { ...header, type: FrameType.Ack, ...stream, cumulative: 4096 },
    packetNumber: 0x30,
    bytes:
      "524d 01 03 00 07 000e 0000002a 0a000005 00000003 000000000030" +
      "0a000006 00000002 000000001000" +
      "ed0dbbacba567540775b8bb807712b57",
    body: [
      ["streamSource", 0, 4, 0x0a000006],
      ["streamIncarnation", 4, 4, 2],
      ["cumulative", 8, 6, 4096],
    ],
  },
  NAK: {
    frame: {
      ...header,
      type: FrameType.Nak,
      ...stream,
      ranges: [
        { start: 5, count: 2 },
        { start: 2 ** 32, count: 256 },
      ],
    },
    packetNumber: 0x40,
    bytes:
      "524d 01 04 00 07 0019 0000002a 0a000005 00000003 000000000040" +
      "0a000006 00000002 02 000000000005 0002 000100000000 0100" +
      "b5038a0fe1971699f2f23b950db120a8",
    body: [
      ["streamSource", 0, 4, 0x0a000006],
      ["streamIncarnation", 4, 4, 2],
      ["rangeCount", 8, 1, 2],
      ["ranges[0].start", 9, 6, 5],
      ["ranges[0].count", 15, 2, 2],
      ["ranges[1].start", 17, 6, 2 ** 32],
      ["ranges[1].count", 23, 2, 256],
    ],
  },
  GRANT: {
    frame: { ...header, type: FrameType.Grant, ...stream, ackedThrough: 100, grantThrough: 164, window: 64 },
    packetNumber: 0x50,
    bytes:
      "524d 01 05 00 07 0016 0000002a 0a000005 00000003 000000000050" +
      "0a000006 00000002 000000000064 0000000000a4 0040" +
      "6c528f1aeb3f6e0dccf0d5b2b9ea653b",
    body: [
      ["streamSource", 0, 4, 0x0a000006],
      ["streamIncarnation", 4, 4, 2],
      ["ackedThrough", 8, 6, 100],
      ["grantThrough", 14, 6, 164],
      ["window", 20, 2, 64],
    ],
  },
  HELLO: {
    frame: { ...header, type: FrameType.Hello, role: Role.Se, name: "se-ä" },
    packetNumber: 0x60,
    bytes:
      "524d 01 06 00 07 0007 0000002a 0a000005 00000003 000000000060" +
      "03 05 73652dc3a4" +
      "2a8852d2b5dba7ee4d954aae94edc50b",
    body: [
      ["role", 0, 1, 3],
      ["nameLength", 1, 1, 5],
      ["name", 2, 5, "73652dc3a4"],
    ],
  },
  ANNOUNCE: {
    frame: {
      ...header,
      type: FrameType.Announce,
      membershipVersion: 3,
      members: [
        { id: 0x0a000005, incarnation: 3 },
        { id: 0x0a000006, incarnation: 2 },
      ],
    },
    packetNumber: 0x70,
    bytes:
      "524d 01 07 00 07 0016 0000002a 0a000005 00000003 000000000070" +
      "00000003 0002 0a000005 00000003 0a000006 00000002" +
      "dd18f8f8fb68623da917b286fe57e00f",
    body: [
      ["membershipVersion", 0, 4, 3],
      ["memberCount", 4, 2, 2],
      ["members[0].id", 6, 4, 0x0a000005],
      ["members[0].incarnation", 10, 4, 3],
      ["members[1].id", 14, 4, 0x0a000006],
      ["members[1].incarnation", 18, 4, 2],
    ],
  },
  LEAVE: {
    frame: { ...header, type: FrameType.Leave },
    packetNumber: 0x80,
    bytes:
      "524d 01 08 00 07 0000 0000002a 0a000005 00000003 000000000080" + "7c16cde1200d42a7fd43542d266845a7",
    body: [],
  },
};

for (const [name, g] of Object.entries(golden)) {
  const bytes = hex(g.bytes);

  test(`${name}: encodes to the golden bytes`, (t) => {
    t.is(encodeFrame(g.frame, g.packetNumber, keyring).toString("hex"), bytes.toString("hex"));
  });

  test(`${name}: every field of the golden bytes is at its documented offset`, (t) => {
    const bodyLength = bytes.length - 26 - 16;
    const headerFields: Field[] = [
      ["magic", 0, 2, 0x524d],
      ["version", 2, 1, 1],
      ["type", 3, 1, g.frame.type],
      ["flags", 4, 1, g.frame.type === FrameType.Data ? g.frame.flags : 0],
      ["keyId", 5, 1, KEY_ID],
      ["bodyLength", 6, 2, bodyLength],
      ["epoch", 8, 4, 42],
      ["source", 12, 4, 0x0a000005],
      ["incarnation", 16, 4, 3],
      ["packetNumber", 20, 6, g.packetNumber],
    ];
    const bodyFields = g.body.map(([f, offset, size, value]): Field => [f, 26 + offset, size, value]);
    let next = 0;
    for (const [f, offset, size, value] of [...headerFields, ...bodyFields]) {
      t.is(offset, next, `${f} follows the previous field`);
      const actual =
        typeof value === "number"
          ? bytes.readUIntBE(offset, size)
          : bytes.subarray(offset, offset + size).toString("hex");
      t.is(actual, value, f);
      next = offset + size;
    }
    t.is(next, 26 + bodyLength, "the body fields fill the body");
    t.deepEqual(bytes.subarray(next), tag(bytes.subarray(0, next)), "tag");
  });

  test(`${name}: the golden bytes and the encoded frame decode to the frame`, (t) => {
    const expected = { ok: true, frame: g.frame, packetNumber: g.packetNumber, keyId: KEY_ID };
    t.deepEqual(decodeFrame(bytes, keyring), expected);
    t.deepEqual(decodeFrame(encodeFrame(g.frame, g.packetNumber, keyring), keyring), expected);
  });

  test(`${name}: every single flipped bit is rejected, after the length as "auth"`, (t) => {
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = Buffer.from(bytes);
      flipped[bit >> 3]! ^= 0x80 >> (bit & 7);
      const r = decodeFrame(flipped, keyring);
      t.false(r.ok, `bit ${bit}`);
      if (bit >> 3 === 4 || bit >> 3 >= 8) t.like(r, { ok: false, reason: "auth" }, `bit ${bit}`);
    }
  });
}

test("the hex dumps in docs/rmtp-wire.md are the golden bytes at the offsets they show", (t) => {
  const doc = readFileSync(new URL("../../../docs/rmtp-wire.md", import.meta.url), "utf8");
  const dumps = new Map<string, string>();
  for (const [, name, block] of doc
    .slice(doc.indexOf("## Example frames"))
    .matchAll(/^### (\w+)\n\n```text\n([^`]*)```/gm)) {
    let bytes = "";
    for (const line of block!.split("\n")) {
      const m = /^\s*(\d+)\s+(\d+|-)\s{2}((?:[0-9a-f]{2} )*[0-9a-f]{2})\s/.exec(line);
      if (!m) continue;
      const offset = Number(m[1]);
      t.is(offset, bytes.length / 2, `${name}: frame offset of "${line.trim()}"`);
      if (m[2] !== "-") t.is(Number(m[2]), offset - 26, `${name}: body offset of "${line.trim()}"`);
      bytes += m[3]!.replaceAll(" ", "");
    }
    dumps.set(name!, bytes);
  }
  t.deepEqual([...dumps.keys()], Object.keys(golden));
  for (const [name, g] of Object.entries(golden)) t.is(dumps.get(name), hex(g.bytes).toString("hex"), name);
});

/** A correctly signed frame: the golden header with the given type, flags and key id, then `body` (hex). */
function signed(type: number, flags: number, body: string, keyId = KEY_ID): Buffer {
  const b = hex(body);
  const head = hex("524d 01 00 00 00 0000 0000002a 0a000005 00000003 000000000099");
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt8(keyId, 5);
  head.writeUInt16BE(b.length, 6);
  const unsigned = Buffer.concat([head, b]);
  return Buffer.concat([unsigned, tag(unsigned)]);
}

test("the golden bodies signed by the rejection tests' helper are accepted", (t) => {
  for (const [name, g] of Object.entries(golden)) {
    const body = hex(g.bytes).subarray(26, -16).toString("hex");
    const flags = g.frame.type === FrameType.Data ? g.frame.flags : 0;
    t.like(decodeFrame(signed(g.frame.type, flags, body), keyring), { ok: true, frame: g.frame }, name);
  }
});

const data = hex(golden.DATA!.bytes);
const leave = hex(golden.LEAVE!.bytes);
const nakStream = "0a000006 00000002";
const range = "000000000005 0002";

const rejections: [RejectReason, string, Buffer][] = [
  ["truncated", "an empty buffer", Buffer.alloc(0)],
  ["truncated", "41 bytes, less than header and tag", leave.subarray(0, 41)],
  ["truncated", "one byte less than the body length says", data.subarray(0, -1)],
  ["magic", "magic 0x534d", Buffer.concat([hex("53"), data.subarray(1)])],
  ["magic", "magic 0x524e", Buffer.concat([hex("524e"), data.subarray(2)])],
  ["version", "version 0", Buffer.concat([data.subarray(0, 2), hex("00"), data.subarray(3)])],
  ["version", "version 2", Buffer.concat([data.subarray(0, 2), hex("02"), data.subarray(3)])],
  ["type", "type 0", signed(0, 0, "")],
  ["type", "type 9", signed(9, 0, "")],
  ["type", "type 255", signed(255, 0, "")],
  ["length", "one byte more than the body length says", Buffer.concat([data, hex("00")])],
  ["unknown-key", "key id 8, not in the keyring", signed(FrameType.Leave, 0, "", 8)],
  ["auth", "a tag of zeros", Buffer.concat([leave.subarray(0, -16), Buffer.alloc(16)])],
  [
    "auth",
    "a tag made with another key under the same key id",
    Buffer.concat([
      leave.subarray(0, -16),
      tag(
        leave.subarray(0, -16),
        KEY.map((b) => b ^ 1),
      ),
    ]),
  ],
  [
    "auth",
    "a malformed body (NAK with 0 ranges) with a wrong tag",
    flipLastBit(signed(FrameType.Nak, 0, `${nakStream} 00`)),
  ],
  ["malformed", "DATA with reserved flag bit 0x10", signed(FrameType.Data, 0x10, "00".repeat(20))],
  ["malformed", "DATA with reserved flag bit 0x80", signed(FrameType.Data, 0x81, "00".repeat(20))],
  ["malformed", "ACK with flags 0x01", signed(FrameType.Ack, 0x01, `${nakStream} 000000001000`)],
  ["malformed", "DATA body of 19 bytes", signed(FrameType.Data, 0, "00".repeat(19))],
  [
    "malformed",
    "DATA payload of 5 bytes, messageBytes 4",
    signed(FrameType.Data, 0, "000000000001 00000009 00000004 000000000000 68656c6c6f"),
  ],
  ["malformed", "ABORT body of 15 bytes", signed(FrameType.Abort, 0, "00".repeat(15))],
  ["malformed", "ABORT body of 17 bytes", signed(FrameType.Abort, 0, "00".repeat(17))],
  ["malformed", "ACK body of 15 bytes", signed(FrameType.Ack, 0, "00".repeat(15))],
  ["malformed", "NAK body of 8 bytes", signed(FrameType.Nak, 0, nakStream)],
  ["malformed", "NAK with 0 ranges", signed(FrameType.Nak, 0, `${nakStream} 00`)],
  ["malformed", "NAK with 65 ranges", signed(FrameType.Nak, 0, `${nakStream} 41 ${range.repeat(65)}`)],
  ["malformed", "NAK with range count 2 and one range", signed(FrameType.Nak, 0, `${nakStream} 02 ${range}`)],
  [
    "malformed",
    "NAK with range count 1 and two ranges",
    signed(FrameType.Nak, 0, `${nakStream} 01 ${range} ${range}`),
  ],
  ["malformed", "NAK range starting at 0", signed(FrameType.Nak, 0, `${nakStream} 01 000000000000 0002`)],
  ["malformed", "NAK range of 0 frames", signed(FrameType.Nak, 0, `${nakStream} 01 000000000005 0000`)],
  ["malformed", "GRANT body of 21 bytes", signed(FrameType.Grant, 0, "00".repeat(21))],
  [
    "malformed",
    "GRANT with grantThrough below ackedThrough",
    signed(FrameType.Grant, 0, `${nakStream} 000000000064 000000000063 0040`),
  ],
  ["malformed", "HELLO body of 2 bytes", signed(FrameType.Hello, 0, "03 00")],
  ["malformed", "HELLO with role 0", signed(FrameType.Hello, 0, "00 01 61")],
  ["malformed", "HELLO with role 5", signed(FrameType.Hello, 0, "05 01 61")],
  ["malformed", "HELLO with a name of 33 bytes", signed(FrameType.Hello, 0, `03 21 ${"61".repeat(33)}`)],
  ["malformed", "HELLO with name length 2 and 3 name bytes", signed(FrameType.Hello, 0, "03 02 616263")],
  ["malformed", "HELLO with name length 4 and 3 name bytes", signed(FrameType.Hello, 0, "03 04 616263")],
  ["malformed", "HELLO name with byte 0xff (invalid UTF-8)", signed(FrameType.Hello, 0, "03 01 ff")],
  ["malformed", "HELLO name with a lone continuation byte", signed(FrameType.Hello, 0, "03 02 6180")],
  ["malformed", "HELLO name with an overlong encoding of '/'", signed(FrameType.Hello, 0, "03 02 c0af")],
  ["malformed", "HELLO name with an encoded UTF-16 surrogate", signed(FrameType.Hello, 0, "03 03 eda080")],
  [
    "malformed",
    "HELLO name with a cut 4-byte sequence and 'A'",
    signed(FrameType.Hello, 0, "03 04 f09f9841"),
  ],
  ["malformed", "HELLO name with only a cut 4-byte sequence", signed(FrameType.Hello, 0, "03 03 f09f98")],
  ["malformed", "ANNOUNCE body of 5 bytes", signed(FrameType.Announce, 0, "00000003 00")],
  [
    "malformed",
    "ANNOUNCE with member count 3 and two members",
    signed(FrameType.Announce, 0, "00000003 0003 0a000005 00000003 0a000006 00000002"),
  ],
  ["malformed", "LEAVE body of 1 byte", signed(FrameType.Leave, 0, "00")],
];

function flipLastBit(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  out[out.length - 1]! ^= 1;
  return out;
}

for (const [reason, what, bytes] of rejections) {
  test(`rejects as "${reason}": ${what}`, (t) => {
    t.deepEqual(decodeFrame(bytes, keyring), { ok: false, reason });
  });
}
