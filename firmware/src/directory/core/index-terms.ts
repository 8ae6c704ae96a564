// Which attribute values the store indexes for equality lookups, and the term string of one value. The SM
// and the SE replicas index the same attributes (the benchmark's slapd these plus objectClass, as every
// slapd does). objectClass is not indexed here: every entry has it, so its terms would cost a key per
// entry and select little.
import type { DirectorySchema } from "../model/schema.js";
import type { Entry } from "../model/types.js";

export const indexedAttributes = [
  "cn",
  "issContentId",
  "issContentServer",
  "issAddress",
  "issStreamGroup",
] as const;

export function indexTerm(attribute: string, normalizedValue: string): string {
  return `${attribute.toLowerCase()}\u0001${normalizedValue}`;
}

export function indexTermsFor(schema: DirectorySchema): (entry: Entry) => string[] {
  return (entry) => {
    const terms: string[] = [];
    for (const attribute of indexedAttributes) {
      for (const value of entry.attributes[attribute] ?? []) {
        terms.push(indexTerm(attribute, schema.normalizeValue(attribute, value)));
      }
    }
    return terms;
  };
}
