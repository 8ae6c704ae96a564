// Pure codec of one sync frame body (docs/sync-wire.md): kind byte, epoch, fixed-width big-endian fields.
// Decoding is total: it returns a frame that re-encodes to the same bytes or throws SyncDecodeError.
// Framing, sequence numbers and tags are the session's (session.ts).
import { FrameKind, MAX_U53, NONCE_BYTES, SYNC_VERSION, type SyncFrame, type SyncRole } from "./frames.js";

export type SyncDecodeReason =
  /** fewer bytes than the frame kind needs */
  | "truncated"
  /** more bytes than the frame kind has */
  | "trailing"
  /** an unknown kind byte */
  | "kind"
  /** a hello of another wire format version */
  | "version"
  /** a number or code outside the values its field allows */
  | "field";

export class SyncDecodeError extends Error {
  constructor(
    readonly reason: SyncDecodeReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = "SyncDecodeError";
  }
}

/** Bytes of the part every frame has: kind (1) and epoch (8). */
export const COMMON_BYTES = 9;
/** Whole size of each fixed-size frame kind; changes is COMMON_BYTES + payload. */
export const FIXED_BYTES = {
  hello: COMMON_BYTES + 4 + NONCE_BYTES,
  ready: COMMON_BYTES,
  lease: COMMON_BYTES + 16,
  durable: COMMON_BYTES + 12,
  "takeover-request": COMMON_BYTES + 3,
  release: COMMON_BYTES + 8,
  check: COMMON_BYTES + 4,
  "check-reply": COMMON_BYTES + 4,
} as const;

const ROLE_CODE: Record<SyncRole, number> = { sm: 1, standby: 2 };
const kindNames = new Map<number, SyncFrame["kind"]>(
  Object.entries(FrameKind).map(([name, code]) => [code, name as SyncFrame["kind"]]),
);

export function encodedLength(frame: SyncFrame): number {
  return frame.kind === "changes" ? COMMON_BYTES + frame.payload.length : FIXED_BYTES[frame.kind];
}

function check(ok: boolean, what: string, value: unknown): void {
  if (!ok) throw new RangeError(`${what} ${String(value)} does not fit its field`);
}

function uint(value: number, max: number, what: string): void {
  check(Number.isInteger(value) && value >= 0 && value <= max, what, value);
}

function writeU53(buf: Buffer, value: number, at: number, what: string): void {
  uint(value, MAX_U53, what);
  buf.writeUInt32BE(Math.floor(value / 2 ** 32), at);
  buf.writeUInt32BE(value % 2 ** 32, at + 4);
}

function writeNode(buf: Buffer, node: number, at: number): void {
  check(Number.isInteger(node) && node >= 1 && node <= 0xffff, "node", node);
  buf.writeUInt16BE(node, at);
}

/**
 * Writes the frame at `buf[at, at + encodedLength(frame))`. Throws RangeError for any value the decoder
 * would reject, so whatever it writes decodes to an equal frame.
 */
export function writeFrame(frame: SyncFrame, buf: Buffer, at: number): void {
  buf.writeUInt8(FrameKind[frame.kind], at);
  writeU53(buf, frame.epoch, at + 1, "epoch");
  const o = at + COMMON_BYTES;
  switch (frame.kind) {
    case "hello":
      check(frame.nonce.length === NONCE_BYTES, "nonce of length", frame.nonce.length);
      buf.writeUInt8(SYNC_VERSION, o);
      buf.writeUInt8(ROLE_CODE[frame.role], o + 1);
      writeNode(buf, frame.node, o + 2);
      buf.set(frame.nonce, o + 4);
      return;
    case "ready":
      return;
    case "changes":
      buf.set(frame.payload, o);
      return;
    case "lease":
      uint(frame.seq, 0xffffffff, "lease seq");
      uint(frame.validMs, 0xffffffff, "validMs");
      buf.writeUInt32BE(frame.seq, o);
      writeU53(buf, frame.headCsn, o + 4, "headCsn");
      buf.writeUInt32BE(frame.validMs, o + 12);
      return;
    case "durable":
      uint(frame.leaseSeq, 0xffffffff, "leaseSeq");
      writeU53(buf, frame.csn, o, "csn");
      buf.writeUInt32BE(frame.leaseSeq, o + 8);
      return;
    case "takeover-request":
      uint(frame.priority, 0xff, "priority");
      writeNode(buf, frame.node, o);
      buf.writeUInt8(frame.priority, o + 2);
      return;
    case "release":
      writeU53(buf, frame.csn, o, "csn");
      return;
    case "check":
    case "check-reply":
      uint(frame.seq, 0xffffffff, `${frame.kind} seq`);
      buf.writeUInt32BE(frame.seq, o);
      return;
  }
}

