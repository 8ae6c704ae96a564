// Search filter evaluation (RFC 4511 section 4.5.1.7) with the schema's matching rules and three-valued logic:
// a component is TRUE, FALSE or Undefined (unknown attribute, no suitable rule, assertion value the rule cannot
// take), and NOT keeps Undefined. A filter is compiled once into a predicate and cached by object identity, so
// a search over many entries normalizes its assertion values once. Entries carry canonical attribute names
// (as checkEntry returns them). Pure.

import type { MatchingRule } from "./matching-rules.js";
import type { AttributeType, SchemaModel } from "./schema-model.js";
import type { Entry, Filter } from "./types.js";

/** TRUE, FALSE, or Undefined. */
type Truth = boolean | undefined;
type Predicate = (entry: Entry) => Truth;

const UNDEFINED: Predicate = () => undefined;

function anyValue(entry: Entry, types: readonly AttributeType[], test: (value: string) => boolean): boolean {
  for (const t of types) {
    const values = entry.attributes[t.name];
    if (values) for (const v of values) if (test(v)) return true;
  }
  return false;
}

function compileAnd(parts: Predicate[]): Predicate {
  return (e) => {
    let result: Truth = true;
    for (const p of parts) {
      const r = p(e);
      if (r === false) return false;
      if (r === undefined) result = undefined;
    }
    return result;
  };
}

function compileOr(parts: Predicate[]): Predicate {
  return (e) => {
    let result: Truth = false;
    for (const p of parts) {
      const r = p(e);
      if (r === true) return true;
      if (r === undefined) result = undefined;
    }
    return result;
  };
}

/** Equality of a value with a normal-form assertion; objectClass also matches subclasses (slapd does too). */
function equalityTest(model: SchemaModel, at: AttributeType, rule: MatchingRule, asserted: string) {
  if (at === model.attribute("objectClass")) {
    return (v: string) => model.objectClass(v.trim())?.ancestors.has(asserted) ?? false;
  }
  return (v: string) => rule.normalize(v) === asserted;
}

function compileSubstring(at: AttributeType, f: Extract<Filter, { type: "substring" }>): Predicate {
  const rule = at.substr;
  const component = rule?.component;
  if (!rule || !component) return UNDEFINED;
  const initial = f.initial === undefined ? "" : component(f.initial)?.trimStart();
  const final = f.final === undefined ? "" : component(f.final)?.trimEnd();
  const any = f.any.map(component);
  if (initial === undefined || final === undefined || any.some((a) => a === undefined)) return UNDEFINED;
  const middle = any as string[];
  const test = (value: string) => {
    const v = rule.normalize(value);
    if (
      v === undefined ||
      v.length < initial.length + final.length ||
      !v.startsWith(initial) ||
      !v.endsWith(final)
    ) {
      return false;
    }
    let at = initial.length;
    const end = v.length - final.length;
    for (const part of middle) {
      const found = v.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
  return (e) => anyValue(e, at.withSubtypes, test);
}

function compileOrdering(at: AttributeType, value: string, ge: boolean): Predicate {
  const rule = at.ordering;
  const compare = rule?.compare;
  const asserted = rule?.normalize(value);
  if (!rule || !compare || asserted === undefined) return UNDEFINED;
  const test = (v: string) => {
    const n = rule.normalize(v);
    return n !== undefined && (ge ? compare(n, asserted) >= 0 : compare(n, asserted) <= 0);
  };
  return (e) => anyValue(e, at.withSubtypes, test);
}

/** Extensible match: a rule (or the attribute's equality rule) on the attribute, or on every attribute of the
 * rule's syntax, and with dnAttributes on the values of the entry's DN too. Ordering rules test value < asserted. */
function compileExtensible(model: SchemaModel, f: Extract<Filter, { type: "ext" }>): Predicate {
  const at = f.attribute === undefined ? undefined : model.attribute(f.attribute);
  if (f.attribute !== undefined && !at) return UNDEFINED;
  const rule = f.rule === undefined ? at?.equality : model.rule(f.rule);
  if (!rule || rule.kind === "substrings" || (at && at.syntax !== rule.syntax)) return UNDEFINED;
  const asserted = rule.normalize(f.value);
  if (asserted === undefined) return UNDEFINED;
  const compare = rule.compare;
  const test =
    rule.kind === "ordering" && compare
      ? (v: string) => {
          const n = rule.normalize(v);
          return n !== undefined && compare(n, asserted) < 0;
        }
      : at
        ? equalityTest(model, at, rule, asserted)
        : (v: string) => rule.normalize(v) === asserted;
  const applies = (t: AttributeType | undefined): boolean =>
    t !== undefined && (at ? at.withSubtypes.includes(t) : t.syntax === rule.syntax);
  return (e) => {
    for (const [name, values] of Object.entries(e.attributes)) {
      if (applies(model.attribute(name)) && values.some(test)) return true;
    }
    if (!f.dnAttributes) return false;
    return model
      .parseDn(e.dn)
      .rdns.some((rdn) => rdn.some((ava) => applies(model.attribute(ava.attribute)) && test(ava.value)));
  };
}

function compile(model: SchemaModel, f: Filter): Predicate {
  switch (f.type) {
    case "and":
      return compileAnd(f.filters.map((g) => compile(model, g)));
    case "or":
      return compileOr(f.filters.map((g) => compile(model, g)));
    case "not": {
      const inner = compile(model, f.filter);
      return (e) => {
        const r = inner(e);
        return r === undefined ? undefined : !r;
      };
    }
    case "ext":
      return compileExtensible(model, f);
  }
  const at = model.attribute(f.attribute);
  if (!at) return UNDEFINED; // also for present, as slapd does
  switch (f.type) {
    case "present":
      return (e) => at.withSubtypes.some((t) => has(e, t));
    case "equal":
    case "approx": {
      const rule = at.equality;
      const asserted = rule?.normalize(f.value);
      if (!rule || asserted === undefined) return UNDEFINED;
      const test = equalityTest(model, at, rule, asserted);
      return (e) => anyValue(e, at.withSubtypes, test);
    }
    case "substring":
      return compileSubstring(at, f);
    case "ge":
    case "le":
      return compileOrdering(at, f.value, f.type === "ge");
  }
}

function has(e: Entry, t: AttributeType): boolean {
  return (e.attributes[t.name]?.length ?? 0) > 0;
}

/** A filter evaluator for one schema, caching each compiled filter by object identity. */
export function filterMatcher(model: SchemaModel): (filter: Filter, entry: Entry) => boolean {
  const compiled = new WeakMap<Filter, Predicate>();
  return (filter, e) => {
    let p = compiled.get(filter);
    if (!p) {
      p = compile(model, filter);
      compiled.set(filter, p);
    }
    return p(e) === true;
  };
}
