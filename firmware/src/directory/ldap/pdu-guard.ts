// Guards the LDAP server's byte stream before ldapjs parses it: follows the BER framing of LDAPMessage PDUs
// (tag 0x30, definite length) and refuses a connection whose next PDU is not a SEQUENCE, uses an
// indefinite or over-long length field, or announces more than maxPduBytes — so a hostile length field
// cannot make the parser buffer without bound.
export class PduGuard {
  private header: number[] = [];
  private remaining = 0;

  constructor(private readonly maxPduBytes: number) {}

  /** Feeds bytes; returns an error text when the stream must be closed. */
  feed(data: Uint8Array): string | undefined {
    let i = 0;
    while (i < data.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, data.length - i);
        this.remaining -= take;
        i += take;
        continue;
      }
      this.header.push(data[i++] ?? 0);
      const verdict = this.parseHeader();
      if (verdict !== undefined) return verdict;
    }
    return undefined;
  }

  private parseHeader(): string | undefined {
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
    this.header = [];
    this.remaining = length;
    return undefined;
  }
}
