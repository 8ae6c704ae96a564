// The LDIF record (RFC 2849) as this firmware reads and writes it: a content record holds an Entry, a change
// record holds a ChangeOp (the shared model types); both remember the line their `dn:` stood on. Pure types.
import type { ChangeOp, Entry } from "../model/types.js";

export type LdifRecord =
  { kind: "entry"; entry: Entry; line: number } | { kind: "change"; change: ChangeOp; line: number };

/** A syntax error in LDIF input, with the 1-based line number it was found on. */
export class LdifError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = "LdifError";
  }
}
