// The directory messages that travel as RMTP message payloads (fig 7's multicast directory update, catch-up,
// full refresh, SE announcements and replica status): a 4-byte header (magic, version, kind), fixed-width
// big-endian fields, and every directory operation as its BER LDAPMessage (ldap-ops.ts). Decoding is total:
// it returns a message that re-encodes to the same bytes or throws DecodeError. Layouts: docs/directory-wire.md.
import type { Change, ChangeOp, Entry } from "../model/types.js";
import { BerReader, BerWriter, MAX_INT } from "./ber.js";
import { DecodeError } from "./decode-error.js";
import { readOp, writeOp } from "./ldap-ops.js";

export const MAGIC = 0x4449; // "DI"
export const VERSION = 1;
export const HEADER_BYTES = 4;
/** Bytes of a change record before its LDAPMessage: csn, time, origin node, origin request. */
export const CHANGE_FIELDS_BYTES = 28;
/** The longest announce-result message text, in UTF-8 bytes. */
export const MAX_RESULT_MESSAGE_BYTES = 0xffff;

export const MessageKind = {
  changes: 1,
  "catchup-request": 2,
  refresh: 3,
  announce: 4,
  "announce-result": 5,
  "replica-status": 6,
} as const;

export type DirectoryMessage =
  // SM -> all: consecutive committed changes (may be empty: a heartbeat); head = SM's last CSN when sent;
  // target = node id it answers a catch-up for (0 = live stream). Several small changes share one message.
  | { kind: "changes"; head: number; target: number; changes: Change[] }
  // replica -> SM: "I hold everything through `have`; send me what follows" (sent on start, after a gap)
  | { kind: "catchup-request"; node: number; have: number }
  // SM -> all, addressed to `target`: one chunk of a full refresh (when the change log no longer reaches
  // back to `have`). entries are ADD operations; csn = the SM's CSN the snapshot is at; chunks numbered from 0,
  // last = true on the final one; refreshId distinguishes two refreshes.
  | {
      kind: "refresh";
      target: number;
      refreshId: number;
      csn: number;
      chunk: number;
      last: boolean;
      entries: Entry[];
    }
  // SE -> SM: content it now holds or dropped (fig 7's directory information sender); request numbers count up
  | { kind: "announce"; node: number; request: number; ops: ChangeOp[] }
  // SM -> all, addressed to node: result of an announce (code = LDAP result code, csn of the first committed
  // change or 0)
  | { kind: "announce-result"; node: number; request: number; code: number; message: string; csn: number }
  // replica -> SM, every second: what it has applied durably (for per-SE lag in `iss dir status`)
  | { kind: "replica-status"; node: number; have: number; entries: number };

/** The LDAPMessage messageID of a change: 1 + (origin.request mod maxInt), always a valid request id. */
export function changeMessageId(request: number): number {
  return 1 + (request % MAX_INT);
}

function writeBody(w: BerWriter, m: DirectoryMessage): void {
  switch (m.kind) {
    case "changes": {
      w.uint53(m.head);
      w.uint(m.target, 4);
      w.uint(m.changes.length, 4);
      checkCsns(m.changes, m.head, (detail) => new RangeError(detail));
      for (const c of m.changes) {
        w.uint53(c.csn);
        w.uint53(c.time);
        w.uint(c.origin.node, 4);
        w.uint53(c.origin.request);
        writeOp(w, changeMessageId(c.origin.request), c.op);
      }
      return;
    }
    case "catchup-request":
      w.uint(m.node, 4);
      w.uint53(m.have);
      return;
    case "refresh":
      w.uint(m.target, 4);
      w.uint(m.refreshId, 4);
      w.uint53(m.csn);
      w.uint(m.chunk, 4);
      w.uint(m.last ? 1 : 0, 1);
      w.uint(m.entries.length, 4);
      m.entries.forEach((e, i) => writeOp(w, i + 1, { type: "add", dn: e.dn, attributes: e.attributes }));
      return;
    case "announce":
      w.uint(m.node, 4);
      w.uint53(m.request);
      w.uint(m.ops.length, 4);
      m.ops.forEach((op, i) => writeOp(w, i + 1, op));
      return;
    case "announce-result": {
      const text = Buffer.from(m.message, "utf8");
      if (text.length > MAX_RESULT_MESSAGE_BYTES)
        throw new RangeError(`announce-result message of ${text.length} bytes`);
      w.uint(m.node, 4);
      w.uint53(m.request);
      w.uint(m.code, 4);
      w.uint53(m.csn);
      w.uint(text.length, 2);
      w.raw(text);
      return;
    }
    case "replica-status":
      w.uint(m.node, 4);
      w.uint53(m.have);
      w.uint(m.entries, 4);
      return;
  }
}

