// Guards the LDAP server's byte stream before ldapjs parses it: follows the BER framing of LDAPMessage PDUs
// (tag 0x30, definite length) and refuses a connection whose next PDU is not a SEQUENCE, uses an
// indefinite or over-long length field, or announces more than maxPduBytes — so a hostile length field
// cannot make the parser buffer without bound. It hands the parser whole PDUs only, each checked to have the
// shape of an LDAP request (request-shape.ts), so ldapjs never reads past the end of a message.
import { requestShapeError } from "./request-shape.js";

/** The whole PDUs a chunk completed, in order, and why the stream must be closed after them, if it must. */
export interface GuardResult {
  pdus: Buffer[];
  refused?: string;
}

export class PduGuard {
  private header: number[] = [];
  private parts: Buffer[] = [];
  private remaining = 0;

  constructor(private readonly maxPduBytes: number) {}

  /** Feeds bytes; returns the PDUs they completed and, when the stream must be closed, why. */
  feed(data: Buffer): GuardResult {
    const pdus: Buffer[] = [];
    let i = 0;
    while (i < data.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, data.length - i);
        this.parts.push(data.subarray(i, i + take));
        this.remaining -= take;
        i += take;
      } else {
        this.header.push(data[i++] ?? 0);
        const verdict = this.parseHeader();
        if (typeof verdict === "string") return { pdus, refused: verdict };
        if (verdict === undefined) continue;
        this.parts = [Buffer.from(this.header)];
        this.header = [];
        this.remaining = verdict;
      }
      if (this.remaining === 0) {
        const pdu = Buffer.concat(this.parts);
        this.parts = [];
        const shape = requestShapeError(pdu);
        if (shape !== undefined) return { pdus, refused: `not an LDAP request: ${shape}` };
        pdus.push(pdu);
      }
    }
    return { pdus };
  }

  /** The content length once the header is complete, an error text, or undefined while it is incomplete. */
  private parseHeader(): number | string | undefined {
    const h = this.header;
    if (h[0] !== 0x30) return `PDU starts with tag 0x${(h[0] ?? 0).toString(16)}, not SEQUENCE`;
    if (h.length < 2) return undefined;
    const first = h[1] ?? 0;
    let length: number;
    if (first < 0x80) length = first;
    else {
      const octets = first & 0x7f;
      if (octets === 0) return "indefinite length is not allowed in LDAP";
      if (octets > 4) return `length field of ${octets} octets`;
      if (h.length < 2 + octets) return undefined;
      length = 0;
      for (let k = 0; k < octets; k++) length = length * 256 + (h[2 + k] ?? 0);
    }
    if (length > this.maxPduBytes) return `PDU of ${length} bytes exceeds ${this.maxPduBytes}`;
    return length;
  }
}
