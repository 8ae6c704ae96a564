// The directory model's entry rules: checkEntry on the example LAN and on entries that break one rule each
// (LDAP schema rules and the ISS value rules), MODIFY semantics (RFC 4511 section 4.6, all or nothing, input
// untouched), and COMPARE. The result codes that slapd also produces are cross-checked in
// directory-model-slapd.test.ts.
import test from "ava";
import { DirectorySchema, loadIssSchema } from "../src/directory/model/schema.js";
import { LdapError, ResultCode, type Entry, type Modification } from "../src/directory/model/types.js";
import { copy, entry, exampleEntries, suffix } from "./helpers/directory-model-example.js";

const schema = loadIssSchema();
const examples = exampleEntries();
const engine = () => entry(examples, "cn=se-http1,");
const sports = () => entry(examples, "issContentId=rtsp://stream.lan1.example/live/sports,");
const sm = () => entry(examples, "cn=iss-sm1,");

function failure(fn: () => unknown): { code: number; message: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof LdapError) return { code: e.code, message: e.message };
    throw e;
  }
}

function withAttrs(e: Entry, attrs: Record<string, string[] | undefined>): Entry {
  const out = copy(e);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) delete out.attributes[k];
    else out.attributes[k] = v;
  }
  return out;
}

test("every entry of the example LAN passes, unchanged", (t) => {
  t.is(examples.length, 32);
  for (const e of examples) t.deepEqual(schema.checkEntry(e), e, e.dn);
});

test("checkEntry returns canonical attribute names, merges aliases and drops repeated values", (t) => {
  const e = engine();
  const messy: Entry = {
    dn: e.dn,
    attributes: {
      objectclass: ["issServiceEngine", "TOP", "top"],
      CN: ["se-http1"],
      commonName: ["SE-HTTP1", "web one"],
      "1.3.6.1.4.1.32473.77.1.9": ["10.77.1.11"],
      issserverkind: ["http"],
      description: ["A  b", "a b", "c"],
    },
  };
  const checked = schema.checkEntry(messy);
  t.deepEqual(checked.attributes, {
    objectClass: ["issServiceEngine", "TOP"],
    cn: ["se-http1", "web one"],
    issAddress: ["10.77.1.11"],
    issServerKind: ["http"],
    description: ["A  b", "c"],
  });
  t.is(checked.dn, e.dn);
  t.deepEqual(messy.attributes.description, ["A  b", "a b", "c"], "the input is not changed");
});

interface Bad {
  why: string;
  entry: Entry;
  code: number;
  message: RegExp;
}

