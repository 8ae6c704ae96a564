// The load generator's LDAP PDUs (RFC 4511), on the firmware's own BER writer: BindRequest (simple),
// SearchRequest with equality, presence and AND filters, UnbindRequest (the update requests come from
// ldap-ops.ts), and a reader for what servers answer: framing of PDUs in a byte stream and the result
// code of an LDAPResult. The reader accepts any definite length form (BER lets a server spend more length
// bytes than needed, which the firmware's canonical reader rejects) and reads only what it counts. Pure.
import { BerWriter, Tag } from "../../firmware/src/directory/codec/ber.js";
import type { Filter, Scope } from "../../firmware/src/directory/model/types.js";

/** Identifier octets of the requests the generator sends and of the responses that carry no LDAPResult. */
export const Op = {
  BindRequest: 0x60,
  UnbindRequest: 0x42,
  SearchRequest: 0x63,
  SearchResultEntry: 0x64,
  SearchResultReference: 0x73,
} as const;

const SimpleAuth = 0x80;
const FilterTag = { and: 0xa0, equal: 0xa3, present: 0x87 } as const;
const scopes: Record<Scope, number> = { base: 0, one: 1, sub: 2 };

export function encodeBind(messageId: number, dn: string, password: string): Buffer {
  const w = new BerWriter(128);
  w.start(Tag.Sequence);
  w.integer(Tag.Integer, messageId);
  w.start(Op.BindRequest);
  w.integer(Tag.Integer, 3);
  w.utf8(Tag.OctetString, dn);
  w.utf8(SimpleAuth, password);
  w.end();
  w.end();
  return w.finish();
}

export function encodeUnbind(messageId: number): Buffer {
  const w = new BerWriter(16);
  w.start(Tag.Sequence);
  w.integer(Tag.Integer, messageId);
  w.start(Op.UnbindRequest);
  w.end();
  w.end();
  return w.finish();
}

function writeFilter(w: BerWriter, filter: Filter): void {
  switch (filter.type) {
    case "and":
      w.start(FilterTag.and);
      for (const f of filter.filters) writeFilter(w, f);
      w.end();
      return;
    case "equal":
      w.start(FilterTag.equal);
      w.utf8(Tag.OctetString, filter.attribute);
      w.utf8(Tag.OctetString, filter.value);
      w.end();
      return;
    case "present":
      w.utf8(FilterTag.present, filter.attribute);
      return;
    default:
      throw new RangeError(`the load generator does not send ${filter.type} filters`);
  }
}

export interface SearchSpec {
  base: string;
  scope: Scope;
  filter: Filter;
  /** Attributes to return; empty asks for all user attributes. */
  attributes: readonly string[];
}

export function encodeSearch(messageId: number, s: SearchSpec): Buffer {
  const w = new BerWriter(256);
  w.start(Tag.Sequence);
  w.integer(Tag.Integer, messageId);
  w.start(Op.SearchRequest);
  w.utf8(Tag.OctetString, s.base);
  w.integer(Tag.Enumerated, scopes[s.scope]);
  w.integer(Tag.Enumerated, 0);
  w.integer(Tag.Integer, 0);
  w.integer(Tag.Integer, 0);
  w.boolean(Tag.Boolean, false);
  writeFilter(w, s.filter);
  w.start(Tag.Sequence);
  for (const a of s.attributes) w.utf8(Tag.OctetString, a);
  w.end();
  w.end();
  w.end();
  return w.finish();
}

interface Header {
  tag: number;
  /** Offset of the first content byte. */
  content: number;
  length: number;
}

/** The element header at `pos`, or null when `buf` ends inside it. Throws on what is not BER. */
function header(buf: Buffer, pos: number): Header | null {
  if (buf.length - pos < 2) return null;
  const tag = buf[pos]!;
  const first = buf[pos + 1]!;
  if (first < 0x80) return { tag, content: pos + 2, length: first };
  const n = first & 0x7f;
  if (n === 0 || n > 4) throw new Error(`unsupported BER length octet 0x${first.toString(16)} at ${pos}`);
  if (buf.length - pos < 2 + n) return null;
  return { tag, content: pos + 2 + n, length: buf.readUIntBE(pos + 2, n) };
}

/** Bytes of the complete LDAPMessage starting at `pos`, or 0 when more bytes are needed. */
export function pduLength(buf: Buffer, pos: number): number {
  const h = header(buf, pos);
  if (h === null) return 0;
  if (h.tag !== Tag.Sequence) throw new Error(`LDAPMessage starts with tag 0x${h.tag.toString(16)}`);
  const end = h.content + h.length;
  return end <= buf.length ? end - pos : 0;
}

export interface Response {
  messageId: number;
  /** The protocolOp's identifier octet (Op). */
  op: number;
  /** The LDAPResult's resultCode; null for a SearchResultEntry or SearchResultReference. */
  resultCode: number | null;
  diagnostic: string;
}

function element(buf: Buffer, pos: number, end: number, what: string): Header {
  const h = header(buf, pos);
  if (h === null || h.content + h.length > end) throw new Error(`${what} runs past its message`);
  return h;
}

/** Reads the LDAPMessage that fills `pdu` (as cut by pduLength). */
export function readResponse(pdu: Buffer): Response {
  const message = element(pdu, 0, pdu.length, "LDAPMessage");
  const end = message.content + message.length;
  const id = element(pdu, message.content, end, "messageID");
  if (id.tag !== Tag.Integer || id.length < 1 || id.length > 4) throw new Error("bad messageID");
  const messageId = pdu.readIntBE(id.content, id.length);
  const op = element(pdu, id.content + id.length, end, "protocolOp");
  if (op.tag === Op.SearchResultEntry || op.tag === Op.SearchResultReference)
    return { messageId, op: op.tag, resultCode: null, diagnostic: "" };
  const opEnd = op.content + op.length;
  const code = element(pdu, op.content, opEnd, "resultCode");
  if (code.tag !== Tag.Enumerated || code.length < 1 || code.length > 4) throw new Error("bad resultCode");
  const resultCode = pdu.readIntBE(code.content, code.length);
  const matched = element(pdu, code.content + code.length, opEnd, "matchedDN");
  const diagnostic = element(pdu, matched.content + matched.length, opEnd, "diagnosticMessage");
  return {
    messageId,
    op: op.tag,
    resultCode,
    diagnostic: pdu.toString("utf8", diagnostic.content, diagnostic.content + diagnostic.length),
  };
}
