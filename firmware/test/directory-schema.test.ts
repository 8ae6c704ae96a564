// The directory schema against the real OpenLDAP (Debian's slapd and ldap-utils): slaptest accepts
// firmware/schema/iss.schema (also converted to cn=config), a slapd started on it loads the example LAN,
// searches count every object class as the LDIF has it, and schema violations come back with the LDAP
// result codes slapd uses (ldapadd exits with the result code).
import test from "ava";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  exampleLdif,
  rootDn as rootdn,
  run,
  slaptestBin,
  startSlapd,
  suffix,
  type Run,
  type Slapd,
} from "./helpers/slapd.js";

let slapd: Slapd;

function ldap(tool: string, args: string[]): Promise<Run> {
  return slapd.ldap(tool, args);
}

function ldapWrite(tool: string, ldif: string): Promise<Run> {
  const file = join(slapd.dir, `in-${randomBytes(4).toString("hex")}.ldif`);
  writeFileSync(file, ldif);
  return ldap(tool, ["-D", rootdn, "-y", slapd.passwordFile, "-f", file]);
}

/** DNs (unwrapped) of every entry under the suffix that matches the filter. */
async function dns(filter: string): Promise<string[]> {
  const r = await ldap("ldapsearch", ["-LLL", "-o", "ldif-wrap=no", "-b", suffix, filter, "1.1"]);
  if (r.code !== 0) throw new Error(`ldapsearch ${filter} exited ${r.code}: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter((l) => l.startsWith("dn: "))
    .map((l) => l.slice(4));
}

test.before(async () => {
  slapd = await startSlapd();
});

test.after.always(async () => {
  await slapd?.stop();
});

test.serial("slaptest accepts the schema, and converts it to cn=config", async (t) => {
  const r = await run(slaptestBin, ["-f", slapd.conf, "-u"]);
  t.is(r.code, 0, r.stderr);
  // The cn=config path of docs/directory-schema.md. Without -u slaptest also opens the database, read-only,
  // so it needs one that exists: the running slapd's (LMDB allows readers in other processes).
  const slapdD = join(slapd.dir, "slapd.d");
  mkdirSync(slapdD);
  const c = await run(slaptestBin, ["-f", slapd.conf, "-F", slapdD]);
  t.is(c.code, 0, c.stderr);
  const converted = join(slapdD, "cn=config", "cn=schema", "cn={1}iss.ldif");
  t.true(existsSync(converted), "cn=config holds the iss schema as cn={1}iss");
  const text = existsSync(converted) ? readFileSync(converted, "utf8").replace(/\n /g, "") : "";
  t.regex(text, /olcObjectIdentifier: \{0\}issOID 1\.3\.6\.1\.4\.1\.32473\.77\n/);
  t.regex(text, /olcObjectClasses: \{0\}\( issClass:1 NAME 'issContentLocation'/);
});

test.serial("slapd publishes the schema under the documented OIDs", async (t) => {
  const r = await ldap("ldapsearch", [
    "-LLL",
    "-o",
    "ldif-wrap=no",
    "-b",
    "cn=subschema",
    "-s",
    "base",
    "(objectClass=*)",
    "+",
  ]);
  t.is(r.code, 0, r.stderr);
  const expected = [
    "objectClasses: ( 1.3.6.1.4.1.32473.77.2.1 NAME 'issContentLocation'",
    "objectClasses: ( 1.3.6.1.4.1.32473.77.2.2 NAME 'issServiceEngine'",
    "objectClasses: ( 1.3.6.1.4.1.32473.77.2.3 NAME 'issSwitch'",
    "attributeTypes: ( 1.3.6.1.4.1.32473.77.1.1 NAME 'issContentId'",
    "attributeTypes: ( 1.3.6.1.4.1.32473.77.1.13 NAME 'issBoardModel'",
  ];
  for (const line of expected) t.true(r.stdout.includes(line), line);
  t.is(
    r.stdout.split("\n").filter((l) => l.includes(" 1.3.6.1.4.1.32473.77.1.")).length,
    13,
    "13 attribute types",
  );
});

test.serial("slapd loads the example LAN and holds every entry of each object class", async (t) => {
  const r = await ldap("ldapadd", ["-D", rootdn, "-y", slapd.passwordFile, "-f", exampleLdif]);
  t.is(r.code, 0, `ldapadd: ${r.stderr}\n${slapd.log()}`);

  const ldif = readFileSync(exampleLdif, "utf8");
  const inLdif = (oc: string) =>
    ldif.split("\n").filter((l) => l.toLowerCase() === `objectclass: ${oc}`.toLowerCase()).length;
  const classes = ["issContentLocation", "issServiceEngine", "issSwitch", "organizationalUnit", "dcObject"];
  for (const oc of classes) t.is((await dns(`(objectClass=${oc})`)).length, inLdif(oc), oc);
  t.is((await dns("(objectClass=*)")).length, ldif.split("\n").filter((l) => l.startsWith("dn: ")).length);
  // The example's shape, as the docs describe it.
  t.deepEqual(
    classes.slice(0, 3).map((oc) => inLdif(oc)),
    [20, 6, 2],
  );
});

test.serial("matching rules of the schema work in searches", async (t) => {
  // Integer ordering, IA5 case-insensitive equality, GeneralizedTime ordering, exact-case substrings, DN equality.
  t.is((await dns("(&(issServerKind=STREAM)(issContentSize>=1000000000))")).length, 2);
  t.is((await dns("(&(objectClass=issContentLocation)(issLastSeen<=20261124235959Z))")).length, 3);
  t.is((await dns("(issContentId=http://www.lan1.example/*)")).length, 4);
  t.is((await dns("(issContentId=HTTP://WWW.LAN1.EXAMPLE/*)")).length, 0, "content ids match case-exactly");
  t.is((await dns(`(issContentServer=CN=se-cache1,OU=engines,${suffix})`)).length, 5);
  t.is((await dns("(&(issRole=sm)(issBoardModel=*raspberry pi*))")).length, 1);
});

test.serial("every server a content location names is an engine entry of the example", async (t) => {
  const r = await ldap("ldapsearch", [
    "-LLL",
    "-o",
    "ldif-wrap=no",
    "-b",
    `ou=content,${suffix}`,
    "(objectClass=issContentLocation)",
    "issContentServer",
  ]);
  t.is(r.code, 0, r.stderr);
  const servers = new Set(
    r.stdout
      .split("\n")
      .filter((l) => l.startsWith("issContentServer: "))
      .map((l) => l.slice("issContentServer: ".length).toLowerCase()),
  );
  const engines = new Set((await dns("(objectClass=issServiceEngine)")).map((d) => d.toLowerCase()));
  t.true(servers.size > 0);
  for (const s of servers) t.true(engines.has(s), `${s} is an engine`);
});

test.serial("schema violations are rejected with slapd's result codes", async (t) => {
  const content = `issContentId=http://bad.lan1.example/,ou=content,${suffix}`;
  const missingMust = await ldapWrite(
    "ldapadd",
    `dn: ${content}\nobjectClass: issContentLocation\nissContentId: http://bad.lan1.example/\nissServerKind: http\nissContentState: active\n`,
  );
  t.is(missingMust.code, 65, `objectClassViolation: ${missingMust.stderr}`);
  t.regex(missingMust.stderr, /requires attribute 'issContentServer'/);

  const engine = `cn=se-bad,ou=engines,${suffix}`;
  const twoValues = await ldapWrite(
    "ldapadd",
    `dn: ${engine}\nobjectClass: issServiceEngine\ncn: se-bad\nissAddress: 10.77.1.99\nissServerKind: http\nissCapacity: 1\nissCapacity: 2\n`,
  );
  t.is(twoValues.code, 19, `constraintViolation: ${twoValues.stderr}`);
  t.regex(twoValues.stderr, /issCapacity: multiple values provided/);

  const badSyntax = await ldapWrite(
    "ldapadd",
    `dn: ${engine}\nobjectClass: issServiceEngine\ncn: se-bad\nissAddress: 10.77.1.99\nissServerKind: http\nissCapacity: lots\n`,
  );
  t.is(badSyntax.code, 21, `invalidAttributeSyntax: ${badSyntax.stderr}`);

  const unknownAttr = await ldapWrite(
    "ldapadd",
    `dn: ${engine}\nobjectClass: issServiceEngine\ncn: se-bad\nissAddress: 10.77.1.99\nissServerKind: http\nissRole: sm\n`,
  );
  t.is(unknownAttr.code, 65, `attribute not allowed by the class: ${unknownAttr.stderr}`);

  const secondValue = await ldapWrite(
    "ldapmodify",
    `dn: cn=se-http1,ou=engines,${suffix}\nchangetype: modify\nadd: issHealth\nissHealth: down\n`,
  );
  t.is(secondValue.code, 19, `a second value of a SINGLE-VALUE attribute by modify: ${secondValue.stderr}`);

  t.is((await dns(`(|(cn=se-bad)(issContentId=http://bad.lan1.example/))`)).length, 0, "nothing was added");
  const health = await ldap("ldapsearch", [
    "-LLL",
    "-b",
    `cn=se-http1,ou=engines,${suffix}`,
    "-s",
    "base",
    "(objectClass=*)",
    "issHealth",
  ]);
  t.regex(health.stdout, /^issHealth: ok$/m);
});
