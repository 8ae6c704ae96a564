// LDIF (RFC 2849) parser and writer: the example LAN, change records, folding, base64, comments, errors with
// line numbers, and a seeded round-trip property test over random entries and change records.
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatLdif } from "../src/directory/ldif/format.js";
import { parseLdif } from "../src/directory/ldif/parse.js";
import { LdifError, type LdifRecord } from "../src/directory/ldif/record.js";
import type { Attributes, ChangeOp, Modification } from "../src/directory/model/types.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const exampleText = readFileSync(join(repo, "firmware/schema/example-lan.ldif"), "utf8");

function lineOfError(text: string): { line: number; message: string } {
  try {
    parseLdif(text);
  } catch (err) {
    if (err instanceof LdifError) return { line: err.line, message: err.message };
    throw err;
  }
  throw new Error("parsed without error");
}

function withoutLines(records: LdifRecord[]): unknown[] {
  return records.map((r) => (r.kind === "entry" ? { entry: r.entry } : { change: r.change }));
}

test("the example LAN parses into one entry per dn line, attributes grouped by name", (t) => {
  const records = parseLdif(exampleText);
  const dnLines = exampleText.split("\n").flatMap((l, i) => (l.startsWith("dn: ") ? [i + 1] : []));
  t.is(records.length, dnLines.length);
  t.deepEqual(
    records.map((r) => r.line),
    dnLines,
  );
  const sm = records.find((r) => r.kind === "entry" && r.entry.dn.startsWith("cn=iss-sm1,"));
  t.deepEqual(sm?.kind === "entry" ? sm.entry.attributes : undefined, {
    objectClass: ["issSwitch"],
    cn: ["iss-sm1"],
    issRole: ["sm"],
    issAddress: ["10.77.0.1"],
    issBoardModel: ["Raspberry Pi 4 Model B"],
    issHealth: ["ok"],
    issLastSeen: ["20261125041500Z"],
    description: ["level-1 Service Manager, rack A"],
  });
  const root = records[0];
  t.deepEqual(root?.kind === "entry" ? root.entry.attributes.objectClass : [], ["dcObject", "organization"]);
});

test("change records: add, delete, modify with add/delete/replace and '-' separators", (t) => {
  const text = [
    "version: 1",
    "# a comment",
    "dn: cn=a,dc=x",
    "changetype: add",
    "objectClass: top",
    "cn: a",
    "",
    "dn: cn=b,dc=x",
    "changetype: delete",
    "",
    "dn: cn=c,dc=x",
    "changetype: modify",
    "add: description",
    "description: one",
    "description: two",
    "-",
    "delete: issHealth",
    "-",
    "delete: mail",
    "mail: old@x",
    "-",
    "replace: issCapacity",
    "issCapacity: 7",
    "",
  ].join("\n");
  const changes = parseLdif(text).map((r) => (r.kind === "change" ? r.change : undefined));
  const expected: ChangeOp[] = [
    { type: "add", dn: "cn=a,dc=x", attributes: { objectClass: ["top"], cn: ["a"] } },
    { type: "delete", dn: "cn=b,dc=x" },
    {
      type: "modify",
      dn: "cn=c,dc=x",
      modifications: [
        { operation: "add", attribute: "description", values: ["one", "two"] },
        { operation: "delete", attribute: "issHealth", values: [] },
        { operation: "delete", attribute: "mail", values: ["old@x"] },
        { operation: "replace", attribute: "issCapacity", values: ["7"] },
      ],
    },
  ];
  t.deepEqual(changes, expected);
  t.deepEqual(
    parseLdif(text).map((r) => r.line),
    [3, 8, 11],
  );
});

test("an entry without attributes (ldapsearch's output for attribute 1.1) is read as one", (t) => {
  t.deepEqual(parseLdif("dn: cn=a,dc=x\n\ndn: cn=b,dc=x\n"), [
    { kind: "entry", line: 1, entry: { dn: "cn=a,dc=x", attributes: {} } },
    { kind: "entry", line: 3, entry: { dn: "cn=b,dc=x", attributes: {} } },
  ]);
});

