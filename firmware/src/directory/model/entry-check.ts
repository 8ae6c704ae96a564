// Schema check of a whole entry, as for an LDAP ADD: attribute types known, value syntax, duplicates,
// SINGLE-VALUE, object classes (exactly one structural chain), the RDN's values present, MUST and MAY, and the
// ISS's own value rules. Result codes and messages follow slapd's (checked against it in the tests). Pure.

import { ISS_VALUE_CONSTRAINTS } from "./iss-value-constraints.js";
import type { AttributeType, ObjectClass, ParsedDn, SchemaModel } from "./schema-model.js";
import { LdapError, ResultCode, type Attributes, type Entry } from "./types.js";

export type AttributeMap = Map<AttributeType, string[]>;

const fail = (code: (typeof ResultCode)[keyof typeof ResultCode], message: string): never => {
  throw new LdapError(code, message);
};

/** Attributes by type, aliases merged (`cn` and `commonName` are one attribute). Unknown types: 17. */
export function attributeMap(model: SchemaModel, attributes: Attributes): AttributeMap {
  const map: AttributeMap = new Map();
  for (const [name, values] of Object.entries(attributes)) {
    const at =
      model.attribute(name) ?? fail(ResultCode.undefinedAttributeType, `${name}: attribute type undefined`);
    if (values.length === 0) fail(ResultCode.protocolError, `${name}: no values`);
    map.set(at, [...(map.get(at) ?? []), ...values]);
  }
  return map;
}

/** The normal form used to tell values apart: the equality rule's, or the value itself without one. */
export function valueKey(at: AttributeType, value: string): string | undefined {
  return at.equality ? at.equality.normalize(value) : value;
}

/** Checks syntax and drops repeated values (keeping the first spelling). Empty or malformed values: 21. */
function validValues(at: AttributeType, values: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  values.forEach((v, i) => {
    const key = v.length > 0 && at.validate(v) ? valueKey(at, v) : undefined;
    if (key === undefined)
      fail(ResultCode.invalidAttributeSyntax, `${at.name}: value #${i} invalid per syntax`);
    else if (!seen.has(key)) {
      seen.add(key);
      out.push(v);
    }
  });
  return out;
}

/** The entry's structural class: the most specific of its structural classes, which must form one chain. */
export function structuralClass(classes: ObjectClass[]): ObjectClass {
  const structural = classes.filter((c) => c.kind === "STRUCTURAL");
  const leaf = structural.find((c) => structural.every((s) => c.ancestors.has(s.name.toLowerCase())));
  if (structural.length === 0) fail(ResultCode.objectClassViolation, "no structural object class provided");
  if (!leaf) {
    fail(
      ResultCode.objectClassViolation,
      `invalid structural object class chain (${structural.map((c) => c.name).join("/")})`,
    );
  }
  return leaf as ObjectClass;
}

/** The object classes an entry names. Unknown names: 21, like slapd. */
export function entryClasses(model: SchemaModel, map: AttributeMap): ObjectClass[] {
  const values = map.get(model.attribute("objectClass") as AttributeType);
  if (!values) return fail(ResultCode.objectClassViolation, "no objectClass attribute");
  return values.map(
    (v, i) =>
      model.objectClass(v.trim()) ??
      fail(ResultCode.invalidAttributeSyntax, `objectClass: value #${i} invalid per syntax`),
  );
}

/** Whether the entry holds `value` (by the attribute's equality rule). */
function holds(map: AttributeMap, at: AttributeType, value: string): boolean {
  const key = valueKey(at, value);
  return (map.get(at) ?? []).some((v) => valueKey(at, v) === key);
}

/** The RDN's attribute values that the entry does not hold, by attribute name. */
export function missingRdnValues(model: SchemaModel, dn: ParsedDn, map: AttributeMap): string[] {
  return (dn.rdns[0] ?? [])
    .filter((ava) => !holds(map, model.attribute(ava.attribute) as AttributeType, ava.value))
    .map((ava) => ava.attribute);
}

function checkIssRules(at: AttributeType, values: string[]): void {
  const rule = ISS_VALUE_CONSTRAINTS.get(at.name);
  values.forEach((v, i) => {
    if (at.maxLength !== undefined && v.length > at.maxLength && [...v].length > at.maxLength) {
      fail(
        ResultCode.constraintViolation,
        `${at.name}: value #${i} is longer than ${at.maxLength} characters`,
      );
    }
    const why = rule?.(v);
    if (why !== undefined) fail(ResultCode.constraintViolation, `${at.name}: value #${i} "${v}" ${why}`);
  });
}

export function checkEntry(model: SchemaModel, entry: Entry): Entry {
  const dn = model.parseDn(entry.dn);
  const map = attributeMap(model, entry.attributes);
  for (const [at, values] of map) map.set(at, validValues(at, values));
  for (const [at, values] of map) {
    if (at.singleValue && values.length > 1)
      fail(ResultCode.constraintViolation, `${at.name}: multiple values provided`);
  }
  const classes = entryClasses(model, map);
  structuralClass(classes);
  const missing = missingRdnValues(model, dn, map);
  if (missing.length > 0) {
    fail(
      ResultCode.namingViolation,
      `value of naming attribute '${missing.join("', '")}' is not present in entry`,
    );
  }
  const allowed = new Set<AttributeType>();
  for (const oc of classes) {
    for (const at of oc.must) {
      if (!map.has(at))
        fail(ResultCode.objectClassViolation, `object class '${oc.name}' requires attribute '${at.name}'`);
      allowed.add(at);
    }
    for (const at of oc.may) allowed.add(at);
  }
  for (const at of map.keys()) {
    if (!allowed.has(at)) fail(ResultCode.objectClassViolation, `attribute '${at.name}' not allowed`);
  }
  for (const [at, values] of map) checkIssRules(at, values);
  const attributes: Attributes = {};
  for (const [at, values] of map) attributes[at.name] = values;
  return { dn: entry.dn, attributes };
}
