// Orders entries so that every parent comes before its children (by the number of RDNs, stable), the order
// an export must have to be imported again; DN keys to compare DNs. Pure.
import ldapjs from "ldapjs";
import type { Entry } from "../../directory/model/types.js";

interface ParsedDn {
  length: number;
  parent(): ParsedDn | undefined;
  toString(): string;
}

function parse(dn: string): ParsedDn {
  return ldapjs.parseDN(dn) as unknown as ParsedDn;
}

/** ldapjs's canonical string of a DN (the form its requests carry); the input when it does not parse. */
export function canonicalDn(dn: string): string {
  try {
    return parse(dn).toString();
  } catch {
    return dn;
  }
}

export function rdnCount(dn: string): number {
  try {
    return parse(dn).length;
  } catch {
    return dn.split(",").length;
  }
}

/** The parent DN in ldapjs's canonical lower-case form, "" for a top entry. */
export function parentKey(dn: string): string {
  return dnKey(parse(dn).parent()?.toString() ?? "");
}

/** A DN in ldapjs's canonical lower-case form, to compare DNs. */
export function dnKey(dn: string): string {
  return parse(dn).toString().toLowerCase();
}

export function parentsFirst(entries: readonly Entry[]): Entry[] {
  return entries
    .map((entry, index) => ({ entry, index, depth: rdnCount(entry.dn) }))
    .sort((a, b) => a.depth - b.depth || a.index - b.index)
    .map((e) => e.entry);
}
