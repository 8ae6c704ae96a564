// The directory model against the real OpenLDAP (Debian's slapd and ldap-utils), on the example LAN: entries
// that break one schema rule get the same result code from ldapadd as from checkEntry; failing modifications
// the same code from ldapmodify as from modify; each search filter finds the same DNs with ldapsearch as with
// matches. The places where the ISS model deliberately differs from slapd are listed, and checked, as such.
import test from "ava";
import { parseFilter } from "../src/directory/model/filter-text.js";
import { loadIssSchema } from "../src/directory/model/schema.js";
import { LdapError, type Entry, type Modification } from "../src/directory/model/types.js";
import { entry, exampleEntries, exampleLdifFile, suffix } from "./helpers/directory-model-example.js";
import { startSlapd, type Run, type Slapd } from "./helpers/slapd.js";

const schema = loadIssSchema();
const examples = exampleEntries();
let slapd: Slapd;

const SAFE_LDIF_VALUE = /^(?:[^\s:<\0\r\n][^\0\r\n]*[^\s\0\r\n]|[^\s:<\0\r\n])?$/;
const ldifLine = (attribute: string, value: string) =>
  SAFE_LDIF_VALUE.test(value) && /^[\x20-\x7e]*$/.test(value)
    ? `${attribute}: ${value}`
    : `${attribute}:: ${Buffer.from(value).toString("base64")}`;

function addLdif(e: Entry): string {
  const lines = [`dn: ${e.dn}`];
  for (const [a, values] of Object.entries(e.attributes)) for (const v of values) lines.push(ldifLine(a, v));
  return `${lines.join("\n")}\n`;
}

function modifyLdif(dn: string, mods: Modification[]): string {
  const lines = [`dn: ${dn}`, "changetype: modify"];
  for (const m of mods)
    lines.push(`${m.operation}: ${m.attribute}`, ...m.values.map((v) => ldifLine(m.attribute, v)), "-");
  return `${lines.join("\n")}\n`;
}

function ldapWrite(tool: "ldapadd" | "ldapmodify" | "ldapdelete", input: string): Promise<Run> {
  return slapd.ldapAsRoot(tool, [], input);
}

async function slapdDns(filter: string): Promise<string[]> {
  const r = await slapd.ldap("ldapsearch", ["-LLL", "-o", "ldif-wrap=no", "-b", suffix, filter, "1.1"]);
  if (r.code !== 0) throw new Error(`ldapsearch ${filter} exited ${r.code}: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter((l) => l.startsWith("dn: "))
    .map((l) => schema.dn(l.slice(4)).normalized)
    .sort();
}

function modelCode(fn: () => unknown): number {
  try {
    fn();
    return 0;
  } catch (e) {
    if (e instanceof LdapError) return e.code;
    throw e;
  }
}

test.before(async () => {
  slapd = await startSlapd();
  const load = await slapd.ldapAsRoot("ldapadd", ["-f", exampleLdifFile]);
  if (load.code !== 0) throw new Error(`loading the example LAN: ${load.stderr}`);
});

test.after.always(() => slapd.stop());

const engineDn = `cn=se-x,ou=engines,${suffix}`;
const newEngine = (extra: Record<string, string[] | undefined> = {}, dn = engineDn): Entry => {
  const attributes: Record<string, string[]> = {
    objectClass: ["issServiceEngine"],
    cn: ["se-x"],
    issAddress: ["10.77.1.99"],
    issServerKind: ["http"],
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete attributes[k];
    else attributes[k] = v;
  }
  return { dn, attributes };
};
const newContent = (servers: string[]): Entry => ({
  dn: `issContentId=http://x.lan1.example/,ou=content,${suffix}`,
  attributes: {
    objectClass: ["issContentLocation"],
    issContentId: ["http://x.lan1.example/"],
    issContentServer: servers,
    issServerKind: ["http"],
    issContentState: ["active"],
  },
});

