// The directory schema as the rest of the firmware uses it: built from an OpenLDAP schema file on top of the
// built-in core subset, it names attributes, normalizes values and DNs, checks entries for ADD, applies
// MODIFY, answers COMPARE and evaluates search filters, failing with the LDAP result codes slapd uses.
// loadIssSchema() is the one function here with I/O: it reads firmware/schema/iss.schema.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CORE_SCHEMA_TEXT } from "./core-schema.js";
import { checkEntry } from "./entry-check.js";
import { filterMatcher } from "./filter-match.js";
import { modifyEntry } from "./modify.js";
import { buildSchemaModel, type AttributeType, type ParsedDn, type SchemaModel } from "./schema-model.js";
import { parseSchemaText } from "./schema-text.js";
import { LdapError, ResultCode, type Entry, type Filter, type Modification } from "./types.js";

export type { ParsedDn } from "./schema-model.js";

function frozen(dn: ParsedDn): ParsedDn {
  for (const rdn of dn.rdns) {
    for (const ava of rdn) Object.freeze(ava);
    Object.freeze(rdn);
  }
  Object.freeze(dn.rdns);
  return Object.freeze(dn);
}

export class DirectorySchema {
  private readonly match: (filter: Filter, entry: Entry) => boolean;
  private readonly dnCache = new Map<string, ParsedDn>();

  private constructor(private readonly model: SchemaModel) {
    this.match = filterMatcher(model);
  }

  /** OpenLDAP schema text (objectidentifier, attributetype, objectclass) on top of the core subset.
   * Throws an Error naming the line of a malformed or inconsistent definition. */
  static parse(schemaText: string): DirectorySchema {
    const core = parseSchemaText(CORE_SCHEMA_TEXT, "core subset");
    const own = parseSchemaText(schemaText);
    return new DirectorySchema(
      buildSchemaModel({
        attributeTypes: [...core.attributeTypes, ...own.attributeTypes],
        objectClasses: [...core.objectClasses, ...own.objectClasses],
      }),
    );
  }

  /** The canonical name of an attribute type, by any of its names (any case) or its OID. */
  attributeName(nameOrOid: string): string | undefined {
    return this.model.attribute(nameOrOid)?.name;
  }

  /** A value in the normal form of the attribute's equality rule (index keys, DN comparison).
   * Throws undefinedAttributeType, inappropriateMatching (no equality rule) or invalidAttributeSyntax. */
  normalizeValue(attribute: string, value: string): string {
    const at = this.attribute(attribute);
    if (!at.equality)
      throw new LdapError(ResultCode.inappropriateMatching, `${at.name} has no equality rule`);
    const normal = at.equality.normalize(value);
    if (normal === undefined) {
      throw new LdapError(ResultCode.invalidAttributeSyntax, `${at.name}: value invalid per syntax`);
    }
    return normal;
  }

  /** Parses an RFC 4514 DN. Throws LdapError(invalidDnSyntax), also for an undefined attribute type. */
  /** Parsed DNs are frozen and cached (up to 4096): searches and writes name the same bases over and over. */
  dn(text: string): ParsedDn {
    const cached = this.dnCache.get(text);
    if (cached) return cached;
    const parsed = frozen(this.model.parseDn(text));
    if (this.dnCache.size >= 4096) this.dnCache.clear();
    this.dnCache.set(text, parsed);
    return parsed;
  }

  /** Validates a full entry for ADD; returns it with canonical attribute names and repeated values dropped. */
  checkEntry(entry: Entry): Entry {
    return checkEntry(this.model, entry);
  }

  /** The entry after the modifications (RFC 4511 section 4.6), all or nothing; the input is not changed. */
  modify(entry: Entry, mods: Modification[]): Entry {
    return modifyEntry(this.model, entry, mods);
  }

  /** COMPARE by the attribute's equality rule (subtypes included). An entry without the attribute: false. */
  compare(entry: Entry, attribute: string, value: string): boolean {
    this.normalizeValue(attribute, value);
    return this.match({ type: "equal", attribute, value }, entry);
  }

  /** Whether the entry matches the filter (Undefined counts as no match). Filters are compiled once and
   * cached by object identity: do not change a filter object after using it. */
  matches(filter: Filter, entry: Entry): boolean {
    return this.match(filter, entry);
  }

  private attribute(name: string): AttributeType {
    const at = this.model.attribute(name);
    if (!at) throw new LdapError(ResultCode.undefinedAttributeType, `${name}: attribute type undefined`);
    return at;
  }
}

function issSchemaFile(): string {
  // Compiled, this module runs from dist/firmware/src/directory/model/; the schema is in the repository's
  // firmware/schema/. Walking up finds it from either place.
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, "firmware", "schema", "iss.schema");
    if (existsSync(file)) return file;
    if (dirname(dir) === dir)
      throw new Error("firmware/schema/iss.schema not found above the directory model");
  }
}

let issSchema: DirectorySchema | undefined;

/** The ISS schema (firmware/schema/iss.schema), parsed once per process. */
export function loadIssSchema(): DirectorySchema {
  issSchema ??= DirectorySchema.parse(readFileSync(issSchemaFile(), "utf8"));
  return issSchema;
}
