// Turns the filter objects ldapjs decodes from a SearchRequest into the directory's Filter tree.
import { LdapError, ResultCode, type Filter } from "../model/types.js";

interface LdapjsFilter {
  type: string;
  attribute?: string;
  value?: unknown;
  clauses?: LdapjsFilter[];
  filter?: LdapjsFilter;
  initial?: string;
  any?: string[];
  final?: string;
  matchingRule?: string;
  dnAttributes?: boolean;
}

function text(v: unknown): string {
  if (typeof v === "string") return v;
  if (Buffer.isBuffer(v)) return v.toString("utf8");
  return typeof v === "number" || typeof v === "boolean" ? String(v) : "";
}

export function fromLdapjsFilter(f: LdapjsFilter, depth = 0): Filter {
  if (depth > 64) throw new LdapError(ResultCode.protocolError, "filter nested deeper than 64 levels");
  const attribute = f.attribute ?? "";
  switch (f.type) {
    case "AndFilter":
      return { type: "and", filters: (f.clauses ?? []).map((c) => fromLdapjsFilter(c, depth + 1)) };
    case "OrFilter":
      return { type: "or", filters: (f.clauses ?? []).map((c) => fromLdapjsFilter(c, depth + 1)) };
    case "NotFilter":
      if (!f.filter) throw new LdapError(ResultCode.protocolError, "NOT filter without a filter");
      return { type: "not", filter: fromLdapjsFilter(f.filter, depth + 1) };
    case "EqualityFilter":
      return { type: "equal", attribute, value: text(f.value) };
    case "GreaterThanEqualsFilter":
      return { type: "ge", attribute, value: text(f.value) };
    case "LessThanEqualsFilter":
      return { type: "le", attribute, value: text(f.value) };
    case "ApproximateFilter":
      return { type: "approx", attribute, value: text(f.value) };
    case "PresenceFilter":
      return { type: "present", attribute };
    case "SubstringFilter":
      return {
        type: "substring",
        attribute,
        ...(f.initial ? { initial: f.initial } : {}),
        any: f.any ?? [],
        ...(f.final ? { final: f.final } : {}),
      };
    case "ExtensibleFilter":
      return {
        type: "ext",
        ...(attribute ? { attribute } : {}),
        ...(f.matchingRule ? { rule: f.matchingRule } : {}),
        value: text(f.value),
        dnAttributes: f.dnAttributes === true,
      };
    default:
      throw new LdapError(ResultCode.protocolError, `unsupported filter type ${f.type}`);
  }
}