const sameAsSlapd: [string, Entry][] = [
  ["unknown attribute type", newEngine({ fooAttr: ["1"] })],
  ["unknown object class", newEngine({ objectClass: ["issServiceEngine", "fooClass"] })],
  ["no objectClass", newEngine({ objectClass: undefined })],
  ["only top", newEngine({ objectClass: ["top"] })],
  ["only an auxiliary class", newEngine({ objectClass: ["dcObject"], dc: ["x"] })],
  [
    "two structural classes",
    newEngine({ objectClass: ["issServiceEngine", "organizationalUnit"], ou: ["x"] }),
  ],
  ["MUST missing", newEngine({ issServerKind: undefined })],
  ["MUST of the auxiliary class missing", newEngine({ objectClass: ["issServiceEngine", "dcObject"] })],
  ["attribute no class allows", newEngine({ issContentState: ["active"] })],
  ["name is allowed by no class", newEngine({ name: ["x"] })],
  ["SINGLE-VALUE with two values", newEngine({ issCapacity: ["1", "2"] })],
  ["Integer not a number", newEngine({ issCapacity: ["lots"] })],
  ["Integer with a leading zero", newEngine({ issCapacity: ["007"] })],
  ["Integer -0", newEngine({ issCapacity: ["-0"] })],
  ["GeneralizedTime on 30 February", newEngine({ issLastSeen: ["20260230000000Z"] })],
  ["GeneralizedTime without a zone", newEngine({ issLastSeen: ["20261125041500"] })],
  ["GeneralizedTime hour 24", newEngine({ issLastSeen: ["20261125240000Z"] })],
  ["IA5 String with non-ASCII", newEngine({ issHealth: ["\u00f6k"] })],
  ["empty Directory String", newEngine({ description: [""] })],
  ["DN value that is not a DN", newContent(["se-http1"])],
  ["DN value with an undefined attribute type", newContent(["nosuch=se-http1,ou=engines"])],
  ["undefined attribute type in the DN", newEngine({}, `nosuch=se-x,ou=engines,${suffix}`)],
  [
    "single-valued RDN attribute with another value",
    newEngine({}, `cn=se-x+issAddress=10.77.1.98,ou=engines,${suffix}`),
  ],
];

test.serial("entries that break a schema rule: ldapadd's result code equals checkEntry's", async (t) => {
  for (const [why, e] of sameAsSlapd) {
    const slapdCode = (await ldapWrite("ldapadd", addLdif(e))).code;
    t.not(slapdCode, 0, `${why}: slapd refuses it`);
    t.is(
      modelCode(() => schema.checkEntry(e)),
      slapdCode,
      why,
    );
  }
  t.is(
    modelCode(() => schema.checkEntry(newEngine())),
    0,
    "the same entry without the fault is fine",
  );
});

// Where the model refuses what slapd takes (the ISS value rules, empty values, the {n} bound that slapd does
// not enforce, an RDN value missing from the entry, which slapd adds) or takes what slapd refuses (repeated
// values, which the model drops). Each entry is removed from slapd again after it was added.
const differsFromSlapd: [string, Entry, number, number][] = [
  ["server kind outside http/cache/stream", newEngine({ issServerKind: ["ftp"] }), 0, 19],
  ["health outside ok/degraded/down", newEngine({ issHealth: ["fine"] }), 0, 19],
  ["address not IPv4", newEngine({ issAddress: ["se-x.lan1"] }), 0, 19],
  ["negative capacity", newEngine({ issCapacity: ["-5"] }), 0, 19],
  ["length bound {16} exceeded", newEngine({ issHealth: ["o".repeat(17)] }), 0, 19],
  ["empty IA5 String", newEngine({ issHealth: [""] }), 0, 21],
  ["RDN value missing from the entry", newEngine({ cn: ["se-other"] }), 0, 64],
  ["a value given twice", newEngine({ cn: ["se-x", "SE-X"] }), 20, 0],
  ["an attribute under two names", newEngine({ commonName: ["web"] }), 20, 0],
];

test.serial("where the ISS model deliberately differs from slapd on ADD", async (t) => {
  for (const [why, e, slapdExpected, modelExpected] of differsFromSlapd) {
    const r = await ldapWrite("ldapadd", addLdif(e));
    if (r.code === 0) await ldapWrite("ldapdelete", `${e.dn}\n`);
    t.is(r.code, slapdExpected, `${why}: slapd ${r.stderr}`);
    t.is(
      modelCode(() => schema.checkEntry(e)),
      modelExpected,
      `${why}: model`,
    );
  }
  t.deepEqual(await slapdDns("(cn=se-x)"), [], "slapd holds none of them afterwards");
});

