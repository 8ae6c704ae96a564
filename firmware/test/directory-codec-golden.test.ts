// Golden-byte tests pinning the directory wire format of docs/directory-wire.md. First the LDAP operations
// against the real tools: Debian's ldapadd, ldapmodify and ldapdelete send their requests to a tiny TCP
// listener here that answers the bind and every request with success; each captured PDU decodes to the
// operation the LDIF describes, and encodeOp gives back exactly those bytes. Then the BER primitives, one
// fixed message of every kind (encoded bytes, fields at their documented offsets, the document's hex dumps),
// and hand-made bytes for every reason the decoder rejects a message.
import test from "ava";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BerReader, BerWriter, MAX_INT, Tag } from "../src/directory/codec/ber.js";
import { DecodeError, type DecodeReason } from "../src/directory/codec/decode-error.js";
import { decodeOp, encodeOp } from "../src/directory/codec/ldap-ops.js";
import { decodeMessage, encodeMessage, type DirectoryMessage } from "../src/directory/codec/messages.js";
import type { ChangeOp, Entry } from "../src/directory/model/types.js";

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");

// ---- The real LDAP tools -------------------------------------------------------------------------------

const suffix = "dc=lan1,dc=iss,dc=example";
const content = (id: string) => `issContentId=${id},ou=content,${suffix}`;
const engine = (cn: string) => `cn=${cn},ou=engines,${suffix}`;
const longValue = (n: number) => "abcdefghij".repeat(n / 10);
const german = "Schulungsvideos für die Technik – Übersicht";

/** What ldapadd sends for addLdif, in order. */
const addOps: ChangeOp[] = [
  {
    type: "add",
    dn: content("http://www.lan1.example/"),
    attributes: {
      objectClass: ["issContentLocation"],
      issContentId: ["http://www.lan1.example/"],
      issContentServer: [engine("se-http1"), engine("se-http2")],
      issServerKind: ["http"],
      issContentState: ["active"],
      issContentSize: ["734003200"],
      issLastSeen: ["20261125040512Z"],
    },
  },
  {
    type: "add",
    dn: content("rtsp://stream.lan1.example/live/news"),
    attributes: {
      objectClass: ["issContentLocation"],
      issContentId: ["rtsp://stream.lan1.example/live/news"],
      issContentServer: [engine("se-stream1")],
      issServerKind: ["stream"],
      issContentState: ["active"],
      "description;lang-de": [german],
      description: [longValue(200), longValue(300), longValue(70_000)],
    },
  },
];

const addLdif = `
dn: ${content("http://www.lan1.example/")}
objectClass: issContentLocation
issContentId: http://www.lan1.example/
issContentServer: ${engine("se-http1")}
issContentServer: ${engine("se-http2")}
issServerKind: http
issContentState: active
issContentSize: 734003200
issLastSeen: 20261125040512Z

dn: ${content("rtsp://stream.lan1.example/live/news")}
objectClass: issContentLocation
issContentId: rtsp://stream.lan1.example/live/news
issContentServer: ${engine("se-stream1")}
issServerKind: stream
issContentState: active
description;lang-de:: ${Buffer.from(german).toString("base64")}
description: ${longValue(200)}
description: ${longValue(300)}
description: ${longValue(70_000)}
`;

/** What ldapmodify sends for modifyLdif: MODIFY ADD/REPLACE/DELETE, an LDIF delete and an LDIF add. */
const modifyOps: ChangeOp[] = [
  {
    type: "modify",
    dn: content("http://www.lan1.example/"),
    modifications: [
      { operation: "add", attribute: "issContentServer", values: [engine("se-cache1")] },
      { operation: "replace", attribute: "issContentState", values: ["stale"] },
      { operation: "delete", attribute: "issContentServer", values: [engine("se-http2")] },
      { operation: "delete", attribute: "issLastSeen", values: [] },
      { operation: "replace", attribute: "description", values: [] },
      { operation: "replace", attribute: "issContentSize", values: ["1", "2"] },
    ],
  },
  { type: "delete", dn: content("http://intranet.lan1.example/hr/") },
  {
    type: "add",
    dn: engine("se-cache3"),
    attributes: {
      objectClass: ["issServiceEngine"],
      cn: ["se-cache3"],
      issAddress: ["10.77.1.33"],
      issServerKind: ["cache"],
      issCapacity: ["1000204886016"],
    },
  },
];

const modifyLdif = `
dn: ${content("http://www.lan1.example/")}
changetype: modify
add: issContentServer
issContentServer: ${engine("se-cache1")}
-
replace: issContentState
issContentState: stale
-
delete: issContentServer
issContentServer: ${engine("se-http2")}
-
delete: issLastSeen
-
replace: description
-
replace: issContentSize
issContentSize: 1
issContentSize: 2
-

dn: ${content("http://intranet.lan1.example/hr/")}
changetype: delete

dn: ${engine("se-cache3")}
changetype: add
objectClass: issServiceEngine
cn: se-cache3
issAddress: 10.77.1.33
issServerKind: cache
issCapacity: 1000204886016
`;

const deleteDns = [content("rtsp://stream.lan1.example/live/news"), engine("se-cache3")];
const deleteOps: ChangeOp[] = deleteDns.map((dn) => ({ type: "delete", dn }));