/** The CSN rule of a changes message: from 1 up, each one more than the one before, the last at most head. */
function checkCsns(changes: readonly Change[], head: number, error: (detail: string) => Error): void {
  const first = changes[0]?.csn ?? 1;
  if (!(first >= 1)) throw error(`the first change has CSN ${first}, not 1 or more`);
  changes.forEach((c, i) => {
    if (c.csn !== first + i) throw error(`change ${i} has CSN ${c.csn}, expected ${first + i}`);
  });
  const last = changes.at(-1);
  if (last !== undefined && last.csn > head)
    throw error(`the last change's CSN ${last.csn} exceeds head ${head}`);
}

/** Encodes a directory message. Throws RangeError for a value the decoder would reject. */
export function encodeMessage(m: DirectoryMessage): Buffer {
  const w = new BerWriter(m.kind === "changes" || m.kind === "refresh" || m.kind === "announce" ? 4096 : 64);
  w.uint(MAGIC, 2);
  w.uint(VERSION, 1);
  w.uint(MessageKind[m.kind], 1);
  writeBody(w, m);
  return w.finish();
}

function readChanges(r: BerReader): DirectoryMessage {
  const head = r.uint53("head");
  const target = r.uint(4, "target");
  const count = r.uint(4, "change count");
  const changes: Change[] = [];
  for (let i = 0; i < count; i++) {
    const at = r.offset;
    const csn = r.uint53("csn");
    const time = r.uint53("time");
    const node = r.uint(4, "origin node");
    const request = r.uint53("origin request");
    const { messageId, op } = readOp(r);
    if (messageId !== changeMessageId(request))
      throw new DecodeError(
        "field",
        `messageID ${messageId} of the change at offset ${at} does not match its request`,
      );
    changes.push({ csn, time, origin: { node, request }, op });
  }
  checkCsns(changes, head, (detail) => new DecodeError("field", detail));
  return { kind: "changes", head, target, changes };
}

/** Reads `count` LDAPMessages whose messageIDs count up from 1. */
function readOps(r: BerReader, count: number): ChangeOp[] {
  const ops: ChangeOp[] = [];
  for (let i = 0; i < count; i++) {
    const at = r.offset;
    const { messageId, op } = readOp(r);
    if (messageId !== i + 1)
      throw new DecodeError("field", `messageID ${messageId} at offset ${at}, expected ${i + 1}`);
    ops.push(op);
  }
  return ops;
}

function readRefresh(r: BerReader): DirectoryMessage {
  const target = r.uint(4, "target");
  const refreshId = r.uint(4, "refreshId");
  const csn = r.uint53("csn");
  const chunk = r.uint(4, "chunk");
  const at = r.offset;
  const last = r.uint(1, "last");
  if (last > 1) throw new DecodeError("field", `last at offset ${at} is ${last}, not 0 or 1`);
  const entries = readOps(r, r.uint(4, "entry count")).map((op, i): Entry => {
    if (op.type !== "add") throw new DecodeError("tag", `refresh entry ${i} is not an AddRequest`);
    return { dn: op.dn, attributes: op.attributes };
  });
  return { kind: "refresh", target, refreshId, csn, chunk, last: last === 1, entries };
}

function readBody(r: BerReader, kind: number): DirectoryMessage {
  switch (kind) {
    case MessageKind.changes:
      return readChanges(r);
    case MessageKind["catchup-request"]:
      return { kind: "catchup-request", node: r.uint(4, "node"), have: r.uint53("have") };
    case MessageKind.refresh:
      return readRefresh(r);
    case MessageKind.announce: {
      const node = r.uint(4, "node");
      const request = r.uint53("request");
      return { kind: "announce", node, request, ops: readOps(r, r.uint(4, "op count")) };
    }
    case MessageKind["announce-result"]: {
      const node = r.uint(4, "node");
      const request = r.uint53("request");
      const code = r.uint(4, "code");
      const csn = r.uint53("csn");
      const message = r.rawUtf8(r.uint(2, "message length"), "message");
      return { kind: "announce-result", node, request, code, message, csn };
    }
    case MessageKind["replica-status"]:
      return {
        kind: "replica-status",
        node: r.uint(4, "node"),
        have: r.uint53("have"),
        entries: r.uint(4, "entries"),
      };
  }
  throw new DecodeError("kind", `kind ${kind} at offset 3`);
}

/** Decodes a directory message that fills `buf`. Throws DecodeError, nothing else. */
export function decodeMessage(buf: Buffer): DirectoryMessage {
  if (buf.length < HEADER_BYTES)
    throw new DecodeError("truncated", `${buf.length} bytes, less than the header`);
  const r = new BerReader(buf);
  if (r.uint(2, "magic") !== MAGIC) throw new DecodeError("magic", `0x${buf.readUInt16BE(0).toString(16)}`);
  const version = r.uint(1, "version");
  if (version !== VERSION) throw new DecodeError("version", `version ${version}`);
  const m = readBody(r, r.uint(1, "kind"));
  r.expectEnd(`the ${m.kind} message`);
  return m;
}
