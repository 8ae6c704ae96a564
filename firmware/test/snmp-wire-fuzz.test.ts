// Fuzz tests of the multicast management decoders (docs/snmp-wire.md), 200,000 decodes: random valid
// requests and responses round-trip exactly; mutated messages (bit flips, byte changes, truncations,
// extensions; response bodies also re-signed, so the fields are reached past the tag) and random bytes
// make decodeRequest and decodeResponse either return a message that re-encodes to exactly those bytes
// or throw SnmpWireError, never anything else.
// Rerun a failure with the seed from the test title (SNMP_FUZZ_SEED=<seed>).
import test from "ava";
import { isDeepStrictEqual } from "node:util";
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  maxVarbinds,
  SnmpWireError,
} from "../src/snmp/multicast/codec.js";
import { ValueType, type Value, type Varbind } from "../src/snmp/mib/types.js";
import { Rng } from "./helpers/rng.js";
import { Keyring } from "../src/rmtp/codec/keyring.js";
import { TAG_BYTES } from "../src/rmtp/codec/frames.js";

const keyring = new Keyring([{ id: 1, secret: Buffer.alloc(32, 0x5a) }], 1);
const encodeResponseK = (m: Parameters<typeof encodeResponse>[0]) => encodeResponse(m, keyring);
const decodeResponseK = (b: Buffer) => decodeResponse(b, keyring);

/** A body with a valid key id and tag: what a unit holding the site key could send, malformed or not. */
function resign(body: Buffer): Buffer {
  const out = Buffer.concat([body, Buffer.from([1]), Buffer.alloc(TAG_BYTES)]);
  keyring.sign(out, body.length + 1);
  return out;
}

const SEED = Number(process.env.SNMP_FUZZ_SEED ?? 0x5e1f) >>> 0;
const CASES = 20_000;

function value(rng: Rng): Value {
  switch (rng.below(10)) {
    case 0:
      return { type: ValueType.Integer, value: rng.range(-(2 ** 31), 2 ** 31 - 1) };
    case 1:
      return { type: ValueType.OctetString, value: rng.bytes(rng.range(0, 64)) };
    case 2:
      return {
        type: ValueType.ObjectIdentifier,
        value: Array.from({ length: rng.range(0, 12) }, () => rng.u32()),
      };
    case 3:
      return { type: ValueType.IpAddress, value: [0, 0, 0, 0].map(() => rng.below(256)).join(".") };
    case 4:
      return {
        type: rng.pick([ValueType.Counter32, ValueType.Gauge32, ValueType.TimeTicks]),
        value: rng.u32(),
      };
    case 5:
      return { type: ValueType.Counter64, value: (BigInt(rng.u32()) << 32n) | BigInt(rng.u32()) };
    default:
      return {
        type: rng.pick([
          ValueType.Null,
          ValueType.NoSuchObject,
          ValueType.NoSuchInstance,
          ValueType.EndOfMibView,
        ]),
        value: null,
      };
  }
}

function varbinds(rng: Rng): Varbind[] {
  return Array.from({ length: rng.chance(50) ? maxVarbinds : rng.range(0, 6) }, () => ({
    oid: Array.from({ length: rng.range(2, 16) }, () => (rng.chance(4) ? rng.u32() : rng.below(100))),
    value: value(rng),
  }));
}

function mutate(rng: Rng, b: Buffer): Buffer {
  let out = Buffer.from(b);
  for (let i = 0, n = rng.range(1, 4); i < n; i++) {
    const at = rng.below(Math.max(1, out.length));
    switch (rng.below(4)) {
      case 0:
        if (out.length) out[at] = (out[at] as number) ^ (1 << rng.below(8));
        break;
      case 1:
        if (out.length) out[at] = rng.below(256);
        break;
      case 2:
        out = out.subarray(0, at);
        break;
      default:
        out = Buffer.concat([out, rng.bytes(rng.range(1, 8))]);
    }
  }
  return out;
}

function decodesOrRefuses<T>(
  t: { fail(m: string): void },
  bytes: Buffer,
  decode: (b: Buffer) => T,
  encode: (m: T) => Buffer,
): void {
  try {
    const m = decode(bytes);
    if (!encode(m).equals(bytes)) t.fail(`re-encoding differs for ${bytes.toString("hex")}`);
  } catch (err) {
    if (!(err instanceof SnmpWireError)) t.fail(`${bytes.toString("hex")}: ${String(err)}`);
  }
}

test(`valid messages round-trip (seed ${SEED})`, (t) => {
  const rng = new Rng(SEED);
  for (let i = 0; i < CASES; i++) {
    const req = {
      requestId: rng.u32(),
      pduType: rng.pick([0xa0, 0xa1, 0xa3]),
      targets: Array.from({ length: rng.range(0, 5) }, () => rng.below(65536)),
      varbinds: varbinds(rng),
    };
    if (!isDeepStrictEqual(decodeRequest(encodeRequest(req)), req)) t.fail(`request ${i} differs`);
    const res = {
      requestId: rng.u32(),
      requester: rng.below(65536),
      responder: rng.below(65536),
      errorStatus: rng.below(19),
      errorIndex: rng.below(256),
      varbinds: varbinds(rng),
    };
    if (!isDeepStrictEqual(decodeResponseK(encodeResponseK(res)), res)) t.fail(`response ${i} differs`);
  }
  t.pass();
});

test(`mutated and random bytes decode exactly or throw SnmpWireError (seed ${SEED})`, (t) => {
  const rng = new Rng(SEED ^ 0xabcdef);
  let cases = 0;
  for (let i = 0; i < CASES; i++) {
    const req = encodeRequest({
      requestId: rng.u32(),
      pduType: 0xa1,
      targets: [rng.below(9)],
      varbinds: varbinds(rng),
    });
    const res = encodeResponseK({
      requestId: rng.u32(),
      requester: 1,
      responder: 2,
      errorStatus: 0,
      errorIndex: 0,
      varbinds: varbinds(rng),
    });
    const random = rng.bytes(rng.range(0, 80));
    const resBody = res.subarray(0, res.length - TAG_BYTES - 1);
    for (const bytes of [
      mutate(rng, req),
      mutate(rng, res),
      resign(mutate(rng, resBody)),
      random,
      resign(random),
    ]) {
      decodesOrRefuses(t, bytes, decodeRequest, encodeRequest);
      decodesOrRefuses(t, bytes, decodeResponseK, encodeResponseK);
      cases += 2;
    }
  }
  t.true(cases >= 100_000);
  t.pass();
});