test("folded lines, CRLF, base64 values and DNs, comments inside and folded, repeated names merged", (t) => {
  const text = [
    "dn:: Y249w6lsw6huZSxkYz14",
    "# a comment that is",
    " folded",
    "description: a long",
    "  value",
    "CN: first",
    "cn:: IGxlYWRpbmcgc3BhY2U=",
    "empty:",
    "mail:    trimmed-fill",
    "",
  ].join("\r\n");
  const [record] = parseLdif(text);
  t.deepEqual(record, {
    kind: "entry",
    line: 1,
    entry: {
      dn: "cn=élène,dc=x",
      attributes: {
        description: ["a long value"],
        CN: ["first", " leading space"],
        empty: [""],
        mail: ["trimmed-fill"],
      },
    },
  });
});

test("errors carry the line they were found on", (t) => {
  const cases: Array<[string, number, RegExp]> = [
    ["dn: cn=a,dc=x\njpegPhoto:< file:///etc/passwd\n", 2, /URL values .* not supported/],
    ["dn: cn=a,dc=x\nchangetype: modrdn\nnewrdn: cn=b\n", 2, /modrdn.*not supported/],
    ["# c\ncn: a\n", 2, /must start with 'dn:'/],
    ["dn: cn=a,dc=x\ncn:: !!!!\n", 2, /not valid base64/],
    ["dn: cn=a,dc=x\ncn:: //79\n", 2, /not UTF-8/],
    [" folded first\n", 1, /continuation line/],
    ["dn: cn=a,dc=x\nchangetype: rename\n", 2, /unknown changetype 'rename'/],
    ["dn: cn=a,dc=x\nchangetype: modify\nadd: cn\nsn: x\n-\n", 4, /expected a value of 'cn' or '-'/],
    ["dn: cn=a,dc=x\nchangetype: modify\nadd: cn\n-\n", 3, /needs at least one value/],
    ["dn: cn=a,dc=x\nchangetype: modify\nfrobnicate: cn\n", 3, /expected 'add:', 'delete:' or 'replace:'/],
    ["dn: cn=a,dc=x\nchangetype: delete\ncn: a\n", 3, /no further lines/],
    ["dn: cn=a,dc=x\ncn: a\n\ndn: cn=b,dc=x\nno colon here\n", 5, /expected 'attribute: value'/],
    ["dn: cn=a,dc=x\nbad_name: v\n", 2, /not an attribute name/],
    ["version: 2\n\ndn: cn=a,dc=x\ncn: a\n", 1, /unsupported LDIF version/],
    ["dn: cn=a,dc=x\ncontrol: 1.2.3 true\n", 2, /controls .* not supported/],
    ["dn: cn=a,dc=x\ncn: a\n-\n", 3, /'-' belongs in a changetype: modify record/],
  ];
  for (const [text, line, pattern] of cases) {
    const e = lineOfError(text);
    t.is(e.line, line, text);
    t.regex(e.message, pattern, text);
    t.true(e.message.startsWith(`line ${line}: `), e.message);
  }
});

test("the writer base64-encodes exactly the values RFC 2849 does not allow as SAFE-STRING", (t) => {
  const values: Array<[string, boolean]> = [
    ["plain value", false],
    ["", false],
    ["inner: colon < and space", false],
    [" leading space", true],
    [":leading colon", true],
    ["<leading angle", true],
    ["trailing space ", true],
    ["new\nline", true],
    ["carriage\rreturn", true],
    ["nul\u0000byte", true],
    ["café", true],
    ["日本", true],
  ];
  for (const [value, base64] of values) {
    const text = formatLdif([{ dn: "cn=a,dc=x", attributes: { description: [value] } }]);
    const line = text.split("\n")[1] ?? "";
    t.is(line.startsWith("description:: "), base64, JSON.stringify(value));
    if (base64) t.is(Buffer.from(line.slice(14), "base64").toString("utf8"), value);
    else t.is(line, value === "" ? "description:" : `description: ${value}`);
  }
  t.is(formatLdif([{ dn: "cn=é,dc=x", attributes: { cn: ["é"] } }]).split("\n")[0], "dn:: Y249w6ksZGM9eA==");
});

