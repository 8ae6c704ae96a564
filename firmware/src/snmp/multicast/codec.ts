// The multicast management messages (docs/snmp-wire.md): a request the SM multicasts as one RMTP message,
// and the response each member returns to the SM by UDP unicast, authenticated with the site key (the
// same HMAC-SHA256/128 as RMTP frames, checked before any field is read). Pure encode/decode; a decoder
// throws only SnmpWireError, for any input.
import { TAG_BYTES } from "../../rmtp/codec/frames.js";
import type { Keyring } from "../../rmtp/codec/keyring.js";
import { ValueType, type Value, type Varbind } from "../mib/types.js";

export const MAGIC = 0x534e; // "SN"
export const VERSION = 1;
export const Kind = { Request: 1, Response: 2 } as const;
export const maxVarbinds = 128;
export const maxOidLength = 128;
const pduTypes = new Set([0xa0, 0xa1, 0xa3]);

export class SnmpWireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnmpWireError";
  }
}

export interface MulticastRequest {
  requestId: number;
  pduType: number;
  /** Node ids that must answer; empty: every member. */
  targets: number[];
  varbinds: Varbind[];
}

export interface MulticastResponse {
  requestId: number;
  requester: number;
  responder: number;
  errorStatus: number;
  errorIndex: number;
  varbinds: Varbind[];
}

/** True when an RMTP payload starts like a multicast management message (the daemon routes on it). */
export function isSnmpPayload(payload: Uint8Array): boolean {
  return payload.length >= 2 && ((payload[0] as number) << 8) + (payload[1] as number) === MAGIC;
}