/** The response tag for each request tag the listener answers: bind, modify, add, delete. */
const responseTag: Record<number, number> = { 0x60: 0x61, 0x66: 0x67, 0x68: 0x69, 0x4a: 0x6b };

/** The length of the first BER element of `buf`, or undefined while it is incomplete (test-side framing). */
function elementLength(buf: Buffer): number | undefined {
  if (buf.length < 2) return undefined;
  const first = buf[1]!;
  if (first < 0x80) return 2 + first <= buf.length ? 2 + first : undefined;
  const n = first & 0x7f;
  if (buf.length < 2 + n) return undefined;
  const total = 2 + n + buf.readUIntBE(2, n);
  return total <= buf.length ? total : undefined;
}

/** Answers the LDAPMessage `pdu` with success (resultCode 0, empty matchedDN and diagnosticMessage). */
function answer(socket: Socket, pdu: Buffer, captured: Buffer[]): void {
  const lengthBytes = pdu[1]! < 0x80 ? 0 : pdu[1]! & 0x7f;
  const idStart = 2 + lengthBytes;
  const id = pdu.subarray(idStart, idStart + 2 + pdu[idStart + 1]!);
  const opTag = pdu[idStart + id.length]!;
  if (opTag !== 0x60 && opTag !== 0x42) captured.push(Buffer.from(pdu));
  const response = responseTag[opTag];
  if (response === undefined) return;
  const body = Buffer.concat([id, Buffer.from([response, 7, 0x0a, 1, 0, 0x04, 0, 0x04, 0])]);
  socket.write(Buffer.concat([Buffer.from([0x30, body.length]), body]));
}