const m = (operation: Modification["operation"], attribute: string, ...values: string[]): Modification => ({
  operation,
  attribute,
  values,
});
const seHttp1 = entry(examples, "cn=se-http1,");
const news = entry(examples, "issContentId=rtsp://stream.lan1.example/live/news,");

const failingMods: [string, Entry, Modification[]][] = [
  ["add an existing value", seHttp1, [m("add", "cn", "SE-HTTP1")]],
  ["add a value twice", seHttp1, [m("add", "description", "x", "X")]],
  ["delete an absent attribute", seHttp1, [m("delete", "description")]],
  ["delete an absent value", seHttp1, [m("delete", "issHealth", "down")]],
  ["delete a malformed value", seHttp1, [m("delete", "issCapacity", "0500107862016")]],
  ["replace an undefined attribute", seHttp1, [m("replace", "issDescription", "x")]],
  ["delete an undefined attribute", seHttp1, [m("delete", "fooBar")]],
  ["change the structural class", seHttp1, [m("replace", "objectClass", "issSwitch")]],
  ["remove every object class", seHttp1, [m("delete", "objectClass", "issServiceEngine")]],
  ["a second structural class", seHttp1, [m("add", "objectClass", "issSwitch")]],
  ["an auxiliary class without its MUST", seHttp1, [m("add", "objectClass", "dcObject")]],
  ["delete a MUST attribute", seHttp1, [m("delete", "issAddress")]],
  ["two values of a SINGLE-VALUE attribute", seHttp1, [m("replace", "issHealth", "ok", "down")]],
  ["a second value by add", seHttp1, [m("add", "issHealth", "down")]],
  ["replace with a malformed value", seHttp1, [m("replace", "issCapacity", "many")]],
  ["an attribute no class allows", seHttp1, [m("replace", "issRole", "sm")]],
  [
    "a good change, then a bad one",
    news,
    [m("replace", "issVlan", "111"), m("delete", "issStreamGroup", "239.1.1.1")],
  ],
];

test.serial("failing modifications: ldapmodify's result code equals modify's; nothing changes", async (t) => {
  for (const [why, e, mods] of failingMods) {
    const slapdCode = (await ldapWrite("ldapmodify", modifyLdif(e.dn, mods))).code;
    t.not(slapdCode, 0, `${why}: slapd refuses it`);
    t.is(
      modelCode(() => schema.modify(e, mods)),
      slapdCode,
      why,
    );
  }
  t.deepEqual(await slapdDns("(&(issVlan=110)(issStreamGroup=239.192.78.10))"), [
    schema.dn(news.dn).normalized,
  ]);
  // RFC 4511 names the code for changing the RDN's values notAllowedOnRdn (67); slapd answers namingViolation (64).
  const rdn = [m("replace", "cn", "other")];
  t.is((await ldapWrite("ldapmodify", modifyLdif(seHttp1.dn, rdn))).code, 64, "slapd");
  t.is(
    modelCode(() => schema.modify(seHttp1, rdn)),
    67,
    "model",
  );
});

