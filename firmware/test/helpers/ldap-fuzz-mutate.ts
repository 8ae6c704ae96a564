// Malformed LDAP PDUs for the LDAP server fuzz test, made from valid seed PDUs by a seeded generator: random
// bytes, bit flips, truncations, length fields made huge, zero, indefinite or over-long, swapped tags, deep
// nesting, duplicated and spliced PDUs, and structure-aware mutations that change one element of the BER
// tree (content, tag, children) and re-encode every length so the damage reaches ldapjs's message parsers.
// Pure: no I/O.

import { Rng } from "./rng.js";

/** A BER element as a tree: constructed elements have children, primitive ones content; raw is pre-encoded. */
export interface Tlv {
  tag: number;
  children?: Tlv[];
  content?: Buffer;
  raw?: Buffer;
}

/** Parses one definite-length BER element (a seed PDU); throws on anything else. */
export function parseTlv(buf: Buffer): Tlv {
  const read = (at: number, end: number): { node: Tlv; next: number } => {
    const tag = buf[at];
    const first = buf[at + 1];
    if (tag === undefined || first === undefined) throw new RangeError(`truncated element at ${at}`);
    let length = first;
    let content = at + 2;
    if (first >= 0x80) {
      const n = first & 0x7f;
      length = buf.readUIntBE(content, n);
      content += n;
    }
    const next = content + length;
    if (next > end) throw new RangeError(`element at ${at} overruns its parent`);
    if ((tag & 0x20) === 0) return { node: { tag, content: buf.subarray(content, next) }, next };
    const children: Tlv[] = [];
    for (let p = content; p < next;) {
      const child = read(p, next);
      children.push(child.node);
      p = child.next;
    }
    return { node: { tag, children }, next };
  };
  return read(0, buf.length).node;
}

/** The length octets of a definite length in the fewest bytes. */
export function lengthOctets(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const n = length <= 0xff ? 1 : length <= 0xffff ? 2 : length <= 0xffffff ? 3 : 4;
  const out = Buffer.alloc(1 + n);
  out[0] = 0x80 | n;
  out.writeUIntBE(length, 1, n);
  return out;
}

/** Encodes a tree with correct minimal lengths. */
export function encodeTlv(node: Tlv): Buffer {
  if (node.raw) return node.raw;
  const content = node.children
    ? Buffer.concat(node.children.map(encodeTlv))
    : (node.content ?? Buffer.alloc(0));
  return Buffer.concat([Buffer.from([node.tag]), lengthOctets(content.length), content]);
}

function cloneTlv(node: Tlv): Tlv {
  if (node.raw) return { tag: node.tag, raw: node.raw };
  return node.children
    ? { tag: node.tag, children: node.children.map(cloneTlv) }
    : { tag: node.tag, content: Buffer.from(node.content ?? []) };
}

/** Every element of the tree with its parent (undefined for the root), in document order. */
function walk(root: Tlv): Array<{ node: Tlv; parent: Tlv | undefined }> {
  const out: Array<{ node: Tlv; parent: Tlv | undefined }> = [];
  const visit = (node: Tlv, parent: Tlv | undefined): void => {
    out.push({ node, parent });
    for (const c of node.children ?? []) visit(c, node);
  };
  visit(root, undefined);
  return out;
}

/** Where each element's identifier and length octets sit in an encoded PDU. */
interface Header {
  tagAt: number;
  lengthAt: number;
  lengthBytes: number;
  contentAt: number;
  length: number;
}

function headers(buf: Buffer): Header[] {
  const out: Header[] = [];
  const visit = (at: number, end: number): number => {
    const tag = buf[at] ?? 0;
    const first = buf[at + 1] ?? 0;
    const lengthBytes = first >= 0x80 ? 1 + (first & 0x7f) : 1;
    const length = first >= 0x80 ? buf.readUIntBE(at + 2, first & 0x7f) : first;
    const contentAt = at + 1 + lengthBytes;
    out.push({ tagAt: at, lengthAt: at + 1, lengthBytes, contentAt, length });
    if (tag & 0x20)
      for (let p = contentAt; p < contentAt + length && p < end;) p = visit(p, contentAt + length);
    return contentAt + length;
  };
  visit(0, buf.length);
  return out;
}

