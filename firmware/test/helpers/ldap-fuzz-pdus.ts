// LDAP request PDUs (RFC 4511 section 4) for the LDAP server fuzz test, written with the project's BER
// writer: bind, unbind, search (every filter kind), compare, add, delete, modify, modify DN, abandon and
// extended requests, optionally with controls. The update operations reuse the directory codec's writeOp.
import { BerWriter, Tag } from "../../src/directory/codec/ber.js";
import { writeOp } from "../../src/directory/codec/ldap-ops.js";
import type { ChangeOp, Filter, Scope } from "../../src/directory/model/types.js";

/** Identifier octets of the requests and their parts that the directory codec's Tag table lacks. */
export const LdapTag = {
  BindRequest: 0x60,
  UnbindRequest: 0x42,
  SearchRequest: 0x63,
  ModifyDnRequest: 0x6c,
  CompareRequest: 0x6e,
  AbandonRequest: 0x50,
  ExtendedRequest: 0x77,
  Controls: 0xa0,
  SimpleAuth: 0x80,
} as const;

const FilterTag = {
  and: 0xa0,
  or: 0xa1,
  not: 0xa2,
  equal: 0xa3,
  substring: 0xa4,
  ge: 0xa5,
  le: 0xa6,
  present: 0x87,
  approx: 0xa8,
  ext: 0xa9,
} as const;

const scopeCodes: Record<Scope, number> = { base: 0, one: 1, sub: 2 };

export interface Control {
  oid: string;
  critical?: boolean;
  value?: string;
}

export interface SearchSpec {
  base: string;
  scope: Scope;
  filter: Filter;
  attributes?: string[];
  sizeLimit?: number;
  timeLimit?: number;
  typesOnly?: boolean;
  /** derefAliases: 0 never .. 3 always. */
  deref?: number;
}

function writeFilter(w: BerWriter, f: Filter): void {
  switch (f.type) {
    case "and":
    case "or":
      w.start(FilterTag[f.type]);
      for (const inner of f.filters) writeFilter(w, inner);
      w.end();
      return;
    case "not":
      w.start(FilterTag.not);
      writeFilter(w, f.filter);
      w.end();
      return;
    case "equal":
    case "ge":
    case "le":
    case "approx":
      w.start(FilterTag[f.type]);
      w.utf8(Tag.OctetString, f.attribute);
      w.utf8(Tag.OctetString, f.value);
      w.end();
      return;
    case "present":
      w.utf8(FilterTag.present, f.attribute);
      return;
    case "substring":
      w.start(FilterTag.substring);
      w.utf8(Tag.OctetString, f.attribute);
      w.start(Tag.Sequence);
      if (f.initial !== undefined) w.utf8(0x80, f.initial);
      for (const a of f.any) w.utf8(0x81, a);
      if (f.final !== undefined) w.utf8(0x82, f.final);
      w.end();
      w.end();
      return;
    case "ext":
      w.start(FilterTag.ext);
      if (f.rule !== undefined) w.utf8(0x81, f.rule);
      if (f.attribute !== undefined) w.utf8(0x82, f.attribute);
      w.utf8(0x83, f.value);
      if (f.dnAttributes) w.boolean(0x84, true);
      w.end();
      return;
  }
}

/** One LDAPMessage: messageID, the protocol op `body` writes, then the controls if any. */
function message(id: number, body: (w: BerWriter) => void, controls: readonly Control[] = []): Buffer {
  const w = new BerWriter();
  w.start(Tag.Sequence);
  w.integer(Tag.Integer, id);
  body(w);
  if (controls.length > 0) {
    w.start(LdapTag.Controls);
    for (const c of controls) {
      w.start(Tag.Sequence);
      w.utf8(Tag.OctetString, c.oid);
      if (c.critical) w.boolean(Tag.Boolean, true);
      if (c.value !== undefined) w.utf8(Tag.OctetString, c.value);
      w.end();
    }
    w.end();
  }
  w.end();
  return w.finish();
}

export function bindRequest(id: number, dn: string, password: string, controls?: Control[]): Buffer {
  return message(
    id,
    (w) => {
      w.start(LdapTag.BindRequest);
      w.integer(Tag.Integer, 3);
      w.utf8(Tag.OctetString, dn);
      w.utf8(LdapTag.SimpleAuth, password);
      w.end();
    },
    controls,
  );
}

export function unbindRequest(id: number): Buffer {
  return message(id, (w) => w.raw(Buffer.from([LdapTag.UnbindRequest, 0x00])));
}

export function searchRequest(id: number, s: SearchSpec, controls?: Control[]): Buffer {
  return message(
    id,
    (w) => {
      w.start(LdapTag.SearchRequest);
      w.utf8(Tag.OctetString, s.base);
      w.integer(Tag.Enumerated, scopeCodes[s.scope]);
      w.integer(Tag.Enumerated, s.deref ?? 0);
      w.integer(Tag.Integer, s.sizeLimit ?? 0);
      w.integer(Tag.Integer, s.timeLimit ?? 0);
      w.boolean(Tag.Boolean, s.typesOnly ?? false);
      writeFilter(w, s.filter);
      w.start(Tag.Sequence);
      for (const a of s.attributes ?? []) w.utf8(Tag.OctetString, a);
      w.end();
      w.end();
    },
    controls,
  );
}

export function compareRequest(id: number, dn: string, attribute: string, value: string): Buffer {
  return message(id, (w) => {
    w.start(LdapTag.CompareRequest);
    w.utf8(Tag.OctetString, dn);
    w.start(Tag.Sequence);
    w.utf8(Tag.OctetString, attribute);
    w.utf8(Tag.OctetString, value);
    w.end();
    w.end();
  });
}

/** Add, delete or modify, exactly as ldapadd, ldapdelete and ldapmodify send them. */
export function updateRequest(id: number, op: ChangeOp): Buffer {
  const w = new BerWriter();
  writeOp(w, id, op);
  return w.finish();
}

export function modifyDnRequest(
  id: number,
  dn: string,
  newRdn: string,
  deleteOldRdn: boolean,
  newSuperior?: string,
): Buffer {
  return message(id, (w) => {
    w.start(LdapTag.ModifyDnRequest);
    w.utf8(Tag.OctetString, dn);
    w.utf8(Tag.OctetString, newRdn);
    w.boolean(Tag.Boolean, deleteOldRdn);
    if (newSuperior !== undefined) w.utf8(0x80, newSuperior);
    w.end();
  });
}

export function abandonRequest(id: number, target: number): Buffer {
  return message(id, (w) => w.integer(LdapTag.AbandonRequest, target));
}

export function extendedRequest(id: number, oid: string, value?: string): Buffer {
  return message(id, (w) => {
    w.start(LdapTag.ExtendedRequest);
    w.utf8(0x80, oid);
    if (value !== undefined) w.utf8(0x81, value);
    w.end();
  });
}