export function encodeFrame(frame: SyncFrame): Buffer {
  const buf = Buffer.allocUnsafe(encodedLength(frame));
  writeFrame(frame, buf, 0);
  return buf;
}

function readU53(buf: Buffer, at: number, what: string): number {
  const high = buf.readUInt32BE(at);
  if (high > 0x1fffff)
    throw new SyncDecodeError(
      "field",
      `${what} at offset ${at} is 2^53 or more (high word 0x${high.toString(16)})`,
    );
  return high * 2 ** 32 + buf.readUInt32BE(at + 4);
}

function readNode(buf: Buffer, at: number): number {
  const node = buf.readUInt16BE(at);
  if (node === 0) throw new SyncDecodeError("field", `node at offset ${at} is 0`);
  return node;
}

function readRole(buf: Buffer, at: number): SyncRole {
  const code = buf.readUInt8(at);
  if (code === ROLE_CODE.sm) return "sm";
  if (code === ROLE_CODE.standby) return "standby";
  throw new SyncDecodeError("field", `role at offset ${at} is ${code}, not 1 (sm) or 2 (standby)`);
}

/**
 * Decodes the frame that fills `buf`. Throws SyncDecodeError, nothing else. `nonce` and `payload` are views
 * of `buf`, not copies.
 */
export function decodeFrame(buf: Buffer): SyncFrame {
  if (buf.length < 1) throw new SyncDecodeError("truncated", "0 bytes, no kind");
  const code = buf.readUInt8(0);
  const kind = kindNames.get(code);
  if (kind === undefined) throw new SyncDecodeError("kind", `kind ${code} at offset 0`);
  const size = kind === "changes" ? Math.max(buf.length, COMMON_BYTES) : FIXED_BYTES[kind];
  if (buf.length !== size)
    throw new SyncDecodeError(
      buf.length < size ? "truncated" : "trailing",
      `${kind} of ${buf.length} bytes, expected ${kind === "changes" ? "at least " : ""}${size}`,
    );
  const epoch = readU53(buf, 1, "epoch");
  const o = COMMON_BYTES;
  switch (kind) {
    case "hello": {
      const version = buf.readUInt8(o);
      if (version !== SYNC_VERSION) throw new SyncDecodeError("version", `version ${version} at offset ${o}`);
      const role = readRole(buf, o + 1);
      return { kind, epoch, node: readNode(buf, o + 2), nonce: buf.subarray(o + 4), role };
    }
    case "ready":
      return { kind, epoch };
    case "changes":
      return { kind, epoch, payload: buf.subarray(o) };
    case "lease":
      return {
        kind,
        epoch,
        seq: buf.readUInt32BE(o),
        headCsn: readU53(buf, o + 4, "headCsn"),
        validMs: buf.readUInt32BE(o + 12),
      };
    case "durable":
      return { kind, epoch, csn: readU53(buf, o, "csn"), leaseSeq: buf.readUInt32BE(o + 8) };
    case "takeover-request":
      return { kind, epoch, node: readNode(buf, o), priority: buf.readUInt8(o + 2) };
    case "release":
      return { kind, epoch, csn: readU53(buf, o, "csn") };
    case "check":
    case "check-reply":
      return { kind, epoch, seq: buf.readUInt32BE(o) };
  }
}
