// Pure RMTP decoder: bytes -> authenticated frame, or the reason the bytes were rejected. Never throws:
// every length is checked before it is read, and the tag is verified before the body is parsed.
import { isUtf8 } from "node:buffer";
import {
  DATA_FIELDS_BYTES,
  DataFlag,
  FrameType,
  HEADER_BYTES,
  MAGIC,
  MAX_NAK_RANGES,
  MAX_NAME_BYTES,
  Role,
  TAG_BYTES,
  VERSION,
  type AnnouncedMember,
  type Frame,
  type Header,
  type NakRange,
} from "./frames.js";
import type { Keyring } from "./keyring.js";

export type RejectReason =
  "truncated" | "magic" | "version" | "type" | "length" | "unknown-key" | "auth" | "malformed";

export type DecodeResult =
  { ok: true; frame: Frame; packetNumber: number; keyId: number } | { ok: false; reason: RejectReason };

const DATA_FLAGS_MASK = DataFlag.Init | DataFlag.Last | DataFlag.AckRequest | DataFlag.Resend;
const roles = new Set<number>(Object.values(Role));
const fixedBody: Partial<Record<number, number>> = {
  [FrameType.Abort]: 16,
  [FrameType.Ack]: 14,
  [FrameType.Grant]: 22,
  [FrameType.Leave]: 0,
};

const malformed = { ok: false, reason: "malformed" } as const;

export function decodeFrame(buf: Buffer, keyring: Keyring): DecodeResult {
  if (buf.length < HEADER_BYTES + TAG_BYTES) return { ok: false, reason: "truncated" };
  if (buf.readUInt16BE(0) !== MAGIC) return { ok: false, reason: "magic" };
  if (buf.readUInt8(2) !== VERSION) return { ok: false, reason: "version" };
  const type = buf.readUInt8(3);
  if (type < FrameType.Data || type > FrameType.Leave) return { ok: false, reason: "type" };
  const body = buf.readUInt16BE(6);
  const end = HEADER_BYTES + body;
  if (buf.length !== end + TAG_BYTES)
    return { ok: false, reason: buf.length < end + TAG_BYTES ? "truncated" : "length" };
  const keyId = buf.readUInt8(5);
  if (!keyring.has(keyId)) return { ok: false, reason: "unknown-key" };
  if (!keyring.verify(buf, end, keyId)) return { ok: false, reason: "auth" };

  const flags = buf.readUInt8(4);
  if (type === FrameType.Data ? (flags & ~DATA_FLAGS_MASK) !== 0 : flags !== 0) return malformed;
  const expected = fixedBody[type];
  if (expected !== undefined && body !== expected) return malformed;

  const header: Header = {
    epoch: buf.readUInt32BE(8),
    source: buf.readUInt32BE(12),
    incarnation: buf.readUInt32BE(16),
  };
  const frame = decodeBody(type, flags, header, buf, HEADER_BYTES, end);
  if (frame === undefined) return malformed;
  return { ok: true, frame, packetNumber: buf.readUIntBE(20, 6), keyId };
}

function decodeBody(
  type: number,
  flags: number,
  h: Header,
  buf: Buffer,
  o: number,
  end: number,
): Frame | undefined {
  const body = end - o;
  switch (type) {
    case FrameType.Data: {
      if (body < DATA_FIELDS_BYTES) return undefined;
      const messageBytes = buf.readUInt32BE(o + 10);
      const payload = buf.subarray(o + DATA_FIELDS_BYTES, end);
      if (payload.length > messageBytes) return undefined;
      return {
        epoch: h.epoch,
        source: h.source,
        incarnation: h.incarnation,
        type: FrameType.Data,
        flags,
        seq: buf.readUIntBE(o, 6),
        messageId: buf.readUInt32BE(o + 6),
        messageBytes,
        ackedThrough: buf.readUIntBE(o + 14, 6),
        payload,
      };
    }
    case FrameType.Abort:
      return {
        epoch: h.epoch,
        source: h.source,
        incarnation: h.incarnation,
        type: FrameType.Abort,
        seq: buf.readUIntBE(o, 6),
        messageId: buf.readUInt32BE(o + 6),
        ackedThrough: buf.readUIntBE(o + 10, 6),
      };
    case FrameType.Ack:
      return {
        epoch: h.epoch,
        source: h.source,
        incarnation: h.incarnation,
        type: FrameType.Ack,
        streamSource: buf.readUInt32BE(o),
        streamIncarnation: buf.readUInt32BE(o + 4),
        cumulative: buf.readUIntBE(o + 8, 6),
      };
    case FrameType.Nak: {
      if (body < 9) return undefined;
      const count = buf.readUInt8(o + 8);
      if (count < 1 || count > MAX_NAK_RANGES || body !== 9 + 8 * count) return undefined;
      const ranges: NakRange[] = [];
      for (let p = o + 9; p < end; p += 8) {
        const range = { start: buf.readUIntBE(p, 6), count: buf.readUInt16BE(p + 6) };
        if (range.start < 1 || range.count < 1) return undefined;
        ranges.push(range);
      }
      return {
        epoch: h.epoch,
        source: h.source,
        incarnation: h.incarnation,
        type: FrameType.Nak,
        streamSource: buf.readUInt32BE(o),
        streamIncarnation: buf.readUInt32BE(o + 4),
        ranges,
      };
    }
    case FrameType.Grant: {
      const ackedThrough = buf.readUIntBE(o + 8, 6);
      const grantThrough = buf.readUIntBE(o + 14, 6);
      if (grantThrough < ackedThrough) return undefined;
      return {
        epoch: h.epoch,
        source: h.source,
        incarnation: h.incarnation,
        type: FrameType.Grant,
        streamSource: buf.readUInt32BE(o),
        streamIncarnation: buf.readUInt32BE(o + 4),
        ackedThrough,
        grantThrough,
        window: buf.readUInt16BE(o + 20),
      };
    }
    case FrameType.Hello: {
      if (body < 3) return undefined;
      const role = buf.readUInt8(o);
      const length = buf.readUInt8(o + 1);
      if (!roles.has(role) || length < 1 || length > MAX_NAME_BYTES || body !== 2 + length) return undefined;
      if (!isUtf8(buf.subarray(o + 2, end))) return undefined;
      return {
        epoch: h.epoch,
        source: h.source,
        incarnation: h.incarnation,
        type: FrameType.Hello,
        role: role as Role,
        name: buf.toString("utf8", o + 2, end),
      };
    }
    case FrameType.Announce: {
      if (body < 6) return undefined;
      const count = buf.readUInt16BE(o + 4);
      if (body !== 6 + 8 * count) return undefined;
      const members: AnnouncedMember[] = [];
      for (let p = o + 6; p < end; p += 8)
        members.push({ id: buf.readUInt32BE(p), incarnation: buf.readUInt32BE(p + 4) });
      return {
        epoch: h.epoch,
        source: h.source,
        incarnation: h.incarnation,
        type: FrameType.Announce,
        membershipVersion: buf.readUInt32BE(o),
        members,
      };
    }
    case FrameType.Leave:
      return { epoch: h.epoch, source: h.source, incarnation: h.incarnation, type: FrameType.Leave };
  }
  return undefined;
}
