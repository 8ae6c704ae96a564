// LDAP MODIFY (RFC 4511 section 4.6) on an entry: the modifications apply in order to a copy, all or nothing,
// and the result must pass the whole-entry check. The RDN's values stay (notAllowedOnRdn), and the structural
// object class does not change (objectClassModsProhibited). Pure; never changes its input.

import {
  attributeMap,
  checkEntry,
  entryClasses,
  missingRdnValues,
  structuralClass,
  valueKey,
  type AttributeMap,
} from "./entry-check.js";
import type { AttributeType, SchemaModel } from "./schema-model.js";
import { LdapError, ResultCode, type Attributes, type Entry, type Modification } from "./types.js";

/** Normal forms of a modification's values; malformed values: 21, a value given twice: 20. */
function modificationKeys(at: AttributeType, mod: Modification): string[] {
  const keys: string[] = [];
  mod.values.forEach((v, i) => {
    const key = v.length > 0 && at.validate(v) ? valueKey(at, v) : undefined;
    if (key === undefined) {
      throw new LdapError(ResultCode.invalidAttributeSyntax, `${at.name}: value #${i} invalid per syntax`);
    }
    if (keys.includes(key)) {
      throw new LdapError(
        ResultCode.attributeOrValueExists,
        `${at.name}: value #${i} provided more than once`,
      );
    }
    keys.push(key);
  });
  return keys;
}

function apply(map: AttributeMap, at: AttributeType, mod: Modification): void {
  const keys = modificationKeys(at, mod);
  const current = map.get(at) ?? [];
  const currentKeys = current.map((v) => valueKey(at, v));
  switch (mod.operation) {
    case "add": {
      if (keys.length === 0)
        throw new LdapError(ResultCode.protocolError, `modify/add: ${at.name}: no values given`);
      const i = keys.findIndex((k) => currentKeys.includes(k));
      if (i >= 0)
        throw new LdapError(
          ResultCode.attributeOrValueExists,
          `modify/add: ${at.name}: value #${i} already exists`,
        );
      map.set(at, [...current, ...mod.values]);
      return;
    }
    case "delete": {
      if (!map.has(at))
        throw new LdapError(ResultCode.noSuchAttribute, `modify/delete: ${at.name}: no such attribute`);
      if (keys.some((k) => !currentKeys.includes(k))) {
        throw new LdapError(ResultCode.noSuchAttribute, `modify/delete: ${at.name}: no such value`);
      }
      const left = keys.length === 0 ? [] : current.filter((_v, i) => !keys.includes(currentKeys[i] ?? ""));
      if (left.length === 0) map.delete(at);
      else map.set(at, left);
      return;
    }
    case "replace":
      if (mod.values.length === 0) map.delete(at);
      else map.set(at, [...mod.values]);
      return;
  }
}

export function modifyEntry(model: SchemaModel, entry: Entry, mods: Modification[]): Entry {
  const dn = model.parseDn(entry.dn);
  const before = attributeMap(model, entry.attributes);
  const map: AttributeMap = new Map(before);
  for (const mod of mods) {
    const at = model.attribute(mod.attribute);
    if (!at)
      throw new LdapError(ResultCode.undefinedAttributeType, `${mod.attribute}: attribute type undefined`);
    apply(map, at, mod);
  }
  const lost = missingRdnValues(model, dn, map);
  if (lost.length > 0) {
    throw new LdapError(
      ResultCode.notAllowedOnRdn,
      `value of naming attribute '${lost.join("', '")}' would be removed`,
    );
  }
  const objectClass = model.attribute("objectClass") as AttributeType;
  if (map.get(objectClass) !== before.get(objectClass)) {
    const from = structuralClass(entryClasses(model, before));
    const to = structuralClass(entryClasses(model, map));
    if (from !== to) {
      throw new LdapError(
        ResultCode.objectClassModsProhibited,
        `structural object class modification from '${from.name}' to '${to.name}' not allowed`,
      );
    }
  }
  const attributes: Attributes = {};
  for (const [at, values] of map) attributes[at.name] = values;
  return checkEntry(model, { dn: entry.dn, attributes });
}