const R = ResultCode;
const badEntries = (): Bad[] => [
  {
    why: "unknown attribute",
    entry: withAttrs(engine(), { fooAttr: ["1"] }),
    code: R.undefinedAttributeType,
    message: /fooAttr: attribute type undefined/,
  },
  {
    why: "operational attribute",
    entry: withAttrs(engine(), { modifyTimestamp: ["20260101000000Z"] }),
    code: R.undefinedAttributeType,
    message: /modifyTimestamp/,
  },
  {
    why: "no objectClass",
    entry: withAttrs(engine(), { objectClass: undefined }),
    code: R.objectClassViolation,
    message: /no objectClass attribute/,
  },
  {
    why: "unknown class",
    entry: withAttrs(engine(), { objectClass: ["issServiceEngine", "fooClass"] }),
    code: R.invalidAttributeSyntax,
    message: /objectClass: value #1 invalid per syntax/,
  },
  {
    why: "only top",
    entry: withAttrs(engine(), { objectClass: ["top"] }),
    code: R.objectClassViolation,
    message: /no structural object class provided/,
  },
  {
    why: "only auxiliary",
    entry: withAttrs(engine(), { objectClass: ["dcObject"], dc: ["x"] }),
    code: R.objectClassViolation,
    message: /no structural object class provided/,
  },
  {
    why: "two structural chains",
    entry: withAttrs(engine(), { objectClass: ["issServiceEngine", "issSwitch"], issRole: ["se"] }),
    code: R.objectClassViolation,
    message: /invalid structural object class chain \(issServiceEngine\/issSwitch\)/,
  },
  {
    why: "MUST missing",
    entry: withAttrs(engine(), { issServerKind: undefined }),
    code: R.objectClassViolation,
    message: /object class 'issServiceEngine' requires attribute 'issServerKind'/,
  },
  {
    why: "MUST of an auxiliary class missing",
    entry: withAttrs(engine(), { objectClass: ["issServiceEngine", "dcObject"] }),
    code: R.objectClassViolation,
    message: /object class 'dcObject' requires attribute 'dc'/,
  },
  {
    why: "attribute not allowed",
    entry: withAttrs(engine(), { issRole: ["se"] }),
    code: R.objectClassViolation,
    message: /attribute 'issRole' not allowed/,
  },
  {
    why: "name itself is allowed by no class",
    entry: withAttrs(engine(), { name: ["x"] }),
    code: R.objectClassViolation,
    message: /attribute 'name' not allowed/,
  },
  {
    why: "SINGLE-VALUE",
    entry: withAttrs(engine(), { issHealth: ["ok", "down"] }),
    code: R.constraintViolation,
    message: /issHealth: multiple values provided/,
  },
  {
    why: "bad Integer",
    entry: withAttrs(engine(), { issCapacity: ["lots"] }),
    code: R.invalidAttributeSyntax,
    message: /issCapacity: value #0 invalid per syntax/,
  },
  {
    why: "Integer with a leading zero",
    entry: withAttrs(engine(), { issCapacity: ["0100"] }),
    code: R.invalidAttributeSyntax,
    message: /issCapacity/,
  },
  {
    why: "bad GeneralizedTime",
    entry: withAttrs(engine(), { issLastSeen: ["2026-11-25T04:10:00Z"] }),
    code: R.invalidAttributeSyntax,
    message: /issLastSeen/,
  },
  {
    why: "GeneralizedTime without zone",
    entry: withAttrs(engine(), { issLastSeen: ["20261125041000"] }),
    code: R.invalidAttributeSyntax,
    message: /issLastSeen/,
  },
  {
    why: "bad DN value",
    entry: withAttrs(sports(), { issContentServer: ["se-stream1"] }),
    code: R.invalidAttributeSyntax,
    message: /issContentServer: value #0 invalid per syntax/,
  },
  {
    why: "IA5 with non-ASCII",
    entry: withAttrs(engine(), { issHealth: ["\u00f6k"] }),
    code: R.invalidAttributeSyntax,
    message: /issHealth/,
  },
  {
    why: "empty Directory String",
    entry: withAttrs(engine(), { description: [""] }),
    code: R.invalidAttributeSyntax,
    message: /description: value #0/,
  },
  {
    why: "empty IA5 String (ISS rule)",
    entry: withAttrs(engine(), { issHealth: [""] }),
    code: R.invalidAttributeSyntax,
    message: /issHealth: value #0/,
  },
  {
    why: "attribute without values",
    entry: withAttrs(engine(), { description: [] }),
    code: R.protocolError,
    message: /description: no values/,
  },
  {
    why: "RDN value not in the entry",
    entry: withAttrs(engine(), { cn: ["se-http9"] }),
    code: R.namingViolation,
    message: /naming attribute 'cn'/,
  },
  {
    why: "bad DN",
    entry: { ...engine(), dn: "cn=se-http1;ou=engines" },
    code: R.invalidDnSyntax,
    message: /invalid DN/,
  },
  {
    why: "length bound {16}",
    entry: withAttrs(engine(), { issHealth: ["o".repeat(17)] }),
    code: R.constraintViolation,
    message: /issHealth: value #0 is longer than 16 characters/,
  },
  {
    why: "length bound {128} in characters",
    entry: withAttrs(sm(), { issBoardModel: ["\u00e9".repeat(129)] }),
    code: R.constraintViolation,
    message: /longer than 128/,
  },
  {
    why: "server kind",
    entry: withAttrs(engine(), { issServerKind: ["ftp"] }),
    code: R.constraintViolation,
    message: /issServerKind: value #0 "ftp" must be one of http, cache, stream/,
  },
  {
    why: "content state",
    entry: withAttrs(sports(), { issContentState: ["gone"] }),
    code: R.constraintViolation,
    message: /must be one of active, stale, withdrawn/,
  },
  {
    why: "health",
    entry: withAttrs(engine(), { issHealth: ["fine"] }),
    code: R.constraintViolation,
    message: /must be one of ok, degraded, down/,
  },
  {
    why: "role",
    entry: withAttrs(sm(), { issRole: ["master"] }),
    code: R.constraintViolation,
    message: /must be one of sm, bsm, se/,
  },
  {
    why: "address not IPv4",
    entry: withAttrs(engine(), { issAddress: ["se-http1.lan"] }),
    code: R.constraintViolation,
    message: /must be an IPv4 address/,
  },
  {
    why: "address octet > 255",
    entry: withAttrs(engine(), { issAddress: ["10.77.1.256"] }),
    code: R.constraintViolation,
    message: /IPv4 address/,
  },
  {
    why: "address with a leading zero",
    entry: withAttrs(engine(), { issAddress: ["10.77.01.1"] }),
    code: R.constraintViolation,
    message: /IPv4 address/,
  },
  {
    why: "address with three parts",
    entry: withAttrs(engine(), { issAddress: ["10.77.1"] }),
    code: R.constraintViolation,
    message: /IPv4 address/,
  },
  {
    why: "stream group not multicast",
    entry: withAttrs(sports(), { issStreamGroup: ["10.77.78.11"] }),
    code: R.constraintViolation,
    message: /multicast group/,
  },
  {
    why: "stream group above 239",
    entry: withAttrs(sports(), { issStreamGroup: ["240.0.0.1"] }),
    code: R.constraintViolation,
    message: /multicast group/,
  },
  {
    why: "VLAN 0",
    entry: withAttrs(sports(), { issVlan: ["0"] }),
    code: R.constraintViolation,
    message: /issVlan: value #0 "0" must be 1 to 4094/,
  },
  {
    why: "VLAN 4095",
    entry: withAttrs(sports(), { issVlan: ["4095"] }),
    code: R.constraintViolation,
    message: /1 to 4094/,
  },
  {
    why: "negative size",
    entry: withAttrs(sports(), { issContentSize: ["-1"] }),
    code: R.constraintViolation,
    message: /issContentSize: value #0 "-1" must be at least 0/,
  },
  {
    why: "negative capacity",
    entry: withAttrs(engine(), { issCapacity: ["-500"] }),
    code: R.constraintViolation,
    message: /must be at least 0/,
  },
];