/** Runs an ldap-utils tool against a listener that records every PDU after the bind (but not the unbind). */
async function capture(tool: string, args: string[]): Promise<Buffer[]> {
  const captured: Buffer[] = [];
  const server: Server = createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on("error", () => undefined);
    socket.on("data", (data) => {
      pending = Buffer.concat([pending, data]);
      for (let n = elementLength(pending); n !== undefined; n = elementLength(pending)) {
        answer(socket, pending.subarray(0, n), captured);
        pending = pending.subarray(n);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  try {
    const base = ["-x", "-H", `ldap://127.0.0.1:${port}`, "-D", `cn=admin,${suffix}`, "-w", "secret"];
    await new Promise<void>((resolve, reject) => {
      execFile(tool, [...base, ...args], { timeout: 20_000 }, (err, _stdout, stderr) =>
        err ? reject(new Error(`${tool} failed: ${err.message} ${stderr}`)) : resolve(),
      );
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return captured;
}

const dir = mkdtempSync(join(tmpdir(), "iss-dircodec-"));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

function ldifFile(name: string, ldif: string): string {
  const file = join(dir, name);
  writeFileSync(file, ldif);
  return file;
}

const toolCases: [string, () => Promise<Buffer[]>, ChangeOp[]][] = [
  ["ldapadd", () => capture("ldapadd", ["-f", ldifFile("add.ldif", addLdif)]), addOps],
  ["ldapmodify", () => capture("ldapmodify", ["-f", ldifFile("modify.ldif", modifyLdif)]), modifyOps],
  ["ldapdelete", () => capture("ldapdelete", deleteDns), deleteOps],
];

for (const [tool, run, expected] of toolCases) {
  test(`${tool}: every PDU it sends decodes to the LDIF's operation and encodeOp gives the same bytes`, async (t) => {
    const pdus = await run();
    t.is(pdus.length, expected.length, "one PDU per operation");
    pdus.forEach((pdu, i) => {
      const { messageId, op } = decodeOp(pdu);
      t.deepEqual(op, expected[i], `operation ${i}`);
      t.is(messageId, i + 2, `operation ${i}: the tool's messageID (1 was the bind)`);
      t.is(encodeOp(messageId, expected[i]!).toString("hex"), pdu.toString("hex"), `operation ${i}`);
    });
  });
}

test("ldapadd's PDU of 70 kB uses a 3-byte length, as encodeOp does", async (t) => {
  const [, big] = await capture("ldapadd", ["-f", ldifFile("add-big.ldif", addLdif)]);
  t.is(big?.[1], 0x83);
  t.is(encodeOp(3, addOps[1]!)[1], 0x83);
});

// ---- BER primitives ------------------------------------------------------------------------------------

function written(write: (w: BerWriter) => void): string {
  const w = new BerWriter(4);
  write(w);
  return w.finish().toString("hex");
}

const integers: [number, string][] = [
  [0, "020100"],
  [127, "02017f"],
  [128, "02020080"],
  [255, "020200ff"],
  [256, "02020100"],
  [32767, "02027fff"],
  [32768, "0203008000"],
  [2 ** 23, "020400800000"],
  [MAX_INT, "02047fffffff"],
];

for (const [value, bytes] of integers) {
  test(`INTEGER ${value} is ${bytes} and reads back`, (t) => {
    t.is(
      written((w) => w.integer(Tag.Integer, value)),
      bytes,
    );
    t.is(new BerReader(hex(bytes)).integer(Tag.Integer, "n"), value);
  });
}

const lengths: [number, string][] = [
  [0, "0400"],
  [127, "047f"],
  [128, "048180"],
  [255, "0481ff"],
  [256, "04820100"],
  [65535, "0482ffff"],
  [65536, "0483010000"],
  [2 ** 24, "048401000000"],
];

for (const [length, head] of lengths) {
  test(`an OCTET STRING of ${length} bytes has the length octets ${head.slice(2)} and reads back`, (t) => {
    const value = "x".repeat(length);
    const bytes = written((w) => w.utf8(Tag.OctetString, value));
    t.is(bytes.slice(0, head.length), head);
    t.is(bytes.length, head.length + 2 * length);
    t.is(new BerReader(Buffer.from(bytes, "hex")).utf8(Tag.OctetString, "s"), value);
  });
}

test("nested elements get the fewest length bytes at every level", (t) => {
  const bytes = written((w) => {
    w.start(Tag.Sequence);
    w.start(Tag.Set);
    w.utf8(Tag.OctetString, "y".repeat(200));
    w.end();
    w.integer(Tag.Enumerated, 2);
    w.end();
  });
  t.is(bytes.slice(0, 18), "3081d13181cb0481c8");
  t.is(bytes.slice(-6), "0a0102");
});

test("BOOLEAN is 0x00 or 0xff and reads back", (t) => {
  t.is(
    written((w) => w.boolean(Tag.Boolean, true)),
    "0101ff",
  );
  t.is(
    written((w) => w.boolean(Tag.Boolean, false)),
    "010100",
  );
  t.true(new BerReader(hex("0101ff")).boolean(Tag.Boolean, "b"));
  t.false(new BerReader(hex("010100")).boolean(Tag.Boolean, "b"));
});

test("fixed-width fields are big-endian; 8-byte ones hold up to 2^53 - 1", (t) => {
  const bytes = written((w) => {
    w.uint(0xab, 1);
    w.uint(0xabcd, 2);
    w.uint(0xdeadbeef, 4);
    w.uint53(Number.MAX_SAFE_INTEGER);
  });
  t.is(bytes, "ab" + "abcd" + "deadbeef" + "001fffffffffffff");
  const r = new BerReader(Buffer.from(bytes, "hex"));
  t.deepEqual(
    [r.uint(1, "a"), r.uint(2, "b"), r.uint(4, "c"), r.uint53("d")],
    [0xab, 0xabcd, 0xdeadbeef, Number.MAX_SAFE_INTEGER],
  );
  t.true(r.atEnd());
});

test("the writer refuses values that do not fit", (t) => {
  const w = new BerWriter();
  for (const n of [-1, MAX_INT + 1, 1.5, NaN])
    t.throws(() => w.integer(Tag.Integer, n), { instanceOf: RangeError });
  t.throws(() => w.uint(256, 1), { instanceOf: RangeError });
  t.throws(() => w.uint(2 ** 32, 4), { instanceOf: RangeError });
  t.throws(() => w.uint53(2 ** 53), { instanceOf: RangeError });
  t.throws(() => w.utf8(Tag.OctetString, "lone \ud800 surrogate"), { instanceOf: RangeError });
  t.notThrows(() => w.utf8(Tag.OctetString, "a pair \ud83d\ude00"));
});

const berRejections: [DecodeReason, string, string, (r: BerReader) => unknown][] = [
  ["ber", "an indefinite length", "3080 0000", (r) => r.enter(Tag.Sequence, "s")],
  ["ber", "a long-form length below 128", "04 8105 6162636465", (r) => r.utf8(Tag.OctetString, "s")],
  [
    "ber",
    "a length with a leading zero byte",
    "04 820080" + "61".repeat(128),
    (r) => r.utf8(Tag.OctetString, "s"),
  ],
  ["ber", "a 5-byte length", "04 850000000001 61", (r) => r.utf8(Tag.OctetString, "s")],
  ["ber", "a high tag number", "1f01 00", (r) => r.enter(Tag.Sequence, "s")],
  ["ber", "an INTEGER with a leading zero byte", "0202 0005", (r) => r.integer(Tag.Integer, "n")],
  ["ber", "an INTEGER of 0 bytes", "0200", (r) => r.integer(Tag.Integer, "n")],
  ["ber", "an INTEGER of 5 bytes", "0205 0080000000", (r) => r.integer(Tag.Integer, "n")],
  ["field", "a negative INTEGER", "0201 ff", (r) => r.integer(Tag.Integer, "n")],
  ["ber", "a BOOLEAN of 0x01", "0101 01", (r) => r.boolean(Tag.Boolean, "b")],
  ["ber", "a BOOLEAN of 2 bytes", "0102 ffff", (r) => r.boolean(Tag.Boolean, "b")],
  ["tag", "a SET where a SEQUENCE belongs", "3100", (r) => r.enter(Tag.Sequence, "s")],
  ["truncated", "a length beyond the buffer", "04 05 6162", (r) => r.utf8(Tag.OctetString, "s")],
  ["truncated", "a length of 2^32 - 1", "04 84ffffffff 61", (r) => r.utf8(Tag.OctetString, "s")],
  ["truncated", "an element longer than its enclosing one", "3003 0405 616263", (r) => readInner(r)],
  ["truncated", "a tag without a length", "04", (r) => r.utf8(Tag.OctetString, "s")],
  ["trailing", "an element with a byte left in it", "3004 0401 61 00", (r) => readInner(r)],
  ["utf8", "a string with byte 0xff", "0401 ff", (r) => r.utf8(Tag.OctetString, "s")],
  ["utf8", "a string with a lone continuation byte", "0402 6180", (r) => r.utf8(Tag.OctetString, "s")],
  ["utf8", "an overlong encoding of '/'", "0402 c0af", (r) => r.utf8(Tag.OctetString, "s")],
  ["utf8", "an encoded UTF-16 surrogate", "0403 eda080", (r) => r.utf8(Tag.OctetString, "s")],
  ["utf8", "a cut 4-byte sequence and 'A'", "0404 f09f9841", (r) => r.utf8(Tag.OctetString, "s")],
  ["utf8", "U+FFFD next to a bad byte", "0404 efbfbdff", (r) => r.utf8(Tag.OctetString, "s")],
  ["field", "an 8-byte field of 2^53", "0020000000000000", (r) => r.uint53("n")],
  ["truncated", "a 4-byte field of 3 bytes", "000000", (r) => r.uint(4, "n")],
];

function readInner(r: BerReader): string {
  r.enter(Tag.Sequence, "outer");
  const s = r.utf8(Tag.OctetString, "inner");
  r.leave("outer");
  return s;
}

for (const [reason, what, bytes, read] of berRejections) {
  test(`BER reader rejects as "${reason}": ${what}`, (t) => {
    t.throws(() => read(new BerReader(hex(bytes))), {
      instanceOf: DecodeError,
      message: new RegExp(`^${reason}: `),
    });
  });
}

test("BER reader accepts a string holding U+FFFD itself", (t) => {
  t.is(new BerReader(hex("0403 efbfbd")).utf8(Tag.OctetString, "s"), "\ufffd");
});

test("the BER reader's depth limit stops nesting beyond it", (t) => {
  /** `depth` empty SEQUENCEs, each inside the one before. */
  const chain = (depth: number) => {
    let bytes = Buffer.alloc(0);
    for (let i = 0; i < depth; i++) bytes = Buffer.concat([Buffer.from([0x30, bytes.length]), bytes]);
    return bytes;
  };
  const enterAll = (bytes: Buffer, limit: number) => {
    const r = new BerReader(bytes, limit);
    let depth = 0;
    while (r.peekTag() === Tag.Sequence) r.enter(Tag.Sequence, `level ${depth++}`);
    return depth;
  };
  t.is(enterAll(chain(4), 4), 4);
  t.throws(() => enterAll(chain(5), 4), { instanceOf: DecodeError, message: /^depth: level 4 / });
  t.is(enterAll(chain(16), 16), 16);
  t.throws(() => enterAll(chain(17), 16), { instanceOf: DecodeError, message: /^depth: level 16 / });
});

// ---- Directory messages --------------------------------------------------------------------------------

/** A field of a golden message: name, offset, size, and an integer value or the operation it holds. */
type Field = [string, number, number, number | { messageId: number; op: ChangeOp }];

interface Golden {
  message: DirectoryMessage;
  bytes: string;
  fields: Field[];
}

const v1 = "issContentId=/v1,dc=lan1";
const v0 = "issContentId=/v0,dc=lan1";
const addV1: ChangeOp = {
  type: "add",
  dn: v1,
  attributes: {
    objectClass: ["issContentLocation"],
    issContentId: ["/v1"],
    issContentServer: ["cn=se1,dc=lan1"],
    issServerKind: ["http"],
    issContentState: ["active"],
  },
};
const modifyV1: ChangeOp = {
  type: "modify",
  dn: v1,
  modifications: [
    { operation: "add", attribute: "issContentServer", values: ["cn=se2,dc=lan1"] },
    { operation: "replace", attribute: "issContentState", values: ["stale"] },
    { operation: "delete", attribute: "issLastSeen", values: [] },
  ],
};
const deleteV0: ChangeOp = { type: "delete", dn: v0 };
const rootEntry = {
  dn: "dc=lan1",
  attributes: { objectClass: ["dcObject", "organization"], dc: ["lan1"], o: ["LAN 1"] },
};
const se1Entry = {
  dn: "cn=se1,dc=lan1",
  attributes: {
    objectClass: ["issServiceEngine"],
    cn: ["se1"],
    issAddress: ["10.77.1.11"],
    issServerKind: ["http"],
  },
};
const announceOps: ChangeOp[] = [
  {
    type: "modify",
    dn: v1,
    modifications: [{ operation: "add", attribute: "issContentServer", values: ["cn=se5,dc=lan1"] }],
  },
  {
    type: "modify",
    dn: v0,
    modifications: [{ operation: "delete", attribute: "issContentServer", values: ["cn=se5,dc=lan1"] }],
  },
];
const asAdd = (e: Entry): ChangeOp => ({ type: "add", dn: e.dn, attributes: e.attributes });

const golden: Record<string, Golden> = {
  changes: {
    message: {
      kind: "changes",
      head: 42,
      target: 0,
      changes: [
        { csn: 40, time: 1764043512000, origin: { node: 3, request: 7 }, op: addV1 },
        { csn: 41, time: 1764043512001, origin: { node: 3, request: 8 }, op: modifyV1 },
        { csn: 42, time: 1764043512002, origin: { node: 1, request: 2 ** 31 }, op: deleteV0 },
      ],
    },
    bytes:
      "4449 01 01 000000000000002a 00000000 00000003" +
      "0000000000000028 0000019ab92fd8c0 00000003 0000000000000007" +
      "3081bb020108 6881b5 0418 697373436f6e74656e7449643d2f76312c64633d6c616e31 308198" +
      "3023 040b 6f626a656374436c617373 3114 0412 697373436f6e74656e744c6f636174696f6e" +
      "3015 040c 697373436f6e74656e744964 3105 0403 2f7631" +
      "3024 0410 697373436f6e74656e74536572766572 3110 040e 636e3d7365312c64633d6c616e31" +
      "3017 040d 6973735365727665724b696e64 3106 0404 68747470" +
      "301b 040f 697373436f6e74656e745374617465 3108 0406 616374697665" +
      "0000000000000029 0000019ab92fd8c1 00000003 0000000000000008" +
      "308183 020109 667e 0418 697373436f6e74656e7449643d2f76312c64633d6c616e31 3062" +
      "3029 0a0100 3024 0410 697373436f6e74656e74536572766572 3110 040e 636e3d7365322c64633d6c616e31" +
      "301f 0a0102 301a 040f 697373436f6e74656e745374617465 3107 0405 7374616c65" +
      "3014 0a0101 300f 040b 6973734c6173745365656e 3100" +
      "000000000000002a 0000019ab92fd8c2 00000001 0000000080000000" +
      "301d 020102 4a18 697373436f6e74656e7449643d2f76302c64633d6c616e31",
    fields: [
      ["head", 4, 8, 42],
      ["target", 12, 4, 0],
      ["changeCount", 16, 4, 3],
      ["changes[0].csn", 20, 8, 40],
      ["changes[0].time", 28, 8, 1764043512000],
      ["changes[0].origin.node", 36, 4, 3],
      ["changes[0].origin.request", 40, 8, 7],
      ["changes[0].op", 48, 190, { messageId: 8, op: addV1 }],
      ["changes[1].csn", 238, 8, 41],
      ["changes[1].time", 246, 8, 1764043512001],
      ["changes[1].origin.node", 254, 4, 3],
      ["changes[1].origin.request", 258, 8, 8],
      ["changes[1].op", 266, 134, { messageId: 9, op: modifyV1 }],
      ["changes[2].csn", 400, 8, 42],
      ["changes[2].time", 408, 8, 1764043512002],
      ["changes[2].origin.node", 416, 4, 1],
      ["changes[2].origin.request", 420, 8, 2 ** 31],
      ["changes[2].op", 428, 31, { messageId: 2, op: deleteV0 }],
    ],
  },
  "catchup-request": {
    message: { kind: "catchup-request", node: 5, have: 2 ** 32 + 7 },
    bytes: "4449 01 02 00000005 0000000100000007",
    fields: [
      ["node", 4, 4, 5],
      ["have", 8, 8, 2 ** 32 + 7],
    ],
  },
  refresh: {
    message: {
      kind: "refresh",
      target: 5,
      refreshId: 2,
      csn: 42,
      chunk: 0,
      last: true,
      entries: [rootEntry, se1Entry],
    },
    bytes:
      "4449 01 03 00000005 00000002 000000000000002a 00000000 01 00000002" +
      "3055 020101 6850 0407 64633d6c616e31 3045" +
      "3027 040b 6f626a656374436c617373 3118 0408 64634f626a656374 040c 6f7267616e697a6174696f6e" +
      "300c 0402 6463 3106 0404 6c616e31 300c 0401 6f 3107 0405 4c414e2031" +
      "307c 020102 6877 040e 636e3d7365312c64633d6c616e31 3065" +
      "3021 040b 6f626a656374436c617373 3112 0410 69737353657276696365456e67696e65" +
      "300b 0402 636e 3105 0403 736531 301a 040a 69737341646472657373 310c 040a 31302e37372e312e3131" +
      "3017 040d 6973735365727665724b696e64 3106 0404 68747470",
    fields: [
      ["target", 4, 4, 5],
      ["refreshId", 8, 4, 2],
      ["csn", 12, 8, 42],
      ["chunk", 20, 4, 0],
      ["last", 24, 1, 1],
      ["entryCount", 25, 4, 2],
      ["entries[0]", 29, 87, { messageId: 1, op: asAdd(rootEntry) }],
      ["entries[1]", 116, 126, { messageId: 2, op: asAdd(se1Entry) }],
    ],
  },
  announce: {
    message: { kind: "announce", node: 5, request: 9, ops: announceOps },
    bytes:
      "4449 01 04 00000005 0000000000000009 00000002" +
      "304c 020101 6647 0418 697373436f6e74656e7449643d2f76312c64633d6c616e31 302b" +
      "3029 0a0100 3024 0410 697373436f6e74656e74536572766572 3110 040e 636e3d7365352c64633d6c616e31" +
      "304c 020102 6647 0418 697373436f6e74656e7449643d2f76302c64633d6c616e31 302b" +
      "3029 0a0101 3024 0410 697373436f6e74656e74536572766572 3110 040e 636e3d7365352c64633d6c616e31",
    fields: [
      ["node", 4, 4, 5],
      ["request", 8, 8, 9],
      ["opCount", 16, 4, 2],
      ["ops[0]", 20, 78, { messageId: 1, op: announceOps[0]! }],
      ["ops[1]", 98, 78, { messageId: 2, op: announceOps[1]! }],
    ],
  },
  "announce-result": {
    message: { kind: "announce-result", node: 5, request: 9, code: 32, message: "no such object", csn: 0 },
    bytes: "4449 01 05 00000005 0000000000000009 00000020 0000000000000000 000e 6e6f2073756368206f626a656374",
    fields: [
      ["node", 4, 4, 5],
      ["request", 8, 8, 9],
      ["code", 16, 4, 32],
      ["csn", 20, 8, 0],
      ["messageLength", 28, 2, 14],
    ],
  },
  "replica-status": {
    message: { kind: "replica-status", node: 5, have: 42, entries: 1234 },
    bytes: "4449 01 06 00000005 000000000000002a 000004d2",
    fields: [
      ["node", 4, 4, 5],
      ["have", 8, 8, 42],
      ["entries", 16, 4, 1234],
    ],
  },
};

const kinds = Object.keys(golden);

for (const [name, g] of Object.entries(golden)) {
  const bytes = hex(g.bytes);

  test(`${name}: encodes to the golden bytes`, (t) => {
    t.is(encodeMessage(g.message).toString("hex"), bytes.toString("hex"));
  });

  test(`${name}: every field of the golden bytes is at its documented offset`, (t) => {
    const header: Field[] = [
      ["magic", 0, 2, 0x4449],
      ["version", 2, 1, 1],
      ["kind", 3, 1, kinds.indexOf(name) + 1],
    ];
    let next = 0;
    for (const [field, offset, size, value] of [...header, ...g.fields]) {
      t.is(offset, next, `${field} follows the previous field`);
      const at = bytes.subarray(offset, offset + size);
      t.deepEqual(typeof value === "number" ? readNumber(at) : decodeOp(at), value, field);
      next = offset + size;
    }
    if (g.message.kind === "announce-result") {
      t.is(bytes.toString("utf8", next), g.message.message, "message");
      next = bytes.length;
    }
    t.is(next, bytes.length, "the fields fill the message");
  });

  test(`${name}: the golden bytes and the encoded message decode to the message`, (t) => {
    t.deepEqual(decodeMessage(bytes), g.message);
    t.deepEqual(decodeMessage(encodeMessage(g.message)), g.message);
  });

  test(`${name}: every truncation is rejected as "truncated"`, (t) => {
    for (let n = 0; n < bytes.length; n++) {
      t.throws(
        () => decodeMessage(bytes.subarray(0, n)),
        { instanceOf: DecodeError, message: /^truncated: / },
        `${n}`,
      );
    }
  });
}

function readNumber(bytes: Buffer): number {
  return bytes.length === 8
    ? bytes.readUInt32BE(0) * 2 ** 32 + bytes.readUInt32BE(4)
    : bytes.readUIntBE(0, bytes.length);
}

test("the hex dumps in docs/directory-wire.md are the golden bytes at the offsets they show", (t) => {
  const doc = readFileSync(new URL("../../../docs/directory-wire.md", import.meta.url), "utf8");
  const dumps = new Map<string, string>();
  for (const [, name, block] of doc
    .slice(doc.indexOf("## Example messages"))
    .matchAll(/^### ([\w-]+)\n\n```text\n([^`]*)```/gm)) {
    let bytes = "";
    for (const line of block!.split("\n")) {
      const m = /^\s*(\d+) {2}((?:[0-9a-f]{2} )*[0-9a-f]{2})(?: |$)/.exec(line);
      if (!m) continue;
      t.is(Number(m[1]), bytes.length / 2, `${name}: offset of "${line.trim()}"`);
      bytes += m[2]!.replaceAll(" ", "");
    }
    dumps.set(name!, bytes);
  }
  t.deepEqual([...dumps.keys()], kinds);
  for (const [name, g] of Object.entries(golden)) t.is(dumps.get(name), hex(g.bytes).toString("hex"), name);
});

test("a change's messageID is 1 + (origin.request mod (2^31 - 1))", (t) => {
  const at = (request: number) => {
    const m: DirectoryMessage = {
      kind: "changes",
      head: 1,
      target: 0,
      changes: [{ csn: 1, time: 0, origin: { node: 1, request }, op: deleteV0 }],
    };
    return decodeOp(encodeMessage(m).subarray(48)).messageId;
  };
  t.deepEqual([0, 1, MAX_INT - 1, MAX_INT, MAX_INT + 1, Number.MAX_SAFE_INTEGER].map(at), [
    1,
    2,
    MAX_INT,
    1,
    2,
    1 + (Number.MAX_SAFE_INTEGER % MAX_INT),
  ]);
});

test("the encoder refuses what the decoder would reject", (t) => {
  const change = (csn: number) => ({ csn, time: 0, origin: { node: 1, request: 1 }, op: deleteV0 });
  const refused: DirectoryMessage[] = [
    { kind: "changes", head: 5, target: 0, changes: [change(2), change(4)] },
    { kind: "changes", head: 5, target: 0, changes: [change(0)] },
    { kind: "changes", head: 5, target: 0, changes: [change(6)] },
    { kind: "catchup-request", node: 2 ** 32, have: 0 },
    { kind: "catchup-request", node: 1, have: 2 ** 53 },
    { kind: "replica-status", node: 1, have: -1, entries: 0 },
    { kind: "announce-result", node: 1, request: 1, code: 0, message: "x".repeat(65_536), csn: 0 },
    { kind: "announce", node: 1, request: 1, ops: [{ type: "add", dn: v1, attributes: { cn: [] } }] },
    { kind: "announce", node: 1, request: 1, ops: [{ type: "add", dn: v1, attributes: { "1cn": ["x"] } }] },
    {
      kind: "announce",
      node: 1,
      request: 1,
      ops: [{ type: "modify", dn: v1, modifications: [{ operation: "add", attribute: "a_b", values: [] }] }],
    },
  ];
  for (const m of refused)
    t.throws(() => encodeMessage(m), { instanceOf: RangeError }, JSON.stringify(m).slice(0, 120));
});

// ---- Rejections ----------------------------------------------------------------------------------------

/** A BER element with a short-form length: tag and content in hex. */
function tlv(tag: string, ...content: string[]): string {
  const bytes = hex(content.join(""));
  if (bytes.length > 0x7f) throw new Error("tlv() writes short-form lengths only");
  return `${tag}${bytes.length.toString(16).padStart(2, "0")}${bytes.toString("hex")}`;
}
const str = (s: string) => tlv("04", Buffer.from(s).toString("hex"));
const partial = (type: string, ...values: string[]) => tlv("30", str(type), tlv("31", ...values));
/** An LDAPMessage with messageID 2 (that of request 1) around a protocolOp. */
const pdu = (op: string) => tlv("30", tlv("02", "02"), op);
const del = pdu(tlv("4a", Buffer.from("cn=a").toString("hex")));
const add = (...attributes: string[]) => pdu(tlv("68", str("cn=a"), tlv("30", ...attributes)));
const modify = (operation: string, modification: string) =>
  pdu(tlv("66", str("cn=a"), tlv("30", tlv("30", tlv("0a", operation), modification))));
const cnA = partial("cn", str("a"));
/** A changes message (head 9, target 0) holding one change record (csn 9, node 3, request 1) and `op`. */
const oneChange = (op: string) =>
  `4449 01 01 0000000000000009 00000000 00000001 0000000000000009 0000000000000001 00000003 0000000000000001 ${op}`;

const rejections: [DecodeReason, string, string][] = [
  ["truncated", "an empty buffer", ""],
  ["truncated", "a header of 3 bytes", "4449 01"],
  ["magic", "magic 0x4448", "4448 01 02 00000005 0000000100000007"],
  ["magic", "an RMTP frame's magic", "524d 01 02 00000005 0000000100000007"],
  ["version", "version 0", "4449 00 02 00000005 0000000100000007"],
  ["version", "version 2", "4449 02 02 00000005 0000000100000007"],
  ["kind", "kind 0", "4449 01 00 00000005 0000000100000007"],
  ["kind", "kind 7", "4449 01 07 00000005 0000000100000007"],
  ["trailing", "a catchup-request with one byte more", "4449 01 02 00000005 0000000100000007 00"],
  ["trailing", "a changes message with a byte after its last change", `${oneChange(del)} 00`],
  [
    "trailing",
    "an LDAPMessage with controls",
    oneChange(tlv("30", tlv("02", "02"), tlv("4a", "61"), tlv("a0", ""))),
  ],
  [
    "trailing",
    "a DelRequest PDU with a byte after it inside the LDAPMessage",
    oneChange(tlv("30", tlv("02", "02"), tlv("4a", "61"), "00")),
  ],
  ["field", "a have of 2^53", "4449 01 02 00000005 0020000000000000"],
  [
    "field",
    "a time of 2^64 - 1",
    oneChange(del).replace("0000000000000009 0000000000000001", "0000000000000009 ffffffffffffffff"),
  ],
  [
    "field",
    "a change's messageID that does not match its request",
    oneChange(tlv("30", tlv("02", "03"), tlv("4a", "61"))),
  ],
  [
    "field",
    "a change with CSN 0",
    oneChange(del).replace("00000001 0000000000000009", "00000001 0000000000000000"),
  ],
  [
    "field",
    "a change's CSN above head",
    oneChange(del).replace("0000000000000009 00000000", "0000000000000008 00000000"),
  ],
  [
    "field",
    "two changes with CSN 9 and 11",
    `4449 01 01 000000000000000b 00000000 00000002` +
      `0000000000000009 0000000000000001 00000003 0000000000000001 ${del}` +
      `000000000000000b 0000000000000001 00000003 0000000000000001 ${del}`,
  ],
  ["field", "a refresh with last = 2", "4449 01 03 00000005 00000002 000000000000002a 00000000 02 00000000"],
  [
    "field",
    "an announce whose first op has messageID 2",
    `4449 01 04 00000005 0000000000000009 00000001 ${del}`,
  ],
  ["field", "a modify operation increment(3) (RFC 4525)", oneChange(modify("03", partial("cn", str("1"))))],
  ["field", "a negative messageID", oneChange(tlv("30", tlv("02", "ff"), tlv("4a", "61")))],
  ["tag", "a SearchRequest", oneChange(tlv("30", tlv("02", "02"), tlv("63", "")))],
  ["tag", "an AddRequest's values as a SEQUENCE", oneChange(add(tlv("30", str("cn"), tlv("30", str("a")))))],
  [
    "tag",
    "a modify operation as an INTEGER",
    oneChange(pdu(tlv("66", str("cn=a"), tlv("30", tlv("30", tlv("02", "00"), cnA))))),
  ],
  [
    "tag",
    "a refresh entry that is a DelRequest",
    `4449 01 03 00000005 00000002 000000000000002a 00000000 01 00000001 ${tlv("30", tlv("02", "01"), tlv("4a", "61"))}`,
  ],
  [
    "truncated",
    "a change count of 2^32 - 1 and one change",
    oneChange(del).replace("00000000 00000001", "00000000 ffffffff"),
  ],
  [
    "truncated",
    "an entry count of 2^32 - 1 and no entries",
    "4449 01 03 00000005 00000002 000000000000002a 00000000 01 ffffffff",
  ],
  [
    "truncated",
    "an LDAPMessage length of 2^32 - 1",
    oneChange(`3084ffffffff ${tlv("02", "02")} ${tlv("4a", "61")}`),
  ],
  ["truncated", "a DN longer than its LDAPMessage", oneChange(`3006 020102 4a05 636e3d61`)],
  [
    "truncated",
    "an announce-result message length 15 with 14 bytes",
    "4449 01 05 00000005 0000000000000009 00000020 0000000000000000 000f 6e6f2073756368206f626a656374",
  ],
  [
    "ber",
    "an LDAPMessage of indefinite length",
    oneChange(`3080 ${tlv("02", "02")} ${tlv("4a", "61")} 0000`),
  ],
  ["ber", "a messageID with a leading zero byte", oneChange(tlv("30", tlv("02", "0002"), tlv("4a", "61")))],
  ["ber", "a DN with a long-form length below 128", oneChange(`3007 020102 4a8101 61`)],
  ["utf8", "a DN with byte 0xff", oneChange(tlv("30", tlv("02", "02"), tlv("4a", "ff")))],
  ["utf8", "an attribute value with an overlong '/'", oneChange(add(partial("cn", tlv("04", "c0af"))))],
  [
    "utf8",
    "an attribute type with byte 0xfe",
    oneChange(add(tlv("30", tlv("04", "fe"), tlv("31", str("a"))))),
  ],
  [
    "utf8",
    "an announce-result message with byte 0xc0",
    "4449 01 05 00000005 0000000000000009 00000020 0000000000000000 0001 c0",
  ],
  ["attribute", "an AddRequest with one attribute twice", oneChange(add(cnA, cnA))],
  ["attribute", "an AddRequest attribute without values", oneChange(add(partial("cn")))],
  ["attribute", "an attribute type '__proto__'", oneChange(add(partial("__proto__", str("a"))))],
  ["attribute", "an attribute type '1cn'", oneChange(add(partial("1cn", str("a"))))],
  ["attribute", "an attribute type '1.02' (leading zero)", oneChange(add(partial("1.02", str("a"))))],
  ["attribute", "an attribute type '2' (an OID needs two arcs)", oneChange(add(partial("2", str("a"))))],
  ["attribute", "an empty attribute type", oneChange(modify("00", partial("")))],
  ["attribute", "an attribute type with an empty option 'cn;'", oneChange(modify("00", partial("cn;")))],
];

test("the rejection helpers build well-formed operations and messages", (t) => {
  t.deepEqual(decodeOp(hex(del)), { messageId: 2, op: { type: "delete", dn: "cn=a" } });
  t.deepEqual(decodeOp(hex(add(cnA))), {
    messageId: 2,
    op: { type: "add", dn: "cn=a", attributes: { cn: ["a"] } },
  });
  t.deepEqual(decodeOp(hex(modify("02", partial("cn;x-1", str("b"))))).op, {
    type: "modify",
    dn: "cn=a",
    modifications: [{ operation: "replace", attribute: "cn;x-1", values: ["b"] }],
  });
  t.deepEqual(decodeOp(hex(add(partial("2.5.4.3", str("a"))))).op, {
    type: "add",
    dn: "cn=a",
    attributes: { "2.5.4.3": ["a"] },
  });
  t.like(decodeMessage(hex(oneChange(del))), { kind: "changes", head: 9, target: 0 });
});

for (const [reason, what, bytes] of rejections) {
  test(`rejects as "${reason}": ${what}`, (t) => {
    t.throws(() => decodeMessage(hex(bytes)), {
      instanceOf: DecodeError,
      message: new RegExp(`^${reason}: `),
    });
  });
}