/** Tags that mean something in LDAP: universal types, the protocol ops, filter and auth choices. */
const interestingTags = [
  0x01, 0x02, 0x04, 0x05, 0x0a, 0x30, 0x31, 0x60, 0x61, 0x42, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x4a,
  0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x50, 0x73, 0x77, 0x78, 0x79, 0x80, 0x81, 0x82, 0x83, 0x84, 0x87, 0xa0, 0xa1,
  0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0x1f, 0x3f, 0xbf, 0xff, 0x00,
];

const interestingBytes = [0x00, 0x01, 0x7f, 0x80, 0x81, 0x84, 0x85, 0xff, 0x30, 0x2c, 0x3d, 0x5c];

/** Contents a primitive element is replaced with: odd integers, odd strings, odd DNs. */
function oddContent(rng: Rng): Buffer {
  switch (rng.below(14)) {
    case 0:
      return Buffer.alloc(0);
    case 1:
      return Buffer.from([0x80, 0, 0, 0, 0]);
    case 2:
      return Buffer.from([0xff]);
    case 3:
      return Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    case 4:
      return Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]);
    case 5:
      return Buffer.alloc(rng.pick([200, 70_000, 300_000]), rng.pick(["a", "\\", ",", "=", "*"]));
    case 6:
      return Buffer.from(rng.pick(["=", ",", "cn=", "cn=a+cn=b", "cn=\\", "cn=a,,dc=b", "\\00", "=x,"]));
    case 7:
      return Buffer.from("cn=x\u0000y,dc=lan1,dc=iss,dc=example");
    case 8:
      return Buffer.from(rng.pick(["1.1", "*", "+", "objectClass;binary", "2.5.4.3", "1..2", ""]));
    case 9:
      return Buffer.from([0x00]);
    case 10:
      return Buffer.from([0x03]);
    case 11:
      return Buffer.from("\u{1F600}".repeat(rng.below(50) + 1));
    case 12:
      return Buffer.from(`${"cn=a,".repeat(rng.below(3000) + 1)}dc=lan1,dc=iss,dc=example`);
    default:
      return rng.bytes(rng.below(40));
  }
}

/** How many octets the length field of a definite length takes. */
function lengthSize(length: number): number {
  return length < 0x80 ? 1 : length <= 0xff ? 2 : length <= 0xffff ? 3 : length <= 0xffffff ? 4 : 5;
}

/** `inner` nested `depth` times in constructed elements with tags from `tags`, encoded in linear time. */
function nest(inner: Buffer, depth: number, tags: readonly number[], rng: Rng): Tlv {
  const lengths = new Array<number>(depth);
  let length = inner.length;
  for (let i = 0; i < depth; i++) {
    lengths[i] = length;
    length += 1 + lengthSize(length);
  }
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  let outer = 0;
  for (let i = depth - 1; i >= 0; i--) {
    const tag = rng.pick(tags);
    if (i === depth - 1) outer = tag;
    out[at++] = tag;
    const content = lengths[i] ?? 0;
    const n = lengthSize(content) - 1;
    if (n === 0) out[at++] = content;
    else {
      out[at++] = 0x80 | n;
      out.writeUIntBE(content, at, n);
      at += n;
    }
  }
  inner.copy(out, at);
  return { tag: outer, raw: out };
}

