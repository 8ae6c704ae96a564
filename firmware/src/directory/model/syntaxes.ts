// The LDAP syntaxes (RFC 4517 section 3.3) the ISS schema uses, by OID, and their value validators. The DN
// syntax needs the schema's attribute types, so its validator is passed in. Pure.

import { generalizedTimeKey } from "./generalized-time.js";
import { isAscii } from "./string-prep.js";

export const SYNTAX = {
  directoryString: "1.3.6.1.4.1.1466.115.121.1.15",
  ia5String: "1.3.6.1.4.1.1466.115.121.1.26",
  integer: "1.3.6.1.4.1.1466.115.121.1.27",
  generalizedTime: "1.3.6.1.4.1.1466.115.121.1.24",
  dn: "1.3.6.1.4.1.1466.115.121.1.12",
  oid: "1.3.6.1.4.1.1466.115.121.1.38",
} as const;

/** RFC 4517 Integer: no sign on zero, no plus sign, no leading zeros (slapd rejects "007", "-0", "+5"). */
export const INTEGER = /^(?:0|-?[1-9][0-9]*)$/;

/** RFC 4512 oid: a descriptor or a numeric OID. */
export const OID = /^(?:[A-Za-z][A-Za-z0-9-]*|(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))+)$/;

export type Validator = (value: string) => boolean;

export function syntaxValidators(isDn: Validator): ReadonlyMap<string, Validator> {
  return new Map<string, Validator>([
    [SYNTAX.directoryString, (v) => v.length > 0],
    [SYNTAX.ia5String, isAscii],
    [SYNTAX.integer, (v) => INTEGER.test(v)],
    [SYNTAX.generalizedTime, (v) => generalizedTimeKey(v) !== undefined],
    [SYNTAX.dn, isDn],
    [SYNTAX.oid, (v) => OID.test(v)],
  ]);
}
