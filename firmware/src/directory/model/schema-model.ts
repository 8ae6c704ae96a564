// The compiled schema: attribute types with their inherited syntax and matching rules, object classes with
// their inherited MUST and MAY sets and superclasses, name and OID lookups, and DN parsing into the normal
// form and tree keys. Everything a check or a filter needs per value is precomputed here. Pure.

import { escapeDnValue, parseDnText } from "./dn-text.js";
import { matchingRules, type MatchingRule } from "./matching-rules.js";
import type { AttributeTypeDef, ObjectClassKind, SchemaDefs } from "./schema-text.js";
import { OID, SYNTAX, syntaxValidators, type Validator } from "./syntaxes.js";
import { LdapError, ResultCode } from "./types.js";

export interface AttributeType {
  readonly name: string;
  readonly oid: string;
  /** Lower-case canonical name: the attribute's part of normal-form DNs. */
  readonly key: string;
  readonly syntax: string;
  readonly validate: Validator;
  readonly maxLength: number | undefined;
  readonly singleValue: boolean;
  readonly equality: MatchingRule | undefined;
  readonly ordering: MatchingRule | undefined;
  readonly substr: MatchingRule | undefined;
  /** This type and every type below it (a filter on `name` also looks at `cn`, `o` and `ou`). */
  readonly withSubtypes: readonly AttributeType[];
  readonly sup: AttributeType | undefined;
}

export interface ObjectClass {
  readonly name: string;
  readonly oid: string;
  readonly kind: ObjectClassKind;
  /** Lower-case names of this class and all its superclasses. */
  readonly ancestors: ReadonlySet<string>;
  /** MUST and MAY attributes, inherited ones included. */
  readonly must: readonly AttributeType[];
  readonly may: readonly AttributeType[];
}

export interface ParsedDn {
  /** Leftmost RDN first; canonical attribute names. */
  rdns: { attribute: string; value: string }[][];
  /** Canonical normal form, e.g. "cn=iss-sm1,ou=switches,dc=lan1,dc=iss,dc=example". */
  normalized: string;
  /** Normal-form RDNs from the root down, each followed by "\u0001"; "" for the empty DN. */
  key: string;
  /** undefined for the empty DN. */
  parentKey: string | undefined;
  /** The DN as the client wrote it, with white space around separators removed. */
  display: string;
}

export interface SchemaModel {
  attribute(nameOrOid: string): AttributeType | undefined;
  objectClass(nameOrOid: string): ObjectClass | undefined;
  rule(nameOrOid: string): MatchingRule | undefined;
  parseDn(text: string): ParsedDn;
}

/** Cache size of normalized DN values (issContentServer and friends repeat a few servers many times). */
const DN_CACHE_LIMIT = 4096;

type MutableAttribute = AttributeType & { withSubtypes: AttributeType[]; sup: MutableAttribute | undefined };

function mutableAttribute(
  def: AttributeTypeDef,
  sup: MutableAttribute | undefined,
  rules: Map<string, MatchingRule>,
  validators: ReadonlyMap<string, Validator>,
): MutableAttribute {
  const name = def.names[0] ?? def.oid;
  const rule = (ref: string | undefined, kind: MatchingRule["kind"], inherited: MatchingRule | undefined) => {
    if (ref === undefined) return inherited;
    const r = rules.get(ref.toLowerCase());
    if (!r || r.kind !== kind) throw new Error(`attribute type ${name}: unsupported ${kind} rule ${ref}`);
    return r;
  };
  const syntax = def.syntax ?? sup?.syntax;
  const validate = syntax === undefined ? undefined : validators.get(syntax);
  if (syntax === undefined || !validate)
    throw new Error(`attribute type ${name}: unsupported syntax ${syntax}`);
  return {
    name,
    oid: def.oid,
    key: name.toLowerCase(),
    syntax,
    validate,
    maxLength: def.maxLength ?? (def.syntax === undefined ? sup?.maxLength : undefined),
    singleValue: def.singleValue,
    equality: rule(def.equality, "equality", sup?.equality),
    ordering: rule(def.ordering, "ordering", sup?.ordering),
    substr: rule(def.substr, "substrings", sup?.substr),
    withSubtypes: [],
    sup,
  };
}