/** One change to one element of the tree; lengths are re-encoded afterwards. */
function mutateTree(root: Tlv, rng: Rng): string {
  const all = walk(root);
  const { node, parent } = rng.pick(all);
  switch (rng.below(9)) {
    case 0:
      if (node.children) {
        node.children = [{ tag: rng.pick(interestingTags), content: oddContent(rng) }, ...node.children];
        return "tree-insert";
      }
      node.content = oddContent(rng);
      return "tree-content";
    case 1:
      node.tag = rng.pick(interestingTags);
      return "tree-tag";
    case 2:
      if (parent?.children) parent.children = parent.children.filter((c) => c !== node);
      return "tree-delete";
    case 3: {
      if (!parent?.children) return "tree-none";
      const copies = rng.pick([1, 2, 50, 5000]);
      const i = parent.children.indexOf(node);
      parent.children.splice(i, 0, ...Array.from({ length: copies }, () => cloneTlv(node)));
      return "tree-duplicate";
    }
    case 4: {
      if (!parent?.children) return "tree-none";
      const depth = rng.pick([8, 64, 300, 3000]);
      const wrapped = nest(encodeTlv(node), depth, [0x30, 0xa0, 0xa1, 0xa2, 0x31], rng);
      parent.children[parent.children.indexOf(node)] = wrapped;
      return "tree-nest";
    }
    case 5:
      if (node.children) {
        node.content = encodeTlv({ tag: 0x30, children: node.children });
        delete node.children;
        return "tree-flatten";
      }
      node.children = [{ tag: rng.pick(interestingTags), content: node.content ?? Buffer.alloc(0) }];
      delete node.content;
      return "tree-constructed";
    case 6:
      if (parent?.children) {
        const other = rng.pick(all).node;
        parent.children[parent.children.indexOf(node)] = cloneTlv(other);
      }
      return "tree-replace";
    case 7:
      if (node.content && node.content.length > 0) {
        node.content = node.content.subarray(0, rng.below(node.content.length));
        return "tree-shorten";
      }
      return "tree-none";
    default:
      if (node.children) node.children.push({ tag: rng.pick(interestingTags), content: rng.bytes(3) });
      else node.content = Buffer.concat([node.content ?? Buffer.alloc(0), rng.bytes(3)]);
      return "tree-extend";
  }
}

function flipBits(pdu: Buffer, rng: Rng): Buffer {
  const out = Buffer.from(pdu);
  for (let n = 1 + rng.below(8); n > 0 && out.length > 0; n--) {
    const i = rng.below(out.length);
    out[i] = (out[i] ?? 0) ^ (1 << rng.below(8));
  }
  return out;
}

function setBytes(pdu: Buffer, rng: Rng): Buffer {
  const out = Buffer.from(pdu);
  for (let n = 1 + rng.below(4); n > 0 && out.length > 0; n--)
    out[rng.below(out.length)] = rng.pick(interestingBytes);
  return out;
}

/** Replaces one element's length octets with a huge, zero, indefinite, off-by-one or over-long length. */
function corruptLength(pdu: Buffer, rng: Rng): { bytes: Buffer; kind: string } {
  const h = rng.pick(headers(pdu));
  const choices: Array<[string, Buffer]> = [
    ["length-huge", Buffer.from([0x84, 0xff, 0xff, 0xff, 0xff])],
    ["length-huge", Buffer.from([0x84, 0x00, 0x3f, 0xff, 0xff])],
    ["length-zero", Buffer.from([0x00])],
    ["length-indefinite", Buffer.from([0x80])],
    ["length-5-octets", Buffer.from([0x85, 0x00, 0x00, 0x00, 0x00, h.length & 0xff])],
    ["length-plus-one", lengthOctets(h.length + 1)],
    ["length-minus-one", lengthOctets(Math.max(0, h.length - 1))],
    ["length-non-minimal", Buffer.from([0x84, 0, 0, 0, h.length & 0xff])],
    ["length-0x7f", Buffer.from([0x7f])],
  ];
  const [kind, octets] = rng.pick(choices);
  const bytes = Buffer.concat([
    pdu.subarray(0, h.lengthAt),
    octets,
    pdu.subarray(h.lengthAt + h.lengthBytes),
  ]);
  return { bytes, kind };
}

function swapTag(pdu: Buffer, rng: Rng): Buffer {
  const out = Buffer.from(pdu);
  const h = rng.pick(headers(pdu));
  out[h.tagAt] = rng.pick(interestingTags);
  return out;
}

/** A random byte string; half of them framed as a SEQUENCE so they pass the guard and reach the parser. */
function randomPdu(rng: Rng): Buffer {
  const body = rng.bytes(rng.below(rng.below(4) === 0 ? 2000 : 120));
  if (rng.below(2) === 0) return body;
  return Buffer.concat([Buffer.from([0x30]), lengthOctets(body.length), body]);
}

