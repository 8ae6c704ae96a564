// The directory model's search filters: RFC 4515 text to tree and back (examples, errors with positions, a
// property test on generated filters), evaluation with matching rules and three-valued logic on the example
// LAN (expected sets computed here by plain code over the LDIF), and the speed of matching 10^5 entries.
// slapd's answers for the same filters are compared in directory-model-slapd.test.ts.
import test from "ava";
import { formatFilter, parseFilter } from "../src/directory/model/filter-text.js";
import { loadIssSchema } from "../src/directory/model/schema.js";
import { LdapError, ResultCode, type Entry, type Filter } from "../src/directory/model/types.js";
import { entry, exampleEntries } from "./helpers/directory-model-example.js";

const schema = loadIssSchema();
const examples = exampleEntries().map((e) => schema.checkEntry(e));

test("parseFilter: the forms of RFC 4515", (t) => {
  const cases: [string, Filter][] = [
    ["(cn=Babs Jensen)", { type: "equal", attribute: "cn", value: "Babs Jensen" }],
    ["cn=bare", { type: "equal", attribute: "cn", value: "bare" }],
    ["(!(cn=Tim Howes))", { type: "not", filter: { type: "equal", attribute: "cn", value: "Tim Howes" } }],
    [
      "(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))",
      {
        type: "and",
        filters: [
          { type: "equal", attribute: "objectClass", value: "Person" },
          {
            type: "or",
            filters: [
              { type: "equal", attribute: "sn", value: "Jensen" },
              { type: "substring", attribute: "cn", initial: "Babs J", any: [] },
            ],
          },
        ],
      },
    ],
    ["(o=univ*of*mich*)", { type: "substring", attribute: "o", initial: "univ", any: ["of", "mich"] }],
    ["(seeAlso=)", { type: "equal", attribute: "seeAlso", value: "" }],
    [
      "(cn:caseExactMatch:=Fred Flintstone)",
      { type: "ext", attribute: "cn", rule: "caseExactMatch", value: "Fred Flintstone", dnAttributes: false },
    ],
    ["(cn:=Betty Rubble)", { type: "ext", attribute: "cn", value: "Betty Rubble", dnAttributes: false }],
    [
      "(sn:dn:2.4.6.8.10:=Barney Rubble)",
      { type: "ext", attribute: "sn", rule: "2.4.6.8.10", value: "Barney Rubble", dnAttributes: true },
    ],
    ["(o:dn:=Ace Industry)", { type: "ext", attribute: "o", value: "Ace Industry", dnAttributes: true }],
    [
      "(:1.2.3:=Wilma Flintstone)",
      { type: "ext", rule: "1.2.3", value: "Wilma Flintstone", dnAttributes: false },
    ],
    ["(:DN:2.4.6.8.10:=Dino)", { type: "ext", rule: "2.4.6.8.10", value: "Dino", dnAttributes: true }],
    [
      "(o=Parens R Us \\28for all your parenthetical needs\\29)",
      { type: "equal", attribute: "o", value: "Parens R Us (for all your parenthetical needs)" },
    ],
    ["(cn=*\\2A*)", { type: "substring", attribute: "cn", any: ["*"] }],
    ["(filename=C:\\5cMyFile)", { type: "equal", attribute: "filename", value: "C:\\MyFile" }],
    ["(bin=\\00\\00\\00\\04)", { type: "equal", attribute: "bin", value: "\0\0\0\u0004" }],
    ["(sn=Lu\\c4\\8di\\c4\\87)", { type: "equal", attribute: "sn", value: "Lu\u010di\u0107" }],
    ["(sn=Lu\u010di\u0107)", { type: "equal", attribute: "sn", value: "Lu\u010di\u0107" }],
    [
      "(1.3.6.1.4.1.1466.0=\\04\\02\\48\\69)",
      { type: "equal", attribute: "1.3.6.1.4.1.1466.0", value: "\u0004\u0002Hi" },
    ],
    ["(cn=*)", { type: "present", attribute: "cn" }],
    ["(cn=*x)", { type: "substring", attribute: "cn", any: [], final: "x" }],
    ["(cn;lang-en>=m)", { type: "ge", attribute: "cn;lang-en", value: "m" }],
    ["(cn<=m)", { type: "le", attribute: "cn", value: "m" }],
    ["(cn~=m)", { type: "approx", attribute: "cn", value: "m" }],
    ["(&)", { type: "and", filters: [] }],
    ["(|)", { type: "or", filters: [] }],
    [
      "  (& (cn=a) (cn=b) )  ",
      {
        type: "and",
        filters: [
          { type: "equal", attribute: "cn", value: "a" },
          { type: "equal", attribute: "cn", value: "b" },
        ],
      },
    ],
  ];
  for (const [text, tree] of cases) t.deepEqual(parseFilter(text), tree, text);
});

