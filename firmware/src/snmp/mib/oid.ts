// Object identifiers as arrays of sub-identifiers: parsing from dotted text, formatting, and the
// lexicographic order that GETNEXT walks (RFC 3416).
export type Oid = readonly number[];

/** Parses "1.3.6.1.2.1.1.5.0" (a leading dot is allowed); throws on anything else. */
export function parseOid(text: string): number[] {
  const body = text.startsWith(".") ? text.slice(1) : text;
  if (!/^\d+(\.\d+)+$/.test(body)) throw new Error(`'${text}' is not a numeric OID`);
  const parts = body.split(".").map(Number);
  if (parts.some((p) => p > 0xffffffff)) throw new Error(`'${text}' has a sub-identifier above 2^32-1`);
  return parts;
}

export function formatOid(oid: Oid): string {
  return oid.join(".");
}

export function compareOids(a: Oid, b: Oid): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function startsWith(oid: Oid, prefix: Oid): boolean {
  return prefix.length <= oid.length && prefix.every((p, i) => oid[i] === p);
}