test("entries that break one rule fail with that rule's result code and a clear message", (t) => {
  for (const bad of badEntries()) {
    const f = failure(() => schema.checkEntry(bad.entry));
    t.is(f?.code, bad.code, `${bad.why}: ${f?.message}`);
    t.regex(f?.message ?? "", bad.message, bad.why);
  }
});

test("the ISS value rules accept their boundaries and values in any case", (t) => {
  const good = [
    withAttrs(sports(), { issVlan: ["1"], issStreamGroup: ["224.0.0.0"], issContentSize: ["0"] }),
    withAttrs(sports(), {
      issVlan: ["4094"],
      issStreamGroup: ["239.255.255.255"],
      issServerKind: ["STREAM"],
    }),
    withAttrs(engine(), {
      issAddress: ["255.255.255.255"],
      issHealth: ["Degraded"],
      issCapacity: ["123456789012345678901234567890"],
    }),
    withAttrs(engine(), { issAddress: ["0.0.0.0"], issHealth: ["down"] }),
    withAttrs(sm(), { issRole: ["BSM"], issBoardModel: ["\u00e9".repeat(128)] }),
    withAttrs(sm(), { issBoardModel: ["\u{1d11e}".repeat(100)] }), // 200 UTF-16 units, 100 characters
  ];
  for (const e of good) t.notThrows(() => schema.checkEntry(e), JSON.stringify(e.attributes));
});

const mod = (operation: Modification["operation"], attribute: string, ...values: string[]): Modification => ({
  operation,
  attribute,
  values,
});

