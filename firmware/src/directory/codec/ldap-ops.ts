// The fig 7 update operations as RFC 4511 LDAPMessage PDUs, byte for byte what OpenLDAP's ldapadd,
// ldapmodify and ldapdelete send: AddRequest [APPLICATION 8] (section 4.7), DelRequest [APPLICATION 10]
// (4.8) and ModifyRequest [APPLICATION 6] with add(0), delete(1), replace(2) (4.6). No controls.
// Attribute values are UTF-8 strings (the ISS schema has no binary attributes). Pure; docs/directory-wire.md.
import type { Attributes, ChangeOp, Modification } from "../model/types.js";
import { BerReader, BerWriter, Tag } from "./ber.js";
import { DecodeError } from "./decode-error.js";

/**
 * RFC 4512 section 2.5 attributedescription: a descr (letter, then letters, digits, hyphens) or a numericoid
 * (no leading zeros), then ";option"s. It also keeps attribute names safe as object keys.
 */
const ATTRIBUTE_DESCRIPTION =
  /^(?:[A-Za-z][A-Za-z0-9-]*|(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))+)(?:;[A-Za-z0-9-]+)*$/;

const OPERATIONS = ["add", "delete", "replace"] as const;

function checkAttribute(name: string): void {
  if (!ATTRIBUTE_DESCRIPTION.test(name))
    throw new RangeError(`invalid attribute description ${JSON.stringify(name)}`);
}

function writePartialAttribute(w: BerWriter, type: string, values: readonly string[]): void {
  w.start(Tag.Sequence);
  w.utf8(Tag.OctetString, type);
  w.start(Tag.Set);
  for (const v of values) w.utf8(Tag.OctetString, v);
  w.end();
  w.end();
}

function writeAttributes(w: BerWriter, attributes: Attributes): void {
  w.start(Tag.Sequence);
  for (const [type, values] of Object.entries(attributes)) {
    checkAttribute(type);
    if (values.length === 0) throw new RangeError(`attribute ${type} of an add has no values`);
    writePartialAttribute(w, type, values);
  }
  w.end();
}

/** Appends one LDAPMessage carrying `op` to `w`. Throws RangeError for what the decoder would reject. */
export function writeOp(w: BerWriter, messageId: number, op: ChangeOp): void {
  w.start(Tag.Sequence);
  w.integer(Tag.Integer, messageId);
  switch (op.type) {
    case "add":
      w.start(Tag.AddRequest);
      w.utf8(Tag.OctetString, op.dn);
      writeAttributes(w, op.attributes);
      w.end();
      break;
    case "delete":
      w.utf8(Tag.DelRequest, op.dn);
      break;
    case "modify":
      w.start(Tag.ModifyRequest);
      w.utf8(Tag.OctetString, op.dn);
      w.start(Tag.Sequence);
      for (const m of op.modifications) {
        checkAttribute(m.attribute);
        w.start(Tag.Sequence);
        w.integer(Tag.Enumerated, OPERATIONS.indexOf(m.operation));
        writePartialAttribute(w, m.attribute, m.values);
        w.end();
      }
      w.end();
      w.end();
      break;
  }
  w.end();
}

function readAttributeDescription(r: BerReader): string {
  const at = r.offset;
  const type = r.utf8(Tag.OctetString, "attribute description");
  if (!ATTRIBUTE_DESCRIPTION.test(type))
    throw new DecodeError("attribute", `${JSON.stringify(type)} at offset ${at} is not a name or OID`);
  return type;
}

function readValues(r: BerReader): string[] {
  const values: string[] = [];
  r.enter(Tag.Set, "attribute values");
  while (!r.atEnd()) values.push(r.utf8(Tag.OctetString, "attribute value"));
  r.leave("attribute values");
  return values;
}

function readAttributes(r: BerReader): Attributes {
  const attributes: Attributes = {};
  r.enter(Tag.Sequence, "AttributeList");
  while (!r.atEnd()) {
    const at = r.offset;
    r.enter(Tag.Sequence, "Attribute");
    const type = readAttributeDescription(r);
    const values = readValues(r);
    r.leave("Attribute");
    if (Object.hasOwn(attributes, type))
      throw new DecodeError("attribute", `${type} at offset ${at} appears twice in an AddRequest`);
    if (values.length === 0) throw new DecodeError("attribute", `${type} at offset ${at} has no values`);
    attributes[type] = values;
  }
  r.leave("AttributeList");
  return attributes;
}

function readModifications(r: BerReader): Modification[] {
  const modifications: Modification[] = [];
  r.enter(Tag.Sequence, "changes");
  while (!r.atEnd()) {
    r.enter(Tag.Sequence, "change");
    const at = r.offset;
    const operation = OPERATIONS[r.integer(Tag.Enumerated, "modify operation")];
    if (operation === undefined)
      throw new DecodeError(
        "field",
        `modify operation at offset ${at} is not add(0), delete(1) or replace(2)`,
      );
    r.enter(Tag.Sequence, "modification");
    const attribute = readAttributeDescription(r);
    const values = readValues(r);
    r.leave("modification");
    r.leave("change");
    modifications.push({ operation, attribute, values });
  }
  r.leave("changes");
  return modifications;
}

function readProtocolOp(r: BerReader): ChangeOp {
  const at = r.offset;
  switch (r.peekTag()) {
    case Tag.AddRequest: {
      r.enter(Tag.AddRequest, "AddRequest");
      const dn = r.utf8(Tag.OctetString, "entry");
      const attributes = readAttributes(r);
      r.leave("AddRequest");
      return { type: "add", dn, attributes };
    }
    case Tag.DelRequest:
      return { type: "delete", dn: r.utf8(Tag.DelRequest, "DelRequest") };
    case Tag.ModifyRequest: {
      r.enter(Tag.ModifyRequest, "ModifyRequest");
      const dn = r.utf8(Tag.OctetString, "object");
      const modifications = readModifications(r);
      r.leave("ModifyRequest");
      return { type: "modify", dn, modifications };
    }
    case undefined:
      throw new DecodeError("truncated", `protocolOp at offset ${at}`);
    default:
      throw new DecodeError("tag", `protocolOp at offset ${at} is not an add, delete or modify request`);
  }
}

/** Reads one LDAPMessage carrying an update operation (no controls) from `r`. */
export function readOp(r: BerReader): { messageId: number; op: ChangeOp } {
  r.enter(Tag.Sequence, "LDAPMessage");
  const messageId = r.integer(Tag.Integer, "messageID");
  const op = readProtocolOp(r);
  r.leave("LDAPMessage");
  return { messageId, op };
}

/** One LDAPMessage PDU, as an LDAP client sends it. Throws RangeError for a value that does not fit. */
export function encodeOp(messageId: number, op: ChangeOp): Buffer {
  const w = new BerWriter();
  writeOp(w, messageId, op);
  return w.finish();
}

/** Decodes one LDAPMessage PDU that fills `buf`. Throws DecodeError, nothing else. */
export function decodeOp(buf: Buffer): { messageId: number; op: ChangeOp } {
  const r = new BerReader(buf);
  const decoded = readOp(r);
  r.expectEnd("the LDAPMessage");
  return decoded;
}