export function buildSchemaModel(defs: SchemaDefs): SchemaModel {
  const attributes = new Map<string, MutableAttribute>();
  const classes = new Map<string, ObjectClass>();
  const rules = new Map<string, MatchingRule>();
  const dnCache = new Map<string, string | undefined>();

  const attribute = (n: string) => attributes.get(n.toLowerCase());
  const objectClass = (n: string) => classes.get(n.toLowerCase());

  const parseDn = (text: string): ParsedDn => {
    const raw = parseDnText(text);
    const rdns: ParsedDn["rdns"] = [];
    const parts: string[] = [];
    for (const rdn of raw.rdns) {
      const avas: ParsedDn["rdns"][number] = [];
      const normal: string[] = [];
      for (const ava of rdn) {
        const at = attribute(ava.type);
        if (!at)
          throw new LdapError(ResultCode.invalidDnSyntax, `invalid DN: undefined attribute type ${ava.type}`);
        const value = at.equality ? at.equality.normalize(ava.value) : ava.value;
        if (value === undefined || !at.validate(ava.value)) {
          throw new LdapError(ResultCode.invalidDnSyntax, `invalid DN: bad value of ${at.name} in "${text}"`);
        }
        avas.push({ attribute: at.name, value: ava.value });
        normal.push(`${at.key}=${escapeDnValue(value)}`);
      }
      rdns.push(avas);
      parts.push(normal.sort().join("+"));
    }
    const key = parts.reduceRight((k, p) => `${k}${p}\u0001`, "");
    const first = parts[0];
    return {
      rdns,
      normalized: parts.join(","),
      key,
      parentKey: first === undefined ? undefined : key.slice(0, key.length - first.length - 1),
      display: raw.display,
    };
  };

  const normalizeDn = (value: string): string | undefined => {
    if (dnCache.has(value)) return dnCache.get(value);
    let normal: string | undefined;
    try {
      normal = parseDn(value).normalized;
    } catch (e) {
      if (!(e instanceof LdapError)) throw e;
    }
    if (dnCache.size >= DN_CACHE_LIMIT) dnCache.clear();
    dnCache.set(value, normal);
    return normal;
  };
  const normalizeOid = (value: string): string | undefined => {
    const v = value.trim();
    if (!OID.test(v)) return undefined;
    return (objectClass(v)?.name ?? attribute(v)?.name ?? v).toLowerCase();
  };

  for (const r of matchingRules(normalizeDn, normalizeOid)) {
    rules.set(r.name.toLowerCase(), r);
    rules.set(r.oid, r);
  }
  const validators = syntaxValidators((v) => normalizeDn(v) !== undefined);

  for (const def of defs.attributeTypes) {
    const sup = def.sup === undefined ? undefined : attribute(def.sup);
    if (def.sup !== undefined && !sup) throw new Error(`attribute type ${def.oid}: unknown SUP ${def.sup}`);
    const at = mutableAttribute(def, sup, rules, validators);
    for (const key of [def.oid, ...def.names]) {
      if (attributes.has(key.toLowerCase())) throw new Error(`attribute type ${key} is defined twice`);
      attributes.set(key.toLowerCase(), at);
    }
    for (let t: MutableAttribute | undefined = at; t; t = t.sup) t.withSubtypes.push(at);
  }

  const attributeList = (cls: string, names: string[]) =>
    names.map((n) => {
      const at = attribute(n);
      if (!at) throw new Error(`object class ${cls}: unknown attribute ${n}`);
      return at;
    });

  for (const def of defs.objectClasses) {
    const name = def.names[0] ?? def.oid;
    const sups = def.sup.map((s) => {
      const c = objectClass(s);
      if (!c) throw new Error(`object class ${name}: unknown SUP ${s}`);
      return c;
    });
    const oc: ObjectClass = {
      name,
      oid: def.oid,
      kind: def.kind,
      ancestors: new Set([name.toLowerCase(), ...sups.flatMap((s) => [...s.ancestors])]),
      must: unique([...sups.flatMap((s) => s.must), ...attributeList(name, def.must)]),
      may: unique([...sups.flatMap((s) => s.may), ...attributeList(name, def.may)]),
    };
    for (const key of [def.oid, ...def.names]) {
      if (classes.has(key.toLowerCase())) throw new Error(`object class ${key} is defined twice`);
      classes.set(key.toLowerCase(), oc);
    }
  }
  if (!attribute("objectClass") || attribute("objectClass")?.syntax !== SYNTAX.oid) {
    throw new Error("the schema has no objectClass attribute type");
  }
  return { attribute, objectClass, rule: (n) => rules.get(n.toLowerCase()), parseDn };
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
