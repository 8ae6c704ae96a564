// Pure RMTP encoder: frame object + packet number -> signed bytes. Layouts in docs/rmtp-wire.md.
import {
  DATA_FIELDS_BYTES,
  FrameType,
  HEADER_BYTES,
  MAGIC,
  MAX_NAK_RANGES,
  MAX_NAME_BYTES,
  TAG_BYTES,
  VERSION,
  type Frame,
} from "./frames.js";
import type { Keyring } from "./keyring.js";

export const MAX_PACKET_NUMBER = 2 ** 48 - 1;

function bodyBytes(frame: Frame): number {
  switch (frame.type) {
    case FrameType.Data:
      return DATA_FIELDS_BYTES + frame.payload.length;
    case FrameType.Abort:
      return 16;
    case FrameType.Ack:
      return 14;
    case FrameType.Nak:
      return 9 + 8 * frame.ranges.length;
    case FrameType.Grant:
      return 22;
    case FrameType.Hello:
      return 2 + Buffer.byteLength(frame.name, "utf8");
    case FrameType.Announce:
      return 6 + 8 * frame.members.length;
    case FrameType.Leave:
      return 0;
  }
}

function headerFlags(frame: Frame): number {
  return frame.type === FrameType.Data ? frame.flags : 0;
}

function writeBody(frame: Frame, buf: Buffer, o: number): void {
  switch (frame.type) {
    case FrameType.Data:
      buf.writeUIntBE(frame.seq, o, 6);
      buf.writeUInt32BE(frame.messageId, o + 6);
      buf.writeUInt32BE(frame.messageBytes, o + 10);
      buf.writeUIntBE(frame.ackedThrough, o + 14, 6);
      buf.set(frame.payload, o + DATA_FIELDS_BYTES);
      return;
    case FrameType.Abort:
      buf.writeUIntBE(frame.seq, o, 6);
      buf.writeUInt32BE(frame.messageId, o + 6);
      buf.writeUIntBE(frame.ackedThrough, o + 10, 6);
      return;
    case FrameType.Ack:
      buf.writeUInt32BE(frame.streamSource, o);
      buf.writeUInt32BE(frame.streamIncarnation, o + 4);
      buf.writeUIntBE(frame.cumulative, o + 8, 6);
      return;
    case FrameType.Nak: {
      if (frame.ranges.length > MAX_NAK_RANGES)
        throw new RangeError(`NAK has more than ${MAX_NAK_RANGES} ranges`);
      buf.writeUInt32BE(frame.streamSource, o);
      buf.writeUInt32BE(frame.streamIncarnation, o + 4);
      buf.writeUInt8(frame.ranges.length, o + 8);
      let p = o + 9;
      for (const r of frame.ranges) {
        buf.writeUIntBE(r.start, p, 6);
        buf.writeUInt16BE(r.count, p + 6);
        p += 8;
      }
      return;
    }
    case FrameType.Grant:
      buf.writeUInt32BE(frame.streamSource, o);
      buf.writeUInt32BE(frame.streamIncarnation, o + 4);
      buf.writeUIntBE(frame.ackedThrough, o + 8, 6);
      buf.writeUIntBE(frame.grantThrough, o + 14, 6);
      buf.writeUInt16BE(frame.window, o + 20);
      return;
    case FrameType.Hello: {
      const name = Buffer.from(frame.name, "utf8");
      if (name.length < 1 || name.length > MAX_NAME_BYTES)
        throw new RangeError("HELLO name must be 1-32 bytes");
      buf.writeUInt8(frame.role, o);
      buf.writeUInt8(name.length, o + 1);
      name.copy(buf, o + 2);
      return;
    }
    case FrameType.Announce: {
      buf.writeUInt32BE(frame.membershipVersion, o);
      buf.writeUInt16BE(frame.members.length, o + 4);
      let p = o + 6;
      for (const m of frame.members) {
        buf.writeUInt32BE(m.id, p);
        buf.writeUInt32BE(m.incarnation, p + 4);
        p += 8;
      }
      return;
    }
    case FrameType.Leave:
      return;
  }
}

/** Encodes and signs a frame. `packetNumber` is the sender's per-incarnation frame counter (anti-replay). */
export function encodeFrame(frame: Frame, packetNumber: number, keyring: Keyring): Buffer {
  const body = bodyBytes(frame);
  const end = HEADER_BYTES + body;
  const buf = Buffer.allocUnsafe(end + TAG_BYTES);
  buf.writeUInt16BE(MAGIC, 0);
  buf.writeUInt8(VERSION, 2);
  buf.writeUInt8(frame.type, 3);
  buf.writeUInt8(headerFlags(frame), 4);
  buf.writeUInt8(keyring.sendKeyId, 5);
  buf.writeUInt16BE(body, 6);
  buf.writeUInt32BE(frame.epoch, 8);
  buf.writeUInt32BE(frame.source, 12);
  buf.writeUInt32BE(frame.incarnation, 16);
  buf.writeUIntBE(packetNumber, 20, 6);
  writeBody(frame, buf, HEADER_BYTES);
  keyring.sign(buf, end);
  return buf;
}

/** The largest payload a DATA frame of `frameBytes` total bytes can carry. */
export function maxPayload(frameBytes: number): number {
  return frameBytes - HEADER_BYTES - DATA_FIELDS_BYTES - TAG_BYTES;
}
