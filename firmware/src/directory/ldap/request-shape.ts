// Checks that an LDAPMessage PDU has the shape of an RFC 4511 request before ldapjs parses it: every element
// has the tag the grammar expects at its place, lies inside its enclosing element and the components fill
// it exactly; filters nest at most MAX_FILTER_DEPTH deep. Encodings inside elements (length forms, integer
// and boolean contents, UTF-8) are left to ldapjs, which throws on what it cannot read. Needed because
// @ldapjs/asn1's readers return null without advancing on an element that runs past the end of the message,
// and ldapjs's loops over SEQUENCE OF components then never end (a search whose attribute list holds
// `04 05` with 0 bytes left grows an array until V8 aborts the process). Pure.

/** Deepest filter nesting accepted (the adapter's filter conversion refuses deeper ones too). */
export const MAX_FILTER_DEPTH = 64;

class ShapeError extends Error {}

interface Element {
  tag: number;
  content: number;
  end: number;
}

/** Reads the elements inside [pos, end) one after the other. */
class Cursor {
  constructor(
    private readonly b: Uint8Array,
    private pos: number,
    private readonly end: number,
  ) {}

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  peek(): number | undefined {
    return this.pos < this.end ? this.b[this.pos] : undefined;
  }

  /** The next element, which must have one of `tags`. */
  next(what: string, ...tags: number[]): Element {
    const at = this.pos;
    const tag = this.b[at];
    const first = this.b[at + 1];
    if (tag === undefined || first === undefined || this.end - at < 2)
      throw new ShapeError(`${what} missing at offset ${at}`);
    if (!tags.includes(tag)) throw new ShapeError(`${what} at offset ${at} has tag 0x${tag.toString(16)}`);
    let content = at + 2;
    let length = first;
    if (first & 0x80) {
      const n = first & 0x7f;
      if (n === 0 || n > 4)
        throw new ShapeError(`${what} at offset ${at}: length field 0x${first.toString(16)}`);
      if (this.end - content < n)
        throw new ShapeError(`${what} at offset ${at}: length runs past its parent`);
      length = 0;
      for (let k = 0; k < n; k++) length = length * 256 + (this.b[content + k] ?? 0);
      content += n;
    }
    if (length > this.end - content) throw new ShapeError(`${what} at offset ${at} runs past its parent`);
    this.pos = content + length;
    return { tag, content, end: this.pos };
  }

  /** The components of a constructed element. */
  inner(e: Element): Cursor {
    return new Cursor(this.b, e.content, e.end);
  }

  done(what: string): void {
    if (this.pos !== this.end) throw new ShapeError(`bytes after the last component of ${what}`);
  }
}

const OCTETS = 0x04;
const SEQUENCE = 0x30;
const SET = 0x31;

/** SEQUENCE { type, SET OF value } (AddRequest attributes, modification's partial attribute). */
function attribute(c: Cursor, what: string): void {
  const a = c.inner(c.next(what, SEQUENCE));
  a.next(`${what} type`, OCTETS);
  const values = a.inner(a.next(`${what} values`, SET));
  while (!values.atEnd()) values.next(`${what} value`, OCTETS);
  a.done(what);
}

function filter(c: Cursor, depth: number): void {
  if (depth > MAX_FILTER_DEPTH) throw new ShapeError(`filter nested deeper than ${MAX_FILTER_DEPTH}`);
  const f = c.next("filter", 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0x87, 0xa8, 0xa9);
  if (f.tag === 0x87) return;
  const i = c.inner(f);
  switch (f.tag) {
    case 0xa0:
    case 0xa1:
      while (!i.atEnd()) filter(i, depth + 1);
      return;
    case 0xa2:
      filter(i, depth + 1);
      break;
    case 0xa4: {
      i.next("substrings type", OCTETS);
      const parts = i.inner(i.next("substrings", SEQUENCE));
      while (!parts.atEnd()) parts.next("substring", 0x80, 0x81, 0x82);
      break;
    }
    case 0xa9:
      if (i.peek() === 0x81) i.next("matchingRule", 0x81);
      if (i.peek() === 0x82) i.next("type", 0x82);
      i.next("matchValue", 0x83);
      if (!i.atEnd()) i.next("dnAttributes", 0x84);
      break;
    default:
      i.next("attribute description", OCTETS);
      i.next("assertion value", OCTETS);
  }
  i.done("filter");
}