// Approximate match is left out: slapd's is phonetic and word-based, the model's is equality (RFC 4511 leaves
// approx to the server).
const filters = [
  "(objectClass=*)",
  "(objectClass=top)",
  "(!(objectClass=top))",
  "(objectClass=issSwitch)",
  "(objectclass=ISSSWITCH)",
  "(objectClass=1.3.6.1.4.1.32473.77.2.1)",
  "(objectClass=dcObject)",
  "(&(issServerKind=STREAM)(issContentSize>=1000000000))",
  "(&(objectClass=issContentLocation)(issLastSeen<=20261124235959Z))",
  "(issContentId=http://www.lan1.example/*)",
  "(issContentId=HTTP://WWW.LAN1.EXAMPLE/*)",
  "(issContentId=*/live/*s)",
  "(issContentId=*\\2c*)",
  "(issContentId=*)",
  "(issContentServer=CN=se-cache1,OU=engines,dc=lan1,dc=iss,dc=example)",
  "(issContentServer=cn=se-http1 , ou=engines,dc=lan1,dc=iss,dc=example)",
  "(issContentServer=cn=se-http1+cn=x,ou=engines,dc=lan1,dc=iss,dc=example)",
  "(issContentServer=garbage)",
  "(!(issContentServer=garbage))",
  "(issContentServer=cn=se-*)",
  "(&(issRole=sm)(issBoardModel=*raspberry pi*))",
  "(issBoardModel=raspberry*B)",
  "(issServerKind=ht*)",
  "(!(issServerKind=ht*))",
  "(cn>=se-s)",
  "(!(cn>=se-s))",
  "(nosuchAttr=x)",
  "(!(nosuchAttr=x))",
  "(nosuchAttr=*)",
  "(!(nosuchAttr=*))",
  "(!(issRole=s*))",
  "(|(nosuchAttr=x)(cn=se-http1))",
  "(!(&(nosuchAttr=x)(cn=se-http1)))",
  "(!(&(nosuchAttr=x)(cn=nobody)))",
  "(!(issVlan=abc))",
  "(issVlan=0110)",
  "(issVlan>=111)",
  "(|(issVlan<=110)(!(issVlan=*)))",
  "(issLastSeen>=2026112504Z)",
  "(issLastSeen<=2026112504Z)",
  "(issLastSeen=20261125041300.000Z)",
  "(issLastSeen=20261125051300+0100)",
  "(&(objectClass=issServiceEngine)(!(issHealth=ok)))",
  "(!(issHealth=ok))",
  "(description=*  rack   a*)",
  "(description=live*: *s)",
  "(cn=se-*1)",
  "(name=se-http1)",
  "(name=*)",
  "(2.5.4.3=se-http1)",
  "(cn;lang-en=se-http1)",
  "(ou:dn:=engines)",
  "(dc:dn:=iss)",
  "(o:dn:=lan1)",
  "(cn:dn:=engines)",
  "(:dn:caseIgnoreMatch:=engines)",
  "(ou:dn:caseExactMatch:=Engines)",
  "(cn:caseExactMatch:=SE-HTTP1)",
  "(cn:caseIgnoreMatch:=SE-HTTP1)",
  "(:caseIgnoreMatch:=SE-HTTP1)",
  "(:caseIgnoreMatch:=HTTP)",
  "(:caseIgnoreIA5Match:=HTTP)",
  "(:caseExactIA5Match:=http)",
  "(issServerKind:caseExactIA5Match:=HTTP)",
  "(issContentSize:integerOrderingMatch:=1000)",
  "(issContentSize:2.5.13.14:=0)",
  "(issContentSize:caseIgnoreMatch:=0)",
  "(cn:nosuchRule:=x)",
  "(cn:caseIgnoreOrderingMatch:=se-d)",
  "(cn:caseIgnoreSubstringsMatch:=se\\2a)",
  "(:integerMatch:=110)",
  "(:integerOrderingMatch:=1)",
  "(:generalizedTimeMatch:=20261125041300Z)",
  "(issLastSeen:generalizedTimeOrderingMatch:=20261125000000Z)",
  "(:distinguishedNameMatch:=cn=se-http1,ou=engines,dc=lan1,dc=iss,dc=example)",
  "(issVlan:integerMatch:=0110)",
  "(!(issVlan:integerMatch:=abc))",
  "(&)",
  "(|)",
  "(!(&))",
];

test.serial("search filters: ldapsearch finds the same DNs as matches over the example LAN", async (t) => {
  const checked = examples.map((e) => schema.checkEntry(e));
  let nonEmpty = 0;
  for (const text of filters) {
    const filter = parseFilter(text);
    const model = checked.filter((e) => schema.matches(filter, e)).map((e) => schema.dn(e.dn).normalized);
    const ldap = await slapdDns(text);
    t.deepEqual(model.sort(), ldap, text);
    if (ldap.length > 0) nonEmpty++;
  }
  t.true(nonEmpty > filters.length / 2, `${nonEmpty} of ${filters.length} filters find something`);
});
