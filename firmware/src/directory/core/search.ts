// Search execution over a directory view (RFC 4511 section 4.5): finds the base, picks candidates from an
// equality index when the filter allows it (else walks the base's subtree), applies the scope and the
// filter, enforces the time limit, and projects the requested attributes. Every 256 entries visited it
// yields a pause point (null), so a caller can let other work run during a long scan.
import type { DirectorySchema } from "../model/schema.js";
import {
  LdapError,
  ResultCode,
  type Attributes,
  type Entry,
  type Filter,
  type Scope,
} from "../model/types.js";
import { matchedDn, type TreeContext } from "./apply-op.js";
import { indexedAttributes, indexTerm } from "./index-terms.js";
import type { OverlayView } from "./view.js";

export interface SearchSpec {
  base: string;
  scope: Scope;
  filter: Filter;
  /** Clock value (ms) after which the search fails with timeLimitExceeded. */
  deadline: number;
}

const indexed = new Set<string>(indexedAttributes);

/** An indexed equality term that every match must have, if the filter has one. */
function candidateTerm(schema: DirectorySchema, filter: Filter): string | undefined {
  const terms: string[] = [];
  const collect = (f: Filter): void => {
    if (f.type === "and") f.filters.forEach(collect);
    else if (f.type === "equal") {
      const name = schema.attributeName(f.attribute);
      if (name === undefined || !indexed.has(name)) return;
      try {
        terms.push(indexTerm(name, schema.normalizeValue(name, f.value)));
      } catch {
        // A value the attribute's syntax rejects matches nothing: the filter says so when it is evaluated.
      }
    }
  };
  collect(filter);
  return terms[0];
}

function inScope(baseKey: string, scope: Scope, key: string): boolean {
  if (!key.startsWith(baseKey)) return false;
  if (scope === "sub") return true;
  if (scope === "base") return key.length === baseKey.length;
  const rest = key.length - baseKey.length;
  return rest > 0 && key.indexOf("\u0001", baseKey.length) === key.length - 1;
}

export function* search(
  ctx: TreeContext,
  view: OverlayView,
  spec: SearchSpec,
  now: () => number,
): Generator<Entry | null> {
  const base = ctx.schema.dn(spec.base);
  const baseEntry = view.get(base.key);
  if (!baseEntry) {
    throw new LdapError(ResultCode.noSuchObject, `no entry ${base.display}`, matchedDn(ctx, view, base));
  }
  const term = spec.scope === "base" ? undefined : candidateTerm(ctx.schema, spec.filter);
  let visited = 0;
  /** True at every 256th entry visited: a pause point, after the time limit is checked. */
  const check = (): boolean => {
    if ((++visited & 255) !== 0) return false;
    if (now() > spec.deadline) throw new LdapError(ResultCode.timeLimitExceeded, "time limit exceeded");
    return true;
  };
  if (spec.scope === "base") {
    if (ctx.schema.matches(spec.filter, baseEntry)) yield baseEntry;
  } else if (term !== undefined) {
    for (const key of view.lookup(term)) {
      if (check()) yield null;
      if (!inScope(base.key, spec.scope, key)) continue;
      const entry = view.get(key);
      if (entry && ctx.schema.matches(spec.filter, entry)) yield entry;
    }
  } else {
    for (const { key, entry } of view.range(base.key)) {
      if (check()) yield null;
      if (inScope(base.key, spec.scope, key) && ctx.schema.matches(spec.filter, entry)) yield entry;
    }
  }
}

/**
 * The attributes a search returns: all user attributes for none, "*" or an empty list; none for "1.1";
 * otherwise the named ones (by any name or OID the schema knows). With typesOnly, values are left out.
 */
export function projection(
  schema: DirectorySchema,
  requested: readonly string[],
  typesOnly: boolean,
): (entry: Entry) => Attributes {
  const all = requested.length === 0 || requested.includes("*");
  const wanted = new Set<string>();
  for (const r of requested) {
    const name = schema.attributeName(r);
    if (name !== undefined) wanted.add(name);
  }
  const noneAsked = !all && wanted.size === 0;
  return (entry) => {
    const out: Attributes = {};
    if (noneAsked) return out;
    for (const [name, values] of Object.entries(entry.attributes)) {
      if (all || wanted.has(name)) out[name] = typesOnly ? [] : values;
    }
    return out;
  };
}
