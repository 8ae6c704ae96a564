// Golden bytes of the multicast management messages (docs/snmp-wire.md): each layout written out by hand,
// field by field, must equal what the encoder produces and decode back to the same message.
import test from "ava";
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  isSnmpPayload,
  SnmpWireError,
  type MulticastRequest,
  type MulticastResponse,
} from "../src/snmp/multicast/codec.js";
import { ValueType } from "../src/snmp/mib/types.js";
import { Keyring } from "../src/rmtp/codec/keyring.js";

/** Site key 1: 32 bytes of 0x5a (the tags below are HMAC-SHA256 with it, first 16 bytes). */
const keyring = new Keyring([{ id: 1, secret: Buffer.alloc(32, 0x5a) }], 1);

const hex = (...parts: string[]): Buffer => Buffer.from(parts.join("").replace(/\s/g, ""), "hex");
const sysName = "00000001 00000003 00000006 00000001 00000002 00000001 00000001 00000005 00000000";

test("request: GET sysName.0 from members 3 and 5", (t) => {
  const m: MulticastRequest = {
    requestId: 0x01020304,
    pduType: 0xa0,
    targets: [3, 5],
    varbinds: [{ oid: [1, 3, 6, 1, 2, 1, 1, 5, 0], value: { type: ValueType.Null, value: null } }],
  };
  const golden = hex(
    "534e 01 01", // magic "SN", version 1, kind 1 (request)
    "01020304", // request id
    "a0 00", // PDU type GetRequest, reserved
    "0002 0003 0005", // two targets: node ids 3 and 5
    "0001", // one varbind
    "09",
    sysName, // OID: 9 sub-identifiers
    "05 0000", // NULL, no value bytes
  );
  t.deepEqual(encodeRequest(m), golden);
  t.deepEqual(decodeRequest(golden), m);
  t.true(isSnmpPayload(golden));
});

test("request: SET issUnitIdentify.0 = Gauge32 30 to every member", (t) => {
  const m: MulticastRequest = {
    requestId: 7,
    pduType: 0xa3,
    targets: [],
    varbinds: [{ oid: [1, 3, 6, 1, 4, 1, 32473, 1, 1, 7, 0], value: { type: ValueType.Gauge32, value: 30 } }],
  };
  const golden = hex(
    "534e 01 01 00000007 a3 00",
    "0000", // no targets: every member
    "0001 0b",
    "00000001 00000003 00000006 00000001 00000004 00000001 00007ed9 00000001 00000001 00000007 00000000",
    "42 0004 0000001e", // Gauge32, 4 bytes, 30
  );
  t.deepEqual(encodeRequest(m), golden);
  t.deepEqual(decodeRequest(golden), m);
});

test("response: every value type", (t) => {
  const oid = [1, 3];
  const m: MulticastResponse = {
    requestId: 0xfffffffe,
    requester: 1,
    responder: 3,
    errorStatus: 0,
    errorIndex: 0,
    varbinds: [
      { oid, value: { type: ValueType.OctetString, value: Buffer.from("b3") } },
      { oid, value: { type: ValueType.Integer, value: -2 } },
      { oid, value: { type: ValueType.IpAddress, value: "10.77.0.1" } },
      { oid, value: { type: ValueType.Counter64, value: 2n ** 40n } },
      { oid, value: { type: ValueType.ObjectIdentifier, value: [1, 3, 6] } },
      { oid, value: { type: ValueType.TimeTicks, value: 12345 } },
      { oid, value: { type: ValueType.NoSuchInstance, value: null } },
    ],
  };
  const vb = (value: string): string => "02 00000001 00000003 " + value;
  const golden = hex(
    "534e 01 02", // kind 2 (response)
    "fffffffe 0001 0003", // request id, requester node id 1, responder node id 3
    "00 00", // error status noError, error index 0
    "0007",
    vb("04 0002 6233"), // OCTET STRING "b3"
    vb("02 0004 fffffffe"), // INTEGER -2
    vb("40 0004 0a4d0001"), // IpAddress 10.77.0.1
    vb("46 0008 0000010000000000"), // Counter64 2^40
    vb("06 000c 00000001 00000003 00000006"), // OID 1.3.6
    vb("43 0004 00003039"), // TimeTicks 12345
    vb("81 0000"), // noSuchInstance
    "01", // key id
    "c2d6fe788d441a4a07aba0d5bd3ceb40", // tag
  );
  t.deepEqual(encodeResponse(m, keyring), golden);
  t.deepEqual(decodeResponse(golden, keyring), m);
});

test("response: a flipped bit or another key fails authentication before any field is read", (t) => {
  const m = { requestId: 1, requester: 1, responder: 2, errorStatus: 0, errorIndex: 0, varbinds: [] };
  const good = encodeResponse(m, keyring);
  const flipped = Buffer.from(good);
  flipped[5] = (flipped[5] as number) ^ 1;
  t.throws(() => decodeResponse(flipped, keyring), { instanceOf: SnmpWireError, message: "authentication" });
  const other = new Keyring([{ id: 1, secret: Buffer.alloc(32, 0x11) }], 1);
  t.throws(() => decodeResponse(good, other), { instanceOf: SnmpWireError, message: "authentication" });
});

test("response: a SET refused with wrongValue at index 1", (t) => {
  const m: MulticastResponse = {
    requestId: 9,
    requester: 2,
    responder: 5,
    errorStatus: 10,
    errorIndex: 1,
    varbinds: [{ oid: [1, 3], value: { type: ValueType.Gauge32, value: 4000 } }],
  };
  const golden = hex(
    "534e 01 02 00000009 0002 0005 0a 01 0001 02 00000001 00000003 42 0004 00000fa0 01",
    "57a56e6daf8e8ad99c5b3af715968d69",
  );
  t.deepEqual(encodeResponse(m, keyring), golden);
  t.deepEqual(decodeResponse(golden, keyring), m);
});