test("parseFilter: malformed filters fail with protocolError and the position", (t) => {
  const bad: [string, number][] = [
    ["(cn=a", 5],
    ["cn=a)", 4],
    ["(cn=a))", 6],
    ["(cn=a(b)", 5],
    ["(cn=**)", 4],
    ["(cn=\\2)", 4],
    ["(cn=\\zz)", 4],
    ["(cn=\\ff)", 7],
    ["(=a)", 1],
    ["(c n=a)", 1],
    ["(cn>a)", 4],
    ["(cn~=a*)", 6],
    ["(:=a)", 1],
    ["(cn:dn:x:y:=a)", 9],
    ["(cn:bad rule:=a)", 4],
    ["(!(cn=a)(cn=b))", 8],
    ["(&(cn=a)x)", 8],
    ["", 0],
    ["()", 1],
  ];
  for (const [text, at] of bad) {
    const e = t.throws(() => parseFilter(text), { instanceOf: LdapError }, text);
    t.is(e?.code, ResultCode.protocolError, text);
    t.regex(e?.message ?? "", new RegExp(`at position ${at}:`), `${text}: ${e?.message}`);
  }
});

/** A small deterministic PRNG (mulberry32), so a failing case can be reproduced from its seed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number) {
  const rnd = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  const alphabet = [
    "a",
    "Z",
    "0",
    " ",
    "*",
    "(",
    ")",
    "\\",
    "\0",
    "=",
    ":",
    "&",
    "\u00e9",
    "\u{1f600}",
    "#",
    ",",
  ];
  const text = (min: number) => {
    let s = "";
    const n = min + Math.floor(rnd() * 6);
    for (let i = 0; i < n; i++) s += pick(alphabet);
    return s;
  };
  const attribute = () => pick(["cn", "issContentId", "issVlan", "2.5.4.3", "cn;lang-de", "x-Attr-1"]);
  const filter = (depth: number): Filter => {
    const kind = depth > 3 ? Math.floor(rnd() * 7) + 3 : Math.floor(rnd() * 10);
    switch (kind) {
      case 0:
        return {
          type: "and",
          filters: Array.from({ length: Math.floor(rnd() * 4) }, () => filter(depth + 1)),
        };
      case 1:
        return {
          type: "or",
          filters: Array.from({ length: Math.floor(rnd() * 4) }, () => filter(depth + 1)),
        };
      case 2:
        return { type: "not", filter: filter(depth + 1) };
      case 3:
        return {
          type: pick(["equal", "ge", "le", "approx"] as const),
          attribute: attribute(),
          value: text(0),
        };
      case 4:
        return { type: "present", attribute: attribute() };
      case 5:
      case 6: {
        const any = Array.from({ length: Math.floor(rnd() * 3) }, () => text(1));
        const initial = rnd() < 0.5 ? text(1) : undefined;
        const final = rnd() < 0.5 || (any.length === 0 && initial === undefined) ? text(1) : undefined;
        return {
          type: "substring",
          attribute: attribute(),
          ...(initial === undefined ? {} : { initial }),
          any,
          ...(final === undefined ? {} : { final }),
        };
      }
      default: {
        const withAttribute = rnd() < 0.7;
        const rule =
          !withAttribute || rnd() < 0.5 ? pick(["caseExactMatch", "2.5.13.15", "x-rule"]) : undefined;
        return {
          type: "ext",
          ...(withAttribute ? { attribute: attribute() } : {}),
          ...(rule === undefined ? {} : { rule }),
          value: text(0),
          dnAttributes: rnd() < 0.5,
        };
      }
    }
  };
  return () => filter(0);
}

test("property: parseFilter(formatFilter(f)) equals f, and formatting is stable, on 5000 generated filters", (t) => {
  const next = generator(0x155);
  for (let i = 0; i < 5000; i++) {
    const f = next();
    const text = formatFilter(f);
    const back = parseFilter(text);
    if (JSON.stringify(back) !== JSON.stringify(f) || formatFilter(back) !== text) {
      t.fail(`case ${i}: ${text} -> ${JSON.stringify(back)} (was ${JSON.stringify(f)})`);
      return;
    }
  }
  t.pass();
});

const dnsMatching = (text: string): string[] =>
  examples.filter((e) => schema.matches(parseFilter(text), e)).map((e) => schema.dn(e.dn).normalized);
const dnsWhere = (pred: (e: Entry) => boolean): string[] =>
  examples.filter(pred).map((e) => schema.dn(e.dn).normalized);
const one = (e: Entry, a: string) => e.attributes[a]?.[0] ?? "";

test("matches: the example searches of docs/directory-schema.md", (t) => {
  const same = (text: string, pred: (e: Entry) => boolean) => {
    const expected = dnsWhere(pred);
    t.true(expected.length > 0, `${text} is expected to find something`);
    t.deepEqual(dnsMatching(text), expected, text);
  };
  same(
    "(&(issServerKind=STREAM)(issContentSize>=1000000000))",
    (e) => one(e, "issServerKind") === "stream" && Number(one(e, "issContentSize")) >= 1e9,
  );
  same(
    "(&(objectClass=issContentLocation)(issLastSeen<=20261124235959Z))",
    (e) => "issContentId" in e.attributes && one(e, "issLastSeen") <= "20261124235959Z",
  );
  same("(issContentId=http://www.lan1.example/*)", (e) =>
    one(e, "issContentId").startsWith("http://www.lan1.example/"),
  );
  t.deepEqual(dnsMatching("(issContentId=HTTP://WWW.LAN1.EXAMPLE/*)"), [], "content ids match case-exactly");
  same("(issContentServer=CN=se-cache1,OU=engines,dc=lan1,dc=iss,dc=example)", (e) =>
    (e.attributes.issContentServer ?? []).includes("cn=se-cache1,ou=engines,dc=lan1,dc=iss,dc=example"),
  );
  same(
    "(&(issRole=sm)(issBoardModel=*raspberry pi*))",
    (e) => one(e, "issRole") === "sm" && one(e, "issBoardModel").toLowerCase().includes("raspberry pi"),
  );
  same("(objectClass=top)", () => true);
  same("(objectClass=*)", () => true);
  same("(ou:dn:=engines)", (e) =>
    schema.dn(e.dn).normalized.endsWith("ou=engines,dc=lan1,dc=iss,dc=example"),
  );
});

test("matches: three-valued logic; NOT of Undefined is Undefined", (t) => {
  const e = entry(examples, "cn=iss-sm1,");
  const truth = (text: string) => schema.matches(parseFilter(text), e);
  const table: [string, boolean][] = [
    ["(cn=iss-sm1)", true],
    ["(!(cn=iss-sm1))", false],
    ["(nosuchAttr=x)", false],
    ["(!(nosuchAttr=x))", false],
    ["(!(issVlan=abc))", false],
    ["(!(cn>=a))", false],
    ["(!(issRole=s*))", false],
    ["(!(cn:caseIgnoreMatch:=x))", true],
    ["(!(cn:integerMatch:=1))", false],
    ["(!(cn:nosuchRule:=x))", false],
    ["(!(cn:caseIgnoreSubstringsMatch:=x))", false],
    ["(|(nosuchAttr=x)(cn=iss-sm1))", true],
    ["(!(|(nosuchAttr=x)(cn=other)))", false],
    ["(&(nosuchAttr=x)(cn=iss-sm1))", false],
    ["(!(&(nosuchAttr=x)(cn=iss-sm1)))", false],
    ["(!(&(nosuchAttr=x)(cn=other)))", true],
    ["(nosuchAttr=*)", false],
    ["(!(nosuchAttr=*))", false],
    ["(!(issVlan=*))", true],
    ["(&)", true],
    ["(|)", false],
    ["(!(&))", false],
  ];
  for (const [text, expected] of table) t.is(truth(text), expected, text);
});

test("matches: matching rules per attribute: ordering, substrings, approx, extensible, subtypes", (t) => {
  const stream = entry(examples, "issContentId=rtsp://stream.lan1.example/live/sports,");
  const sm = entry(examples, "cn=iss-sm1,");
  const yes = (text: string, e: Entry) => t.true(schema.matches(parseFilter(text), e), text);
  const no = (text: string, e: Entry) => t.false(schema.matches(parseFilter(text), e), text);
  yes("(issVlan>=99)", stream); // numerically: "99" > "110" as text
  no("(issVlan<=99)", stream);
  yes("(issLastSeen>=20261125051200+0100)", stream);
  no("(issLastSeen>=20261125051400+0100)", stream);
  yes("(issContentId=rtsp://*/live/*s)", stream);
  no("(issContentId=rtsp://*/LIVE/*)", stream);
  no("(issContentId=*sports*sports)", stream);
  yes("(description=*channel:   SPORTS)", stream);
  yes("(description=  LIVE*)", stream);
  yes("(issBoardModel=raspberry*pi*B)", sm);
  no("(issBoardModel=*pi*raspberry*)", sm);
  yes("(issServerKind~=STREAM)", stream);
  yes("(name=ISS-SM1)", sm);
  yes("(name=iss*)", sm);
  yes("(2.5.4.3=iss-sm1)", sm);
  yes("(issVlan:integerOrderingMatch:=111)", stream);
  no("(issVlan:integerOrderingMatch:=110)", stream);
  yes("(:caseIgnoreIA5Match:=STREAM)", stream);
  no("(:caseIgnoreMatch:=STREAM)", stream);
  yes(
    "(issContentServer:distinguishedNameMatch:=cn=SE-STREAM2,ou=engines,dc=lan1,dc=iss,dc=example)",
    stream,
  );
  yes("(:dn:caseIgnoreMatch:=switches)", sm);
  no("(:caseIgnoreMatch:=switches)", sm);
  yes("(dc:dn:=LAN1)", sm);
  no("(objectClass=issServiceEngine)", sm);
  yes("(objectClass=1.3.6.1.4.1.32473.77.2.3)", sm);
});

test("speed: 10^5 entries through a compound filter, and 10^5 normalized values", (t) => {
  const base = entry(examples, "issContentId=rtsp://stream.lan1.example/live/sports,");
  const many: Entry[] = [];
  for (let i = 0; i < 100_000; i++) {
    const id = `http://host${i % 97}.example/path/${i}/`;
    many.push({
      dn: `issContentId=${id},ou=content,dc=lan1,dc=iss,dc=example`,
      attributes: {
        ...base.attributes,
        issContentId: [id],
        issContentSize: [String(i * 7919)],
        issServerKind: [["http", "cache", "stream"][i % 3] ?? "http"],
        issContentServer: [`cn=se-cache${i % 8},ou=engines,dc=lan1,dc=iss,dc=example`],
      },
    });
  }
  const filter = parseFilter(
    "(&(objectClass=issContentLocation)(|(issServerKind=CACHE)(issServerKind=stream))(issContentSize>=100000000)" +
      "(issContentId=http://host1*)(issContentServer=cn=se-cache3,ou=engines,dc=lan1,dc=iss,dc=example))",
  );
  let t0 = process.hrtime.bigint();
  const hits = many.filter((e) => schema.matches(filter, e)).length;
  const matchMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const expected = many.filter((e, i) => {
    const size = Number(one(e, "issContentSize"));
    return i % 3 !== 0 && size >= 1e8 && one(e, "issContentId").startsWith("http://host1") && i % 8 === 3;
  }).length;
  t.is(hits, expected);
  t.true(hits > 0);

  t0 = process.hrtime.bigint();
  for (const e of many) schema.normalizeValue("issContentServer", one(e, "issContentServer"));
  for (const e of many) schema.normalizeValue("description", one(e, "description"));
  const normalizeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  t.log(
    `matches: ${matchMs.toFixed(0)} ms for 10^5 entries; normalizeValue: ${normalizeMs.toFixed(0)} ms for 2x10^5 values`,
  );
  t.true(matchMs < 2000, `matching 10^5 entries took ${matchMs} ms`);
  t.true(normalizeMs < 2000, `normalizing 2x10^5 values took ${normalizeMs} ms`);
});
