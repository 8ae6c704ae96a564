// The one error the directory codec's decoders throw: a reason code for counters and logs, and a message
// that says what was wrong and at which byte offset. Anything else escaping a decoder is a bug.

export type DecodeReason =
  /** a field or BER element runs past the end of the message or of its enclosing element */
  | "truncated"
  /** bytes are left after the last field of the message or after the last component of an element */
  | "trailing"
  /** the message does not start with the directory magic */
  | "magic"
  /** unknown wire format version */
  | "version"
  /** unknown message kind */
  | "kind"
  /** BER that LDAP (RFC 4511 section 5.1) or this codec's canonical form does not allow */
  | "ber"
  /** a BER element of another type than the one expected here */
  | "tag"
  /** BER elements nested deeper than the reader's limit */
  | "depth"
  /** a number or flag outside the values its field allows */
  | "field"
  /** a string that is not well-formed UTF-8 */
  | "utf8"
  /** an attribute description that is not a name or OID, appears twice, or has no values where it must */
  | "attribute"
  /** a compressed envelope whose deflate stream is broken or inflates beyond the limit */
  | "inflate";

export class DecodeError extends Error {
  constructor(
    readonly reason: DecodeReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = "DecodeError";
  }
}
