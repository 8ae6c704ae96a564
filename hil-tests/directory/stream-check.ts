// Checks a replica snapshot against a write stream's client history: every acknowledged write is there
// (an entry holds the size of its last acknowledged write, or of a later write whose answer was lost),
// nothing is half-applied (issContentSize and description always agree), and no write the client never
// sent appears.
import type { WriteRecord } from "./write-stream.js";
import { expectedSizes } from "./write-stream.js";

function attr(lines: readonly string[], name: string): string | undefined {
  return lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
}

export function checkStream(
  snapshot: Map<string, string[]>,
  records: readonly WriteRecord[],
  prefix: string,
): string[] {
  const problems: string[] = [];
  const expected = expectedSizes(records);
  for (const [dn, e] of expected) {
    const lines = snapshot.get(`dn: ${dn}`.toLowerCase());
    if (!lines) {
      if (e.acked >= 0) problems.push(`acknowledged write missing: ${dn}`);
      continue;
    }
    const size = Number(attr(lines, "issContentSize"));
    if (e.acked >= 0 && size !== e.acked && !e.maybe.includes(size)) {
      problems.push(`${dn}: size ${size}, last acknowledged ${e.acked}`);
    }
    if (e.acked < 0 && !e.maybe.includes(size)) problems.push(`${dn}: size ${size} was never written`);
  }
  const known = new Set([...expected.keys()].map((k) => `dn: ${k}`.toLowerCase()));
  for (const [dn, lines] of snapshot) {
    if (!dn.includes(`issContentId=${prefix}-`.toLowerCase())) continue;
    const size = attr(lines, "issContentSize");
    if (attr(lines, "description") !== `size ${size}`) problems.push(`half-applied modify: ${dn}`);
    if (!known.has(dn)) problems.push(`entry the client never wrote: ${dn}`);
  }
  return problems;
}