test("modify: add, delete and replace by the attribute's equality rule", (t) => {
  const e = engine();
  const after = schema.modify(e, [
    mod("add", "DESCRIPTION", "Web Server", "rack C"),
    mod("delete", "description", "web  server"),
    mod("replace", "issHealth", "down"),
    mod("delete", "issLastSeen"),
    mod("replace", "issCapacity"),
    mod("replace", "2.5.4.3", "se-http1", "www"),
  ]);
  t.deepEqual(after.attributes.description, ["rack C"]);
  t.deepEqual(after.attributes.issHealth, ["down"]);
  t.false("issLastSeen" in after.attributes, "delete without values removes the attribute");
  t.false("issCapacity" in after.attributes, "replace with no values removes the attribute");
  t.deepEqual(after.attributes.cn, ["se-http1", "www"]);
  t.deepEqual(Object.keys(after.attributes).sort(), [
    "cn",
    "description",
    "issAddress",
    "issHealth",
    "issServerKind",
    "objectClass",
  ]);
  t.deepEqual(e, engine(), "the input entry is not changed");
  t.deepEqual(
    schema.modify(e, [mod("replace", "description")]),
    schema.checkEntry(e),
    "replace [] of an absent attribute",
  );
  t.deepEqual(
    schema.modify(sports(), [mod("delete", "issContentServer", "CN=SE-STREAM2,ou=engines," + suffix)])
      .attributes.issContentServer,
    [`cn=se-stream1,ou=engines,${suffix}`],
  );
});

test("modify: object classes, auxiliary classes and the structural class", (t) => {
  const withAux = schema.modify(engine(), [mod("add", "objectClass", "dcObject"), mod("add", "dc", "x")]);
  t.deepEqual(withAux.attributes.objectClass, ["issServiceEngine", "dcObject"]);
  t.deepEqual(
    schema.modify(engine(), [mod("replace", "objectClass", "top", "issServiceEngine")]).attributes
      .objectClass,
    ["top", "issServiceEngine"],
  );
});

interface BadMod {
  why: string;
  entry: Entry;
  mods: Modification[];
  code: number;
  message: RegExp;
}

const badMods = (): BadMod[] => [
  {
    why: "add an existing value (by equality)",
    entry: engine(),
    mods: [mod("add", "cn", "SE-HTTP1")],
    code: R.attributeOrValueExists,
    message: /modify\/add: cn: value #0 already exists/,
  },
  {
    why: "add the same value twice",
    entry: engine(),
    mods: [mod("add", "description", "x", "X")],
    code: R.attributeOrValueExists,
    message: /description: value #1 provided more than once/,
  },
  {
    why: "add without values",
    entry: engine(),
    mods: [mod("add", "description")],
    code: R.protocolError,
    message: /no values/,
  },
  {
    why: "delete a missing attribute",
    entry: engine(),
    mods: [mod("delete", "description")],
    code: R.noSuchAttribute,
    message: /modify\/delete: description: no such attribute/,
  },
  {
    why: "delete a missing value",
    entry: engine(),
    mods: [mod("delete", "issHealth", "down")],
    code: R.noSuchAttribute,
    message: /issHealth: no such value/,
  },
  {
    why: "delete a malformed value",
    entry: engine(),
    mods: [mod("delete", "issCapacity", "0500107862016")],
    code: R.invalidAttributeSyntax,
    message: /issCapacity: value #0 invalid per syntax/,
  },
  {
    why: "unknown attribute",
    entry: engine(),
    mods: [mod("replace", "issDescription", "x")],
    code: R.undefinedAttributeType,
    message: /issDescription: attribute type undefined/,
  },
  {
    why: "delete the RDN value",
    entry: engine(),
    mods: [mod("delete", "cn", "se-http1")],
    code: R.notAllowedOnRdn,
    message: /naming attribute 'cn'/,
  },
  {
    why: "replace the RDN value",
    entry: engine(),
    mods: [mod("replace", "cn", "other")],
    code: R.notAllowedOnRdn,
    message: /naming attribute 'cn'/,
  },
  {
    why: "delete the RDN attribute",
    entry: sports(),
    mods: [mod("delete", "issContentId")],
    code: R.notAllowedOnRdn,
    message: /naming attribute 'issContentId'/,
  },
  {
    why: "change the structural class",
    entry: engine(),
    mods: [mod("replace", "objectClass", "issSwitch")],
    code: R.objectClassModsProhibited,
    message: /from 'issServiceEngine' to 'issSwitch' not allowed/,
  },
  {
    why: "remove every class",
    entry: engine(),
    mods: [mod("delete", "objectClass", "issServiceEngine")],
    code: R.objectClassViolation,
    message: /no objectClass attribute/,
  },
  {
    why: "a second structural class",
    entry: engine(),
    mods: [mod("add", "objectClass", "issSwitch")],
    code: R.objectClassViolation,
    message: /invalid structural object class chain/,
  },
  {
    why: "auxiliary class without its MUST",
    entry: engine(),
    mods: [mod("add", "objectClass", "dcObject")],
    code: R.objectClassViolation,
    message: /object class 'dcObject' requires attribute 'dc'/,
  },
  {
    why: "delete a MUST attribute",
    entry: engine(),
    mods: [mod("delete", "issAddress")],
    code: R.objectClassViolation,
    message: /requires attribute 'issAddress'/,
  },
  {
    why: "a second value of a SINGLE-VALUE attribute",
    entry: engine(),
    mods: [mod("add", "issHealth", "down")],
    code: R.constraintViolation,
    message: /issHealth: multiple values provided/,
  },
  {
    why: "replace with a malformed value",
    entry: engine(),
    mods: [mod("replace", "issCapacity", "many")],
    code: R.invalidAttributeSyntax,
    message: /issCapacity/,
  },
  {
    why: "attribute not allowed",
    entry: engine(),
    mods: [mod("replace", "issRole", "sm")],
    code: R.objectClassViolation,
    message: /attribute 'issRole' not allowed/,
  },
  {
    why: "ISS value rule",
    entry: sports(),
    mods: [mod("replace", "issVlan", "5000")],
    code: R.constraintViolation,
    message: /1 to 4094/,
  },
];

