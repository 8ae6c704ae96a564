// The matching rules (RFC 4517 section 4.2) the ISS schema uses: each rule's normal form (undefined for a value
// the rule cannot take), ordering comparison, and substring component form. The DN and OID rules need the
// schema, so their normalizers are passed in. Pure.

import { generalizedTimeKey } from "./generalized-time.js";
import { isAscii, prepareExact, prepareIgnore, prepareSubstring } from "./string-prep.js";
import { INTEGER, SYNTAX } from "./syntaxes.js";

export type RuleKind = "equality" | "ordering" | "substrings";

export interface MatchingRule {
  readonly name: string;
  readonly oid: string;
  readonly kind: RuleKind;
  /** The attribute syntax the rule applies to; extensible match uses the rule on attributes of this syntax. */
  readonly syntax: string;
  /** The normal form of a value or assertion value; undefined when the rule cannot take the value. */
  readonly normalize: (value: string) => string | undefined;
  /** Ordering rules: negative, zero or positive as a sorts before, with or after b (both normal forms). */
  readonly compare?: (a: string, b: string) => number;
  /** Substrings rules: the normal form of one assertion component (inner white space collapsed, not trimmed). */
  readonly component?: (part: string) => string | undefined;
}

export type Normalizer = (value: string) => string | undefined;

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Canonical integers: sign first, then length, then digits. */
function compareIntegers(a: string, b: string): number {
  const na = a.startsWith("-");
  const nb = b.startsWith("-");
  if (na !== nb) return na ? -1 : 1;
  const magnitude = a.length !== b.length ? a.length - b.length : compareStrings(a, b);
  return na ? -magnitude : magnitude;
}

const directoryString = (prepare: (v: string) => string): Normalizer => {
  return (v) => (v.length === 0 ? undefined : prepare(v));
};
const ia5String = (prepare: (v: string) => string): Normalizer => {
  return (v) => (isAscii(v) ? prepare(v) : undefined);
};
const integer: Normalizer = (v) => (INTEGER.test(v) ? v : undefined);

export function matchingRules(normalizeDn: Normalizer, normalizeOid: Normalizer): MatchingRule[] {
  const ignore = directoryString(prepareIgnore);
  const exact = directoryString(prepareExact);
  const ia5Ignore = ia5String(prepareIgnore);
  const ia5Exact = ia5String(prepareExact);
  const part = (ascii: boolean, ignoreCase: boolean): Normalizer => {
    return (v) => (ascii && !isAscii(v) ? undefined : prepareSubstring(v, ignoreCase));
  };
  const S = SYNTAX;
  return [
    {
      name: "objectIdentifierMatch",
      oid: "2.5.13.0",
      kind: "equality",
      syntax: S.oid,
      normalize: normalizeOid,
    },
    {
      name: "distinguishedNameMatch",
      oid: "2.5.13.1",
      kind: "equality",
      syntax: S.dn,
      normalize: normalizeDn,
    },
    {
      name: "caseIgnoreMatch",
      oid: "2.5.13.2",
      kind: "equality",
      syntax: S.directoryString,
      normalize: ignore,
    },
    {
      name: "caseIgnoreOrderingMatch",
      oid: "2.5.13.3",
      kind: "ordering",
      syntax: S.directoryString,
      normalize: ignore,
      compare: compareStrings,
    },
    {
      name: "caseIgnoreSubstringsMatch",
      oid: "2.5.13.4",
      kind: "substrings",
      syntax: S.directoryString,
      normalize: ignore,
      component: part(false, true),
    },
    {
      name: "caseExactMatch",
      oid: "2.5.13.5",
      kind: "equality",
      syntax: S.directoryString,
      normalize: exact,
    },
    {
      name: "caseExactOrderingMatch",
      oid: "2.5.13.6",
      kind: "ordering",
      syntax: S.directoryString,
      normalize: exact,
      compare: compareStrings,
    },
    {
      name: "caseExactSubstringsMatch",
      oid: "2.5.13.7",
      kind: "substrings",
      syntax: S.directoryString,
      normalize: exact,
      component: part(false, false),
    },
    { name: "integerMatch", oid: "2.5.13.14", kind: "equality", syntax: S.integer, normalize: integer },
    {
      name: "integerOrderingMatch",
      oid: "2.5.13.15",
      kind: "ordering",
      syntax: S.integer,
      normalize: integer,
      compare: compareIntegers,
    },
    {
      name: "generalizedTimeMatch",
      oid: "2.5.13.27",
      kind: "equality",
      syntax: S.generalizedTime,
      normalize: generalizedTimeKey,
    },
    {
      name: "generalizedTimeOrderingMatch",
      oid: "2.5.13.28",
      kind: "ordering",
      syntax: S.generalizedTime,
      normalize: generalizedTimeKey,
      compare: compareStrings,
    },
    {
      name: "caseExactIA5Match",
      oid: "1.3.6.1.4.1.1466.109.114.1",
      kind: "equality",
      syntax: S.ia5String,
      normalize: ia5Exact,
    },
    {
      name: "caseIgnoreIA5Match",
      oid: "1.3.6.1.4.1.1466.109.114.2",
      kind: "equality",
      syntax: S.ia5String,
      normalize: ia5Ignore,
    },
    {
      name: "caseIgnoreIA5SubstringsMatch",
      oid: "1.3.6.1.4.1.1466.109.114.3",
      kind: "substrings",
      syntax: S.ia5String,
      normalize: ia5Ignore,
      component: part(true, true),
    },
    {
      name: "caseExactIA5SubstringsMatch",
      oid: "1.3.6.1.4.1.4203.1.2.1",
      kind: "substrings",
      syntax: S.ia5String,
      normalize: ia5Exact,
      component: part(true, false),
    },
  ];
}