class Writer {
  private readonly parts: Buffer[] = [];
  u8(n: number): this {
    this.parts.push(Buffer.from([n]));
    return this;
  }
  u16(n: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n);
    this.parts.push(b);
    return this;
  }
  u32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    this.parts.push(b);
    return this;
  }
  bytes(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number, what: string): void {
    if (this.at + n > this.buf.length) throw new SnmpWireError(`truncated ${what} at offset ${this.at}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf.readUInt8(this.at++);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const v = Buffer.from(this.buf.subarray(this.at, this.at + n));
    this.at += n;
    return v;
  }
  end(): void {
    if (this.at !== this.buf.length) throw new SnmpWireError(`${this.buf.length - this.at} trailing bytes`);
  }
}

function header(w: Writer, kind: number, requestId: number): Writer {
  return w.u16(MAGIC).u8(VERSION).u8(kind).u32(requestId);
}

function readHeader(r: Reader, kind: number): number {
  if (r.u16("magic") !== MAGIC) throw new SnmpWireError("not a multicast management message");
  const version = r.u8("version");
  if (version !== VERSION) throw new SnmpWireError(`version ${version}`);
  const k = r.u8("kind");
  if (k !== kind) throw new SnmpWireError(`kind ${k}, expected ${kind}`);
  return r.u32("request id");
}

function valueBytes(v: Value): Buffer {
  switch (v.type) {
    case ValueType.Integer: {
      const b = Buffer.alloc(4);
      b.writeInt32BE(v.value);
      return b;
    }
    case ValueType.Counter32:
    case ValueType.Gauge32:
    case ValueType.TimeTicks: {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(v.value);
      return b;
    }
    case ValueType.Counter64: {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(v.value);
      return b;
    }
    case ValueType.OctetString:
      return v.value;
    case ValueType.IpAddress:
      return Buffer.from(v.value.split(".").map(Number));
    case ValueType.ObjectIdentifier: {
      const b = Buffer.alloc(4 * v.value.length);
      v.value.forEach((n, i) => b.writeUInt32BE(n, 4 * i));
      return b;
    }
    default:
      return Buffer.alloc(0);
  }
}

function readValue(type: number, b: Buffer): Value {
  const fixed = (n: number): void => {
    if (b.length !== n) throw new SnmpWireError(`value of type 0x${type.toString(16)} has ${b.length} bytes`);
  };
  switch (type) {
    case ValueType.Integer:
      fixed(4);
      return { type, value: b.readInt32BE(0) };
    case ValueType.Counter32:
    case ValueType.Gauge32:
    case ValueType.TimeTicks:
      fixed(4);
      return { type, value: b.readUInt32BE(0) };
    case ValueType.Counter64:
      fixed(8);
      return { type, value: b.readBigUInt64BE(0) };
    case ValueType.OctetString:
      return { type, value: b };
    case ValueType.IpAddress:
      fixed(4);
      return { type, value: [...b].join(".") };
    case ValueType.ObjectIdentifier: {
      if (b.length % 4 !== 0 || b.length / 4 > maxOidLength) throw new SnmpWireError("bad OID value length");
      const value: number[] = [];
      for (let i = 0; i < b.length; i += 4) value.push(b.readUInt32BE(i));
      return { type, value };
    }
    case ValueType.Null:
    case ValueType.NoSuchObject:
    case ValueType.NoSuchInstance:
    case ValueType.EndOfMibView:
      fixed(0);
      return { type, value: null };
    default:
      throw new SnmpWireError(`unknown value type 0x${type.toString(16)}`);
  }
}

function writeVarbinds(w: Writer, varbinds: readonly Varbind[]): void {
  if (varbinds.length > maxVarbinds) throw new RangeError(`at most ${maxVarbinds} varbinds`);
  w.u16(varbinds.length);
  for (const vb of varbinds) {
    if (vb.oid.length < 2 || vb.oid.length > maxOidLength) throw new RangeError("OID length out of range");
    w.u8(vb.oid.length);
    for (const n of vb.oid) w.u32(n);
    const bytes = valueBytes(vb.value);
    if (bytes.length > 0xffff) throw new RangeError("value longer than 65535 bytes");
    w.u8(vb.value.type).u16(bytes.length).bytes(bytes);
  }
}

function readVarbinds(r: Reader): Varbind[] {
  const count = r.u16("varbind count");
  if (count > maxVarbinds) throw new SnmpWireError(`${count} varbinds, at most ${maxVarbinds}`);
  const out: Varbind[] = [];
  for (let i = 0; i < count; i++) {
    const length = r.u8("OID length");
    if (length < 2 || length > maxOidLength) throw new SnmpWireError(`OID length ${length}`);
    const oid: number[] = [];
    for (let j = 0; j < length; j++) oid.push(r.u32("OID"));
    const type = r.u8("value type");
    const bytes = r.bytes(r.u16("value length"), "value");
    out.push({ oid, value: readValue(type, bytes) });
  }
  return out;
}

export function encodeRequest(m: MulticastRequest): Buffer {
  if (!pduTypes.has(m.pduType)) throw new RangeError(`PDU type 0x${m.pduType.toString(16)}`);
  const w = header(new Writer(), Kind.Request, m.requestId).u8(m.pduType).u8(0).u16(m.targets.length);
  for (const t of m.targets) w.u16(t);
  writeVarbinds(w, m.varbinds);
  return w.done();
}

export function decodeRequest(buf: Buffer): MulticastRequest {
  const r = new Reader(buf);
  const requestId = readHeader(r, Kind.Request);
  const pduType = r.u8("PDU type");
  if (!pduTypes.has(pduType)) throw new SnmpWireError(`PDU type 0x${pduType.toString(16)}`);
  if (r.u8("reserved") !== 0) throw new SnmpWireError("reserved byte is not 0");
  const targets: number[] = [];
  for (let n = r.u16("target count"), i = 0; i < n; i++) targets.push(r.u16("target"));
  const varbinds = readVarbinds(r);
  r.end();
  return { requestId, pduType, targets, varbinds };
}

/** Key id and tag after the body. */
const trailerBytes = 1 + TAG_BYTES;

export function encodeResponse(m: MulticastResponse, keyring: Keyring): Buffer {
  const w = header(new Writer(), Kind.Response, m.requestId)
    .u16(m.requester)
    .u16(m.responder)
    .u8(m.errorStatus)
    .u8(m.errorIndex);
  writeVarbinds(w, m.varbinds);
  const body = w.u8(keyring.sendKeyId).done();
  const out = Buffer.concat([body, Buffer.alloc(TAG_BYTES)]);
  keyring.sign(out, body.length);
  return out;
}

/** Checks the tag first (SnmpWireError "authentication" when it fails), then decodes the fields. */
export function decodeResponse(buf: Buffer, keyring: Keyring): MulticastResponse {
  if (buf.length < 4 + trailerBytes) throw new SnmpWireError("truncated response");
  const end = buf.length - TAG_BYTES;
  if (!keyring.verify(buf, end, buf[end - 1] as number)) throw new SnmpWireError("authentication");
  const r = new Reader(buf.subarray(0, end - 1));
  const requestId = readHeader(r, Kind.Response);
  const requester = r.u16("requester");
  const responder = r.u16("responder");
  const errorStatus = r.u8("error status");
  const errorIndex = r.u8("error index");
  const varbinds = readVarbinds(r);
  r.end();
  return { requestId, requester, responder, errorStatus, errorIndex, varbinds };
}

/** The kind byte of a message that passed isSnmpPayload, or null when it is too short. */
export function kindOf(payload: Uint8Array): number | null {
  return payload.length >= 4 ? (payload[3] as number) : null;
}