function protocolOp(m: Cursor): void {
  const op = m.next("protocolOp", 0x60, 0x42, 0x63, 0x66, 0x68, 0x4a, 0x6c, 0x6e, 0x50, 0x77);
  const i = m.inner(op);
  switch (op.tag) {
    case 0x60: {
      i.next("version", 0x02);
      i.next("name", OCTETS);
      const auth = i.next("authentication", 0x80, 0xa3);
      if (auth.tag === 0xa3) {
        const sasl = i.inner(auth);
        sasl.next("mechanism", OCTETS);
        if (!sasl.atEnd()) sasl.next("credentials", OCTETS);
        sasl.done("SaslCredentials");
      }
      break;
    }
    case 0x63: {
      i.next("baseObject", OCTETS);
      i.next("scope", 0x0a);
      i.next("derefAliases", 0x0a);
      i.next("sizeLimit", 0x02);
      i.next("timeLimit", 0x02);
      i.next("typesOnly", 0x01);
      filter(i, 1);
      const attributes = i.inner(i.next("attributes", SEQUENCE));
      while (!attributes.atEnd()) attributes.next("attribute selector", OCTETS);
      break;
    }
    case 0x66: {
      i.next("object", OCTETS);
      const changes = i.inner(i.next("changes", SEQUENCE));
      while (!changes.atEnd()) {
        const change = changes.inner(changes.next("change", SEQUENCE));
        change.next("operation", 0x0a);
        attribute(change, "modification");
        change.done("change");
      }
      break;
    }
    case 0x68: {
      i.next("entry", OCTETS);
      const attributes = i.inner(i.next("attributes", SEQUENCE));
      while (!attributes.atEnd()) attribute(attributes, "attribute");
      break;
    }
    case 0x6c:
      i.next("entry", OCTETS);
      i.next("newrdn", OCTETS);
      i.next("deleteoldrdn", 0x01);
      if (!i.atEnd()) i.next("newSuperior", 0x80);
      break;
    case 0x6e: {
      i.next("entry", OCTETS);
      const ava = i.inner(i.next("ava", SEQUENCE));
      ava.next("attributeDesc", OCTETS);
      ava.next("assertionValue", OCTETS);
      ava.done("ava");
      break;
    }
    case 0x77:
      i.next("requestName", 0x80);
      if (!i.atEnd()) i.next("requestValue", 0x81);
      break;
    case 0x42:
      if (op.end !== op.content) throw new ShapeError("UnbindRequest is not empty");
      return;
    default:
      return;
  }
  i.done("protocolOp");
}

/** Why `pdu` (one whole BER element) is not an LDAP request, or undefined when its shape is one. */
export function requestShapeError(pdu: Uint8Array): string | undefined {
  try {
    const top = new Cursor(pdu, 0, pdu.length);
    const m = top.inner(top.next("LDAPMessage", SEQUENCE));
    top.done("the PDU");
    m.next("messageID", 0x02);
    protocolOp(m);
    if (!m.atEnd()) {
      const controls = m.inner(m.next("controls", 0xa0));
      while (!controls.atEnd()) {
        const control = controls.inner(controls.next("control", SEQUENCE));
        control.next("controlType", OCTETS);
        if (control.peek() === 0x01) control.next("criticality", 0x01);
        if (!control.atEnd()) control.next("controlValue", OCTETS);
        control.done("control");
      }
    }
    m.done("LDAPMessage");
    return undefined;
  } catch (err) {
    if (err instanceof ShapeError) return err.message;
    throw err;
  }
}