test("modify: each broken rule fails with its result code, all or nothing, the input untouched", (t) => {
  for (const bad of badMods()) {
    const before = copy(bad.entry);
    // A good modification first: the failure must undo it too (the result is thrown away, never half-applied).
    const f = failure(() =>
      schema.modify(bad.entry, [mod("replace", "issLastSeen", "20300101000000Z"), ...bad.mods]),
    );
    t.is(f?.code, bad.code, `${bad.why}: ${f?.message}`);
    t.regex(f?.message ?? "", bad.message, bad.why);
    t.deepEqual(bad.entry, before, `${bad.why}: input unchanged`);
  }
});

test("compare: by equality rule, with subtypes and object class inheritance; unknown or unusable attributes fail", (t) => {
  const e = sports();
  t.true(schema.compare(e, "issServerKind", "STREAM"));
  t.false(schema.compare(e, "issServerKind", "cache"));
  t.true(schema.compare(e, "issContentServer", `CN=se-stream2, OU=Engines,${suffix}`));
  t.true(schema.compare(e, "issLastSeen", "20261125051300+0100"));
  t.true(schema.compare(e, "issVlan", "110"));
  t.false(schema.compare(e, "issHealth", "ok"), "an attribute the entry lacks");
  t.true(schema.compare(engine(), "name", "SE-HTTP1"), "name covers cn");
  t.true(schema.compare(engine(), "objectClass", "top"), "every entry is a top");
  t.false(schema.compare(engine(), "objectClass", "issSwitch"));
  t.is(failure(() => schema.compare(e, "fooAttr", "x"))?.code, R.undefinedAttributeType);
  t.is(failure(() => schema.compare(e, "issVlan", "one-ten"))?.code, R.invalidAttributeSyntax);
});

test("compare and normalizeValue on an attribute without an equality rule: inappropriateMatching", (t) => {
  const s = DirectorySchema.parse(
    "attributetype ( 1.3.6.1.4.1.32473.99.1 NAME 'labNote' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )",
  );
  const e = { dn: "cn=x", attributes: { labNote: ["x"] } };
  t.is(failure(() => s.compare(e, "labNote", "x"))?.code, R.inappropriateMatching);
  t.is(failure(() => s.normalizeValue("labNote", "x"))?.code, R.inappropriateMatching);
  t.false(
    s.matches({ type: "not", filter: { type: "equal", attribute: "labNote", value: "x" } }, e),
    "Undefined",
  );
  t.true(s.matches({ type: "present", attribute: "labNote" }, e));
});
