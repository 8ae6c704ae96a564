// The directory model's schema: parsing OpenLDAP schema text (macros, inheritance, errors with line numbers),
// attribute names by alias and OID, normal forms by equality rule, and RFC 4514 DNs with their normal form
// and tree keys (checked against the example LAN's own tree).
import test from "ava";
import { readFileSync } from "node:fs";
import { DirectorySchema, loadIssSchema } from "../src/directory/model/schema.js";
import { LdapError, ResultCode } from "../src/directory/model/types.js";
import { exampleEntries, schemaFile, suffix } from "./helpers/directory-model-example.js";

const schema = loadIssSchema();
const issText = readFileSync(schemaFile, "utf8");

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof LdapError) return e.code;
    throw e;
  }
}

test("loadIssSchema parses iss.schema once and knows every attribute type it defines, by name, case or OID", (t) => {
  t.is(loadIssSchema(), schema);
  const defined = [...issText.matchAll(/attributetype \( issAttr:(\d+) NAME '(\w+)'/g)];
  t.is(defined.length, 13);
  for (const [, n, name] of defined) {
    t.is(schema.attributeName(name ?? ""), name);
    t.is(schema.attributeName((name ?? "").toUpperCase()), name);
    t.is(schema.attributeName(`1.3.6.1.4.1.32473.77.1.${n}`), name);
  }
});

test("the core subset answers to aliases and OIDs, and nothing else is defined", (t) => {
  const names: [string, string][] = [
    ["commonName", "cn"],
    ["2.5.4.3", "cn"],
    ["organizationalUnitName", "ou"],
    ["organizationName", "o"],
    ["domainComponent", "dc"],
    ["0.9.2342.19200300.100.1.25", "dc"],
    ["objectclass", "objectClass"],
    ["DESCRIPTION", "description"],
    ["2.5.4.41", "name"],
  ];
  for (const [asked, canonical] of names) t.is(schema.attributeName(asked), canonical, asked);
  for (const unknown of ["l", "createTimestamp", "userPassword", "cn;lang-en", "", "2.5.4.999"]) {
    t.is(schema.attributeName(unknown), undefined, unknown);
  }
});

test("schema text: macros, multi-line definitions, inheritance from SUP, DESC escapes and extensions", (t) => {
  const s = DirectorySchema.parse(`
objectidentifier labOID 1.3.6.1.4.1.32473.99
objectidentifier labAttr labOID:1
# a comment line
attributetype ( labAttr:1 NAME ( 'labName' 'labAlias' ) DESC 'it\\27s a name'
	SUP name
	X-ORIGIN 'test' )
attributetype ( labAttr:2 NAME 'labCount' OBSOLETE
	EQUALITY integerMatch ORDERING integerOrderingMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.27{4} SINGLE-VALUE USAGE userApplications )
objectclass ( labOID:2.1 NAME 'labThing' SUP 'top' STRUCTURAL MUST labName MAY ( labCount $ description ) )
`);
  t.is(s.attributeName("labAlias"), "labName");
  t.is(s.attributeName("1.3.6.1.4.1.32473.99.1.1"), "labName");
  t.is(s.normalizeValue("labName", "  Two   Words "), "two words", "equality inherited from name");
  t.is(s.attributeName("issContentId"), undefined, "only the core subset sits under a parsed text");
  const thing = {
    dn: "labName=X,dc=lab",
    attributes: { objectClass: ["labThing"], labName: ["x"], labCount: ["12"] },
  };
  t.deepEqual(s.checkEntry(thing).attributes.labCount, ["12"]);
  t.true(
    s.matches({ type: "equal", attribute: "name", value: "X" }, thing),
    "a filter on name sees the subtype",
  );
  t.is(
    codeOf(() => s.checkEntry({ ...thing, attributes: { ...thing.attributes, labCount: ["12345"] } })),
    ResultCode.constraintViolation,
    "the {4} bound of labCount",
  );
});

test("schema text errors name the line and the problem", (t) => {
  const bad: [string, RegExp][] = [
    ["attributetype ( 1.2.3.4 NAME 'x' SYNTAX 1.2.3 )", /attribute type x: unsupported syntax 1\.2\.3/],
    ["attributetype ( 1.2.3.4 NAME 'x' SUP nosuch )", /unknown SUP nosuch/],
    [
      "attributetype ( 1.2.3.4 NAME 'x' EQUALITY fuzzyMatch SUP name )",
      /unsupported equality rule fuzzyMatch/,
    ],
    ["attributetype ( 1.2.3.4 NAME 'cn' SUP name )", /attribute type cn is defined twice/],
    ["\n\nattributetype ( 1.2.3.4 NAME 'x' SUP name", /schema:3: unexpected end of definition/],
    ["attributetype ( notAnOid NAME 'x' )", /schema:1: not a numeric OID or known macro: notAnOid/],
    [
      "objectclass ( 1.2.3.5 NAME 'y' SUP top MUST nosuchAttr )",
      /object class y: unknown attribute nosuchAttr/,
    ],
    ["ditcontentrule ( 1.2.3.6 )", /schema:1: unsupported statement ditcontentrule/],
    ["attributetype ( 1.2.3.4 NAME 'x' SUP name BOGUS )", /unknown keyword BOGUS/],
    ["objectidentifier onlyName", /objectidentifier takes a name and an OID/],
  ];
  for (const [text, message] of bad) t.throws(() => DirectorySchema.parse(text), { message }, text);
});

test("normalizeValue follows each attribute's equality rule", (t) => {
  const cases: [string, string, string][] = [
    ["cn", "  ISS-SM1  ", "iss-sm1"],
    ["description", "Level-1  Service\tManager", "level-1 service manager"],
    ["issBoardModel", "Raspberry Pi 4 Model B", "raspberry pi 4 model b"],
    ["issContentId", " http://WWW.lan1.example/A  B ", "http://WWW.lan1.example/A B"],
    ["issServerKind", "STREAM", "stream"],
    ["issContentSize", "4294967296", "4294967296"],
    ["issVlan", "-7", "-7"],
    ["issLastSeen", "20261125041300Z", "20261125041300"],
    ["issLastSeen", "20261125051300+0100", "20261125041300"],
    ["issLastSeen", "20261124231300-0500", "20261125041300"],
    ["issLastSeen", "202611250413.5Z", "20261125041330"],
    ["issLastSeen", "2026112504.25Z", "20261125041500"],
    ["issLastSeen", "20261125041300,250Z", "2026112504130025"],
    ["issLastSeen", "20241231235960Z", "20241231235960"],
    [
      "issContentServer",
      "CN=SE-Cache1 , OU=engines,DC=lan1,dc=iss,dc=example",
      `cn=se-cache1,ou=engines,${suffix}`,
    ],
    ["issContentServer", "2.5.4.3=se-cache1,organizationalUnitName=engines", "cn=se-cache1,ou=engines"],
    ["objectClass", "ISSSWITCH", "issswitch"],
    ["objectClass", "1.3.6.1.4.1.32473.77.2.3", "issswitch"],
    ["commonName", "Ab", "ab"],
  ];
  for (const [attribute, value, normal] of cases)
    t.is(schema.normalizeValue(attribute, value), normal, value);
  t.is(
    codeOf(() => schema.normalizeValue("fooAttr", "x")),
    ResultCode.undefinedAttributeType,
  );
  for (const [attribute, value] of [
    ["issContentSize", "007"],
    ["issContentSize", "-0"],
    ["issContentSize", "1e9"],
    ["issLastSeen", "20261325000000Z"],
    ["issLastSeen", "20230229000000Z"],
    ["issLastSeen", "20261125240000Z"],
    ["issLastSeen", "20261125041500"],
    ["issLastSeen", "20261125041561Z"],
    ["issContentServer", "cn=x,nosuch=y"],
    ["issContentId", "http://ex.example/caf\u00e9"],
    ["description", ""],
  ]) {
    t.is(
      codeOf(() => schema.normalizeValue(attribute ?? "", value ?? "")),
      ResultCode.invalidAttributeSyntax,
      value,
    );
  }
});

test("generalized time normal forms order chronologically across zones and fractions", (t) => {
  const ordered = [
    "20261124235959Z",
    "20261125010000+0100",
    "20261125000000.5Z",
    "202611250000.01Z",
    "20261125000001Z",
    "2026112500.5Z",
    "20261125013000+0100",
  ];
  const keys = ordered.map((v) => schema.normalizeValue("issLastSeen", v));
  t.is(keys[1], "20261125000000", "01:00+01:00 is midnight UTC");
  for (let i = 1; i < keys.length; i++) {
    t.true((keys[i - 1] ?? "") <= (keys[i] ?? ""), `${ordered[i - 1]} <= ${ordered[i]}`);
  }
  t.is(keys[5], keys[6], "half an hour past midnight, twice");
});

test("dn(): canonical RDNs, normal form, tree keys and the display form", (t) => {
  const d = schema.dn(" CN = ISS-sm1 ,  ou=Switches , 0.9.2342.19200300.100.1.25=lan1,dc=iss,DC=example ");
  t.deepEqual(d.rdns, [
    [{ attribute: "cn", value: "ISS-sm1" }],
    [{ attribute: "ou", value: "Switches" }],
    [{ attribute: "dc", value: "lan1" }],
    [{ attribute: "dc", value: "iss" }],
    [{ attribute: "dc", value: "example" }],
  ]);
  t.is(d.normalized, `cn=iss-sm1,ou=switches,${suffix}`);
  t.is(d.key, "dc=example\u0001dc=iss\u0001dc=lan1\u0001ou=switches\u0001cn=iss-sm1\u0001");
  t.is(d.parentKey, schema.dn(`ou=switches,${suffix}`).key);
  t.is(d.display, "CN=ISS-sm1,ou=Switches,0.9.2342.19200300.100.1.25=lan1,dc=iss,DC=example");

  const empty = schema.dn("");
  t.deepEqual(empty, { rdns: [], normalized: "", key: "", parentKey: undefined, display: "" });
  t.is(schema.dn("dc=example").parentKey, "", "a top-level entry's parent is the root");

  const multi = schema.dn("ou=b+cn=A+dc=c,dc=example");
  t.is(multi.normalized, "cn=a+dc=c+ou=b,dc=example", "RDN parts sorted");
  t.is(multi.key, schema.dn("dc=c + CN=a + ou=B,dc=example").key);
  t.is(multi.rdns[0]?.length, 3);
});

test("dn(): RFC 4514 escapes, hex pairs as UTF-8, BER hex strings, significant escaped spaces", (t) => {
  const content = schema.dn(`issContentId=http://x.example/a\\,b\\2Cc\\+d\\;e=f,ou=content,${suffix}`);
  t.is(content.rdns[0]?.[0]?.value, "http://x.example/a,b,c+d;e=f");
  t.is(content.normalized, `isscontentid=http://x.example/a\\,b\\,c\\+d\\;e=f,ou=content,${suffix}`);
  t.is(schema.dn(content.normalized).normalized, content.normalized, "the normal form is a fixed point");
  t.is(schema.dn("cn=caf\\C3\\A9,dc=x").rdns[0]?.[0]?.value, "caf\u00e9");
  t.is(schema.dn("cn=#0403616263,dc=x").rdns[0]?.[0]?.value, "abc", "BER OCTET STRING");
  t.is(schema.dn("cn=#0c03616263,dc=x").normalized, "cn=abc,dc=x", "BER UTF8String");
  t.is(schema.dn("cn=\\#1\\ ,dc=x").rdns[0]?.[0]?.value, "#1 ");
  t.is(schema.dn("cn=\\#1,dc=x").normalized, "cn=\\#1,dc=x");
  t.is(schema.dn("cn=a\\\\b,dc=x").normalized, "cn=a\\\\b,dc=x");
  t.is(
    schema.dn("cn=a   b   ,dc=x").display,
    "cn=a   b,dc=x",
    "unescaped trailing spaces are not part of the value",
  );
});

test("dn(): malformed DNs fail with invalidDnSyntax", (t) => {
  const bad = [
    "cn",
    "cn=",
    "=x",
    "cn=x,",
    ",cn=x",
    "cn=x,,dc=y",
    "cn=x+",
    "nosuch=x,dc=y",
    "cn=a;b",
    "cn=a<b",
    'cn="quoted"',
    "cn=a\\zz",
    "cn=a\\",
    "cn=\\ff\\fe",
    "cn=#04",
    "cn=#0205616263",
    "issVlan=12a,dc=x",
    "issContentId=caf\u00e9,dc=x",
    "1cn=x",
    "c_n=x",
  ];
  for (const text of bad)
    t.is(
      codeOf(() => schema.dn(text)),
      ResultCode.invalidDnSyntax,
      text,
    );
});

test("tree keys of the example LAN: a subtree is a key prefix, a child one segment below its parent", (t) => {
  const parsed = exampleEntries().map((e) => schema.dn(e.dn));
  const keys = new Set(parsed.map((d) => d.key));
  const root = schema.dn(suffix);
  t.is(keys.size, parsed.length, "distinct entries, distinct keys");
  for (const d of parsed) {
    t.true(d.key.startsWith(root.key), d.display);
    if (d.key === root.key) continue;
    t.true(keys.has(d.parentKey ?? ""), `${d.display} has its parent in the example`);
    t.is(d.key.slice((d.parentKey ?? "").length).split("\u0001").length, 2, "exactly one more segment");
    t.is(d.key.endsWith("\u0001"), true);
  }
  const engines = schema.dn(`ou=engines,${suffix}`).key;
  const under = parsed.filter((d) => d.key.startsWith(engines) && d.key !== engines);
  t.is(under.length, parsed.filter((d) => d.normalized.endsWith(`,ou=engines,${suffix}`)).length);
  t.false(
    schema.dn(`ou=engines2,${suffix}`).key.startsWith(engines),
    "a sibling with a longer name is not below",
  );
});
