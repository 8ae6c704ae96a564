// Encodes SearchResultEntry PDUs (RFC 4511 section 4.5.2) with the directory's BER writer. ldapjs's own
// path re-parses every entry's DN and builds attribute objects for it, which dominated the profile of a
// one-level search returning 20 entries; with this encoder and corked writes an SM in one process went
// from 1,560 to 6,760 such searches per second.
import { BerWriter, Tag } from "../codec/ber.js";
import type { Attributes } from "../model/types.js";

/** [APPLICATION 4] constructed. */
const searchResultEntry = 0x64;

export function encodeSearchEntry(messageId: number, dn: string, attributes: Attributes): Buffer {
  const w = new BerWriter(512);
  w.start(Tag.Sequence);
  w.integer(Tag.Integer, messageId);
  w.start(searchResultEntry);
  w.utf8(Tag.OctetString, dn);
  w.start(Tag.Sequence);
  for (const [type, values] of Object.entries(attributes)) {
    w.start(Tag.Sequence);
    w.utf8(Tag.OctetString, type);
    w.start(Tag.Set);
    for (const value of values) w.utf8(Tag.OctetString, value);
    w.end();
    w.end();
  }
  w.end();
  w.end();
  w.end();
  return w.finish();
}
