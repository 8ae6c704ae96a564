// A minimal BER writer and reader for LDAP (RFC 4511 section 5.1: definite lengths only, low tag numbers),
// plus the fixed-width big-endian integers of the directory message envelope around the BER elements.
// Both sides use one canonical form (minimal lengths and integers, as OpenLDAP's tools send), so bytes the
// reader accepts are the bytes the writer produces. The reader checks every length against the bytes left
// in its enclosing element and limits nesting depth; it throws only DecodeError.
import { isUtf8 } from "node:buffer";
import { DecodeError } from "./decode-error.js";

/** Universal and LDAP application tags (identifier octets) used by the directory codec. */
export const Tag = {
  Boolean: 0x01,
  Integer: 0x02,
  OctetString: 0x04,
  Enumerated: 0x0a,
  Sequence: 0x30,
  Set: 0x31,
  /** [APPLICATION 6] constructed */
  ModifyRequest: 0x66,
  /** [APPLICATION 8] constructed */
  AddRequest: 0x68,
  /** [APPLICATION 10] primitive: the LDAPDN itself */
  DelRequest: 0x4a,
} as const;

/** LDAP's maxInt (RFC 4511 section 4.1.1): the largest INTEGER the reader and writer handle. */
export const MAX_INT = 2 ** 31 - 1;
/** Default limit on nested constructed elements (LDAP update operations need 5). */
export const MAX_DEPTH = 16;

const LONE_SURROGATE = /\p{Cs}/u;

/** Content bytes of a non-negative INTEGER up to MAX_INT in minimal two's complement. */
function integerBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x8000 ? 2 : n < 0x800000 ? 3 : 4;
}

/** Appends BER elements and fixed-width integers to a growing buffer. */
export class BerWriter {
  private buf: Buffer;
  private pos = 0;
  /** Content start of every constructed element not yet ended. */
  private readonly open: number[] = [];

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Starts a constructed element (SEQUENCE, SET, [APPLICATION n]); `end()` closes it. */
  start(tag: number): void {
    this.ensure(2);
    this.buf[this.pos++] = tag;
    this.buf[this.pos++] = 0;
    this.open.push(this.pos);
  }

  /** Closes the innermost open element, writing its length in the fewest bytes. */
  end(): void {
    const start = this.open.pop();
    if (start === undefined) throw new Error("BerWriter.end() without start()");
    const length = this.pos - start;
    if (length < 0x80) {
      this.buf[start - 1] = length;
      return;
    }
    const n = length <= 0xff ? 1 : length <= 0xffff ? 2 : length <= 0xffffff ? 3 : 4;
    this.ensure(n);
    this.buf.copyWithin(start + n, start, this.pos);
    this.buf[start - 1] = 0x80 | n;
    this.buf.writeUIntBE(length, start, n);
    this.pos += n;
  }

  /** An OCTET STRING (or implicitly tagged one) holding `value` in UTF-8. */
  utf8(tag: number, value: string): void {
    if (LONE_SURROGATE.test(value)) throw new RangeError("string has a lone UTF-16 surrogate");
    this.start(tag);
    this.ensure(value.length * 3);
    this.pos += this.buf.write(value, this.pos, "utf8");
    this.end();
  }

