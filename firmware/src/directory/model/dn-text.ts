// The string form of distinguished names (RFC 4514): a scanner from text to RDNs of raw attribute types and
// decoded values (escapes `\,` and `\2C`, UTF-8 hex pairs, `#` BER hex strings, multi-valued RDNs with `+`,
// white space around separators tolerated as slapd does), and the escaping of values for the normal form.
// Knows nothing of the schema. Pure.

import { LdapError, ResultCode } from "./types.js";

export interface RawAva {
  /** The attribute type as written: a descriptor or a numeric OID. */
  type: string;
  /** The decoded value. */
  value: string;
}

export interface RawDn {
  /** Leftmost RDN first. */
  rdns: RawAva[][];
  /** The DN as written, with the white space around `,`, `+` and `=` removed. */
  display: string;
}

const fail = (text: string, at: number, why: string): never => {
  throw new LdapError(ResultCode.invalidDnSyntax, `invalid DN "${text}" at ${at}: ${why}`);
};

const isSpace = (c: string | undefined): boolean => c === " ";
const HEX = /^[0-9A-Fa-f]{2}$/;
const DESCR = /[A-Za-z0-9-]/;
const NUMERIC_OID = /^(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*$/;
/** Characters that may follow a backslash as themselves (RFC 4514 `special`, plus space, `#` and `=`). */
const ESCAPABLE = new Set([" ", '"', "#", "+", ",", ";", "<", "=", ">", "\\"]);
/** Characters that must be escaped inside a value. */
const MUST_ESCAPE = new Set(['"', ";", "<", ">", "\0"]);
const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(bytes: number[], text: string, at: number): string {
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return fail(text, at, "escaped bytes are not UTF-8");
  }
}

class DnScanner {
  i = 0;
  constructor(readonly text: string) {}

  skipSpaces(): void {
    while (isSpace(this.text[this.i])) this.i++;
  }

  type(): string {
    const start = this.i;
    while (this.i < this.text.length && /[A-Za-z0-9.-]/.test(this.text[this.i] ?? "")) this.i++;
    const type = this.text.slice(start, this.i);
    const descr = /^[A-Za-z]/.test(type) && [...type].every((c) => DESCR.test(c));
    if (!descr && !NUMERIC_OID.test(type)) fail(this.text, start, "expected an attribute type");
    return type;
  }

  /** Reads a value up to an unescaped `,` or `+` or the end; returns it decoded and as written. */
  value(): { value: string; raw: string } {
    const start = this.i;
    if (this.text[this.i] === "#") return this.hexValue();
    if (this.text[this.i] === '"') fail(this.text, this.i, "quoted values are not supported");
    let out = "";
    let bytes: number[] = [];
    let end = this.i; // just past the last significant character (unescaped trailing spaces are not)
    const flush = () => {
      if (bytes.length > 0) out += decodeUtf8(bytes, this.text, this.i);
      bytes = [];
    };
    let trailing = "";
    while (this.i < this.text.length) {
      const c = this.text[this.i] ?? "";
      if (c === "," || c === "+") break;
      if (c === "\\") {
        const pair = this.text.slice(this.i + 1, this.i + 3);
        if (HEX.test(pair)) {
          out += trailing;
          trailing = "";
          bytes.push(parseInt(pair, 16));
          this.i += 3;
        } else {
          const e = this.text[this.i + 1];
          if (e === undefined || !ESCAPABLE.has(e)) fail(this.text, this.i, "bad escape");
          flush();
          out += trailing + (e ?? "");
          trailing = "";
          this.i += 2;
        }
        end = this.i;
        continue;
      }
      if (MUST_ESCAPE.has(c)) fail(this.text, this.i, `unescaped ${JSON.stringify(c)}`);
      flush();
      if (isSpace(c)) trailing += c;
      else {
        out += trailing + c;
        trailing = "";
        end = this.i + 1;
      }
      this.i++;
    }
    flush();
    return { value: out, raw: this.text.slice(start, end) };
  }

  /** `#` and the hex digits of a BER-encoded string (OCTET STRING, UTF8String, PrintableString, IA5String). */
  private hexValue(): { value: string; raw: string } {
    const start = this.i++;
    while (/[0-9A-Fa-f]/.test(this.text[this.i] ?? "")) this.i++;
    const hex = this.text.slice(start + 1, this.i);
    if (hex.length < 4 || hex.length % 2 !== 0) fail(this.text, start, "bad hex string");
    const bytes = (hex.match(/../g) ?? []).map((h) => parseInt(h, 16));
    const [tag, len] = bytes;
    if (![0x04, 0x0c, 0x13, 0x16].includes(tag ?? -1))
      fail(this.text, start, "hex string is not a BER string");
    let body = bytes.slice(2);
    if ((len ?? 0) > 0x80) {
      const n = (len ?? 0) - 0x80;
      body = bytes.slice(2 + n);
      if (bytes.slice(2, 2 + n).reduce((a, b) => a * 256 + b, 0) !== body.length)
        fail(this.text, start, "bad length");
    } else if (len !== body.length) fail(this.text, start, "bad BER length");
    const end = this.i;
    this.skipSpaces();
    return { value: decodeUtf8(body, this.text, start), raw: this.text.slice(start, end) };
  }
}

/** Parses an RFC 4514 DN string. Throws LdapError(invalidDnSyntax). */
export function parseDnText(text: string): RawDn {
  const s = new DnScanner(text);
  const rdns: RawAva[][] = [];
  const shown: string[] = [];
  s.skipSpaces();
  if (s.i === text.length) return { rdns, display: "" };
  let rdn: RawAva[] = [];
  let rdnShown: string[] = [];
  for (;;) {
    s.skipSpaces();
    const type = s.type();
    s.skipSpaces();
    if (text[s.i] !== "=") fail(text, s.i, "expected =");
    s.i++;
    s.skipSpaces();
    const { value, raw } = s.value();
    rdn.push({ type, value });
    rdnShown.push(`${type}=${raw}`);
    const sep = text[s.i];
    if (sep === "+") {
      s.i++;
      continue;
    }
    rdns.push(rdn);
    shown.push(rdnShown.join("+"));
    if (sep === undefined) break;
    s.i++; // ","
    rdn = [];
    rdnShown = [];
  }
  return { rdns, display: shown.join(",") };
}

/** RFC 4514 section 2.4 escaping of a value, with control characters as hex pairs (keeps the normal form
 * free of "\u0001", the separator of tree keys). */
export function escapeDnValue(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? "";
    const code = c.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) out += `\\${code.toString(16).toUpperCase().padStart(2, "0")}`;
    else if ('"+,;<>\\'.includes(c)) out += `\\${c}`;
    else if ((c === "#" || c === " ") && i === 0) out += `\\${c}`;
    else if (c === " " && i === value.length - 1) out += "\\ ";
    else out += c;
  }
  return out;
}