/** A filter nested far deeper than any client would send, inside an otherwise valid search. */
function deepFilterSearch(rng: Rng): Buffer {
  const depth = rng.pick([65, 1000, 20_000]);
  const leaf = encodeTlv({ tag: 0x87, content: Buffer.from("objectClass") });
  const filter = nest(leaf, depth, rng.below(2) === 0 ? [0xa2] : [0xa0, 0xa1, 0xa2], rng);
  const search: Tlv = {
    tag: 0x63,
    children: [
      { tag: 0x04, content: Buffer.from("dc=lan1,dc=iss,dc=example") },
      { tag: 0x0a, content: Buffer.from([2]) },
      { tag: 0x0a, content: Buffer.from([0]) },
      { tag: 0x02, content: Buffer.from([0]) },
      { tag: 0x02, content: Buffer.from([0]) },
      { tag: 0x01, content: Buffer.from([0]) },
      filter,
      { tag: 0x30, children: [] },
    ],
  };
  return encodeTlv({ tag: 0x30, children: [{ tag: 0x02, content: Buffer.from([9]) }, search] });
}

/** Small PDUs to repeat a few thousand times in one write: each costs the server little but parsing. */
const cheapPdus = {
  abandon: Buffer.from("3006020105500103", "hex"),
  /** A search whose base DN ("\\") no DN parser accepts. */
  badSearch: encodeTlv({
    tag: 0x30,
    children: [
      { tag: 0x02, content: Buffer.from([6]) },
      {
        tag: 0x63,
        children: [
          { tag: 0x04, content: Buffer.from("\\") },
          ...[0x0a, 0x0a, 0x02, 0x02, 0x01].map((tag) => ({ tag, content: Buffer.from([0]) })),
          { tag: 0x87, content: Buffer.from("a") },
          { tag: 0x30, children: [] },
        ],
      },
    ],
  }),
  /** An element inside the message runs past its end. */
  truncatedInside: Buffer.from("300502010704ff", "hex"),
};

export interface FuzzCase {
  kind: string;
  bytes: Buffer;
}

/** One malformed or mutated message made from the seeds. */
export function fuzzCase(rng: Rng, seeds: readonly Buffer[]): FuzzCase {
  const seed = rng.pick(seeds);
  switch (rng.below(16)) {
    case 0:
      return { kind: "random", bytes: randomPdu(rng) };
    case 1:
    case 2:
      return { kind: "bit-flip", bytes: flipBits(seed, rng) };
    case 3:
      return { kind: "byte-set", bytes: setBytes(seed, rng) };
    case 4:
      return { kind: "truncate", bytes: seed.subarray(0, rng.below(seed.length)) };
    case 5:
    case 6:
      return corruptLength(seed, rng);
    case 7:
      return { kind: "tag-swap", bytes: swapTag(seed, rng) };
    case 8:
      return { kind: "deep-filter", bytes: deepFilterSearch(rng) };
    case 9: {
      if (rng.below(4) > 0) return { kind: "duplicate", bytes: Buffer.concat([seed, seed, seed]) };
      const many = rng.pick([cheapPdus.abandon, cheapPdus.badSearch, cheapPdus.truncatedInside]);
      return { kind: "duplicate-many", bytes: Buffer.concat(Array.from({ length: 2000 }, () => many)) };
    }
    case 10: {
      const other = rng.pick(seeds);
      const bytes = Buffer.concat([
        seed.subarray(0, rng.below(seed.length)),
        other.subarray(rng.below(other.length)),
      ]);
      return { kind: "splice", bytes };
    }
    default: {
      const tree = parseTlv(seed);
      const kind = mutateTree(tree, rng);
      return { kind, bytes: encodeTlv(tree) };
    }
  }
}

/** A valid write mutated in its values or structure, lengths re-encoded: it may still be a valid write. */
export function mutatedWrite(rng: Rng, seeds: readonly Buffer[]): FuzzCase {
  const seed = rng.pick(seeds);
  if (rng.below(4) === 0) return { kind: "write-bit-flip", bytes: flipBits(seed, rng) };
  const tree = parseTlv(seed);
  const kind = mutateTree(tree, rng);
  return { kind: `write-${kind}`, bytes: encodeTlv(tree) };
}