  /** An INTEGER or ENUMERATED from 0 to MAX_INT. */
  integer(tag: number, value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > MAX_INT)
      throw new RangeError(`INTEGER ${value} is outside 0..${MAX_INT}`);
    const n = integerBytes(value);
    this.ensure(2 + n);
    this.buf[this.pos++] = tag;
    this.buf[this.pos++] = n;
    this.buf.writeUIntBE(value, this.pos, n);
    this.pos += n;
  }

  boolean(tag: number, value: boolean): void {
    this.ensure(3);
    this.buf[this.pos++] = tag;
    this.buf[this.pos++] = 1;
    this.buf[this.pos++] = value ? 0xff : 0x00;
  }

  /** A big-endian unsigned integer of 1, 2 or 4 bytes. */
  uint(value: number, bytes: 1 | 2 | 4): void {
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * bytes))
      throw new RangeError(`${value} does not fit in ${bytes} bytes`);
    this.ensure(bytes);
    this.buf.writeUIntBE(value, this.pos, bytes);
    this.pos += bytes;
  }

  /** An 8-byte big-endian unsigned integer from 0 to 2^53 - 1. */
  uint53(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${value} is outside 0..2^53-1`);
    this.ensure(8);
    this.buf.writeUInt32BE(Math.floor(value / 2 ** 32), this.pos);
    this.buf.writeUInt32BE(value % 2 ** 32, this.pos + 4);
    this.pos += 8;
  }

  /** Raw bytes, for a string whose length was written before it. */
  raw(value: Uint8Array): void {
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** The bytes written, in a buffer of their own. */
  finish(): Buffer {
    if (this.open.length > 0) throw new Error(`BerWriter.finish() with ${this.open.length} open elements`);
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

/** Reads BER elements and fixed-width integers from a buffer, one element or field after the other. */
export class BerReader {
  private pos: number;
  private limit: number;
  /** The end offsets of the enclosing elements entered and not yet left. */
  private readonly ends: number[] = [];

  constructor(
    private readonly buf: Buffer,
    private readonly maxDepth = MAX_DEPTH,
  ) {
    this.pos = 0;
    this.limit = buf.length;
  }

  get offset(): number {
    return this.pos;
  }

  /** True when no bytes are left in the current element (or in the buffer at the outer level). */
  atEnd(): boolean {
    return this.pos === this.limit;
  }

  /** The next element's identifier octet, without consuming it; undefined at the end. */
  peekTag(): number | undefined {
    return this.pos < this.limit ? this.buf[this.pos] : undefined;
  }

  /** Throws unless the current element or the buffer has been read to its end. */
  expectEnd(what: string): void {
    if (this.pos !== this.limit)
      throw new DecodeError("trailing", `${this.limit - this.pos} bytes after ${what} at offset ${this.pos}`);
  }

  /** Reads identifier and length octets; returns the content length. */
  private header(tag: number, what: string): number {
    const at = this.pos;
    if (this.limit - at < 2) throw new DecodeError("truncated", `${what} at offset ${at}`);
    const found = this.buf[at]!;
    if (found !== tag) {
      const detail = `${what} at offset ${at}: expected tag 0x${tag.toString(16)}, found 0x${found.toString(16)}`;
      throw new DecodeError((found & 0x1f) === 0x1f ? "ber" : "tag", detail);
    }
    const first = this.buf[at + 1]!;
    this.pos = at + 2;
    let length = first;
    if (first >= 0x80) {
      const n = first & 0x7f;
      if (n === 0) throw new DecodeError("ber", `indefinite length of ${what} at offset ${at}`);
      if (n > 4) throw new DecodeError("ber", `${n}-byte length of ${what} at offset ${at}`);
      if (this.limit - this.pos < n) throw new DecodeError("truncated", `length of ${what} at offset ${at}`);
      length = this.buf.readUIntBE(this.pos, n);
      if (length < 0x80 || length < 2 ** (8 * (n - 1)))
        throw new DecodeError("ber", `length of ${what} at offset ${at} not in the fewest bytes`);
      this.pos += n;
    }
    if (length > this.limit - this.pos)
      throw new DecodeError(
        "truncated",
        `${what} at offset ${at} has ${length} bytes, ${this.limit - this.pos} left`,
      );
    return length;
  }

  /** Enters a constructed element; read its components, then call `leave()`. */
  enter(tag: number, what: string): void {
    if (this.ends.length >= this.maxDepth)
      throw new DecodeError("depth", `${what} at offset ${this.pos} nests deeper than ${this.maxDepth}`);
    const length = this.header(tag, what);
    this.ends.push(this.limit);
    this.limit = this.pos + length;
  }

  /** Leaves the element entered last; throws if any of its content was not read. */
  leave(what: string): void {
    this.expectEnd(`the last component of ${what}`);
    const outer = this.ends.pop();
    if (outer === undefined) throw new Error("BerReader.leave() without enter()");
    this.limit = outer;
  }

  /** An OCTET STRING (or implicitly tagged one) that must be well-formed UTF-8. */
  utf8(tag: number, what: string): string {
    const at = this.pos;
    const length = this.header(tag, what);
    return this.text(at, length, what);
  }

  /**
   * The next `length` bytes as a string, checked to be well-formed UTF-8. Node's decoder turns every
   * ill-formed sequence into U+FFFD, so only a string holding U+FFFD needs the full check.
   */
  private text(at: number, length: number, what: string): string {
    const start = this.pos;
    this.pos += length;
    const value = this.buf.toString("utf8", start, this.pos);
    if (value.includes("\ufffd") && !isUtf8(this.buf.subarray(start, this.pos)))
      throw new DecodeError("utf8", `${what} at offset ${at}`);
    return value;
  }

  /** An INTEGER or ENUMERATED from 0 to MAX_INT, in the fewest bytes. */
  integer(tag: number, what: string): number {
    const at = this.pos;
    const length = this.header(tag, what);
    if (length < 1 || length > 4) throw new DecodeError("ber", `${length}-byte ${what} at offset ${at}`);
    const value = this.buf.readIntBE(this.pos, length);
    this.pos += length;
    if (value < 0) throw new DecodeError("field", `${what} at offset ${at} is negative`);
    if (integerBytes(value) !== length)
      throw new DecodeError("ber", `${what} at offset ${at} not in the fewest bytes`);
    return value;
  }

  /** A BOOLEAN encoded as 0x00 or 0xff, the only forms the writer produces. */
  boolean(tag: number, what: string): boolean {
    const at = this.pos;
    const length = this.header(tag, what);
    const value = length === 1 ? this.buf[this.pos] : undefined;
    if (value !== 0x00 && value !== 0xff) throw new DecodeError("ber", `${what} at offset ${at}`);
    this.pos += 1;
    return value === 0xff;
  }

  private need(bytes: number, what: string): number {
    const at = this.pos;
    if (this.limit - at < bytes) throw new DecodeError("truncated", `${what} at offset ${at}`);
    this.pos += bytes;
    return at;
  }

  /** A big-endian unsigned integer of 1, 2 or 4 bytes. */
  uint(bytes: 1 | 2 | 4, what: string): number {
    return this.buf.readUIntBE(this.need(bytes, what), bytes);
  }

  /** An 8-byte big-endian unsigned integer that must be at most 2^53 - 1. */
  uint53(what: string): number {
    const at = this.need(8, what);
    const high = this.buf.readUInt32BE(at);
    if (high >= 2 ** 21) throw new DecodeError("field", `${what} at offset ${at} exceeds 2^53-1`);
    return high * 2 ** 32 + this.buf.readUInt32BE(at + 4);
  }

  /** `bytes` raw bytes that must be well-formed UTF-8. */
  rawUtf8(bytes: number, what: string): string {
    const at = this.pos;
    if (this.limit - at < bytes) throw new DecodeError("truncated", `${what} at offset ${at}`);
    return this.text(at, bytes, what);
  }
}
