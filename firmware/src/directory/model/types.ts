// The directory's shared data model: entries, the LDAP operations that change them, a committed change with
// its change sequence number (CSN), search filters as a tree, and the LDAP result codes (RFC 4511 section
// 4.1.9) that every layer reports failures with. Pure types; no I/O.

/** Attribute values are UTF-8 strings (the ISS schema has no binary attributes). */
export type Attributes = Record<string, string[]>;

/** A directory entry: its DN as the writer spelled it, and attributes keyed by the schema's attribute name. */
export interface Entry {
  dn: string;
  attributes: Attributes;
}

export interface Modification {
  operation: "add" | "delete" | "replace";
  attribute: string;
  /** For delete: empty means "the whole attribute". */
  values: string[];
}

/** One LDAP update operation (fig 7: LDAP ADD, LDAP DELETE, LDAP MODIFY ADD/REPLACE/DELETE). */
export type ChangeOp =
  | { type: "add"; dn: string; attributes: Attributes }
  | { type: "delete"; dn: string }
  | { type: "modify"; dn: string; modifications: Modification[] };

/** Who asked for a change: the node id of the writer's daemon and that node's request counter. */
export interface ChangeOrigin {
  node: number;
  request: number;
}

/** A committed change: its position in the one total order, when the SM committed it, and its origin. */
export interface Change {
  csn: number;
  /** Milliseconds since the Unix epoch, at commit on the SM. */
  time: number;
  origin: ChangeOrigin;
  op: ChangeOp;
}

/** A search filter (RFC 4511 section 4.5.1.7) as a tree. */
export type Filter =
  | { type: "and"; filters: Filter[] }
  | { type: "or"; filters: Filter[] }
  | { type: "not"; filter: Filter }
  | { type: "equal" | "ge" | "le" | "approx"; attribute: string; value: string }
  | { type: "present"; attribute: string }
  | { type: "substring"; attribute: string; initial?: string; any: string[]; final?: string }
  | { type: "ext"; attribute?: string; rule?: string; value: string; dnAttributes: boolean };

export type Scope = "base" | "one" | "sub";

/** LDAP result codes used by this firmware (RFC 4511 appendix A). */
export const ResultCode = {
  success: 0,
  operationsError: 1,
  protocolError: 2,
  timeLimitExceeded: 3,
  sizeLimitExceeded: 4,
  compareFalse: 5,
  compareTrue: 6,
  authMethodNotSupported: 7,
  referral: 10,
  noSuchAttribute: 16,
  undefinedAttributeType: 17,
  inappropriateMatching: 18,
  constraintViolation: 19,
  attributeOrValueExists: 20,
  invalidAttributeSyntax: 21,
  noSuchObject: 32,
  invalidDnSyntax: 34,
  inappropriateAuthentication: 48,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
  namingViolation: 64,
  objectClassViolation: 65,
  notAllowedOnNonLeaf: 66,
  notAllowedOnRdn: 67,
  entryAlreadyExists: 68,
  objectClassModsProhibited: 69,
  other: 80,
} as const;

export type ResultCodeValue = (typeof ResultCode)[keyof typeof ResultCode];

/** A failure with its LDAP result code; `matchedDn` is the deepest existing ancestor for noSuchObject. */
export class LdapError extends Error {
  constructor(
    readonly code: ResultCodeValue,
    message: string,
    readonly matchedDn = "",
  ) {
    super(message);
    this.name = "LdapError";
  }
}