test("the writer folds at 76 columns and ends every record with a blank line", (t) => {
  const long = "x".repeat(300);
  const text = formatLdif([
    { dn: "cn=a,dc=x", attributes: { description: [long] } },
    { kind: "change", line: 0, change: { type: "delete", dn: "cn=b,dc=x" } },
  ]);
  const lines = text.split("\n");
  t.true(lines.every((l) => l.length <= 76));
  t.is(lines[1], `description: ${long.slice(0, 63)}`);
  t.is(lines[2], ` ${long.slice(63, 138)}`);
  t.true(text.endsWith("changetype: delete\n\n"));
  t.true(text.includes("\n\ndn: cn=b,dc=x\n"));
});

/** RFC 2849 SAFE-CHAR: any ASCII but NUL, LF and CR. */
function isSafeChar(c: string): boolean {
  const code = c.codePointAt(0) ?? 0;
  return code > 0 && code < 128 && c !== "\n" && c !== "\r";
}

// A small deterministic PRNG (mulberry32) so that a failure reproduces from its seed.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function randomRecords(seed: number): LdifRecord[] {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const alphabet = [
    "a",
    "Z",
    "0",
    " ",
    ":",
    "<",
    "=",
    ",",
    "#",
    "-",
    "\n",
    "\r",
    "\t",
    "\u0000",
    "é",
    "日",
    "😀",
  ];
  const text = (max: number): string => {
    const length = int(3) === 0 ? int(200) : int(max);
    let s = "";
    for (let i = 0; i < length; i++) s += alphabet[int(alphabet.length)] ?? "";
    return s;
  };
  const names = ["cn", "objectClass", "description", "issContentId", "x-1", "2.5.4.3", "cn;lang-en"];
  const attributes = (): Attributes => {
    const out: Attributes = {};
    const count = 1 + int(4);
    for (const name of names.slice(0, count)) out[name] = Array.from({ length: 1 + int(3) }, () => text(20));
    return out;
  };
  const modification = (): Modification => {
    const operation = (["add", "delete", "replace"] as const)[int(3)] ?? "add";
    const count = operation === "add" ? 1 + int(3) : int(3);
    const attribute = names[int(names.length)] ?? "cn";
    return { operation, attribute, values: Array.from({ length: count }, () => text(20)) };
  };
  return Array.from({ length: 1 + int(6) }, (): LdifRecord => {
    const dn = text(40);
    switch (int(4)) {
      case 0:
        return { kind: "entry", line: 0, entry: { dn, attributes: attributes() } };
      case 1:
        return { kind: "change", line: 0, change: { type: "add", dn, attributes: attributes() } };
      case 2:
        return { kind: "change", line: 0, change: { type: "delete", dn } };
      default:
        return {
          kind: "change",
          line: 0,
          change: { type: "modify", dn, modifications: Array.from({ length: int(4) }, modification) },
        };
    }
  });
}

test("round trip: parse(format(records)) gives the records back (2000 seeded random cases)", (t) => {
  for (let seed = 1; seed <= 2000; seed++) {
    const records = randomRecords(seed);
    const text = formatLdif(records);
    const back = parseLdif(text);
    t.deepEqual(withoutLines(back), withoutLines(records), `seed ${seed}`);
    t.true(
      text.split("\n").every((l) => l.length <= 76 && [...l].every(isSafeChar)),
      `seed ${seed}: only RFC 2849 SAFE-CHARs, 76 columns`,
    );
  }
});

test("the example LAN survives format and parse unchanged", (t) => {
  const records = parseLdif(exampleText);
  t.deepEqual(withoutLines(parseLdif(formatLdif(records))), withoutLines(records));
});
