// The directory with Debian's ldap-utils across the virtual lab (SM b1, BSM b2, SEs b3-b5): ldapadd,
// ldapmodify, ldapdelete and ldapcompare against the SM, ldapsearch against every replica, whose content
// equals the SM's entry by entry as soon as each write returned; referrals for writes sent to an SE;
// schema, tree and access errors with the LDAP result codes; LDAPS with the lab's certificate.
import test from "ava";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { canBuildLab, inNetns, privilegeMessage, systemTool } from "../lab/index.js";
import { run } from "../lab/netns.js";
import { pollUntil } from "../rmtp/group-under-test.js";
import { labSuffix, snapshotDiff, startDirectoryLab, type DirectoryLab } from "./directory-lab.js";

const exampleLdif = readFileSync(
  fileURLToPath(new URL("../../../firmware/schema/example-lan.ldif", import.meta.url)),
  "utf8",
);

/** The example LAN without the entries the SM creates itself (suffix and the three containers). */
function exampleBody(): string {
  const blocks = exampleLdif.split(/\n\n+/).filter((b) => /^dn: /m.test(b));
  return blocks
    .filter(
      (b) => !/^dn: (dc=lan1|ou=\w+),dc=lan1,dc=iss,dc=example$|^dn: dc=lan1,dc=iss,dc=example$/m.test(b),
    )
    .join("\n\n");
}

async function assertReplicasEqual(
  t: import("ava").ExecutionContext,
  dl: DirectoryLab,
  step: string,
): Promise<void> {
  const sm = await dl.snapshot(1);
  for (const board of dl.lab.boards.filter((b) => b.role !== "sm")) {
    const replica = await dl.snapshot(board.index);
    t.deepEqual(snapshotDiff(sm, replica), [], `${step}: b${board.index} differs from the SM`);
  }
}

test("ldap-utils against the SM and the replicas of a 5-board lab", async (t) => {
  if (!canBuildLab()) return t.fail(privilegeMessage);
  const dl = await startDirectoryLab(t, { boards: 5 });
  const switches = await pollUntil(
    () =>
      dl.ldap("ldapsearch", 1, ["-LLL", "-b", `ou=switches,${labSuffix}`, "(objectClass=issSwitch)", "cn"]),
    (r) => (r.stdout.match(/^cn: /gm) ?? []).length === 5,
    20_000,
    200,
  );
  t.is((switches.stdout.match(/^cn: /gm) ?? []).length, 5, "every board registered its own switch entry");

  const added = await dl.ldap("ldapadd", 1, [], { input: exampleBody() });
  t.is(added.code, 0, added.stderr);
  await assertReplicasEqual(t, dl, "after ldapadd of the example LAN");
  const content = await dl.ldap("ldapsearch", 4, [
    "-LLL",
    "-o",
    "ldif-wrap=no",
    "-b",
    `ou=content,${labSuffix}`,
    "-s",
    "one",
    "(objectClass=*)",
    "1.1",
  ]);
  t.is((content.stdout.match(/^dn: /gm) ?? []).length, 20, "20 content locations on an SE replica");

  const modify = [
    `dn: cn=se-http1,ou=engines,${labSuffix}`,
    "changetype: modify",
    "replace: issHealth",
    "issHealth: degraded",
    "-",
    "add: description",
    "description: fan noise reported",
    "",
    `dn: cn=se-http1,ou=engines,${labSuffix}`,
    "changetype: modify",
    "delete: description",
    "",
    `dn: issContentId=http://www.lan1.example/,ou=content,${labSuffix}`,
    "changetype: modify",
    "add: issContentServer",
    `issContentServer: cn=se-cache2,ou=engines,${labSuffix}`,
    "",
  ].join("\n");
  const modified = await dl.ldap("ldapmodify", 1, [], { input: modify });
  t.is(modified.code, 0, modified.stderr);
  await assertReplicasEqual(t, dl, "after ldapmodify");
  const health = await dl.ldap("ldapsearch", 5, [
    "-LLL",
    "-b",
    `cn=se-http1,ou=engines,${labSuffix}`,
    "-s",
    "base",
    "(objectClass=*)",
    "issHealth",
    "description",
  ]);
  t.regex(health.stdout, /^issHealth: degraded$/m);
  t.notRegex(health.stdout, /^description:/m);

  const firstContent = /^dn: (issContentId=[^\n]+)$/m.exec(content.stdout)?.[1] ?? "";
  const deleted = await dl.ldap("ldapdelete", 1, [firstContent]);
  t.is(deleted.code, 0, deleted.stderr);
  await assertReplicasEqual(t, dl, "after ldapdelete");

  const same = await dl.ldap("ldapcompare", 3, [`cn=se-http1,ou=engines,${labSuffix}`, "issHealth:DEGRADED"]);
  t.is(same.code, 6, "compareTrue under caseIgnoreIA5Match");
  const differs = await dl.ldap("ldapcompare", 3, [`cn=se-http1,ou=engines,${labSuffix}`, "issHealth:ok"]);
  t.is(differs.code, 5, "compareFalse");

  const toSe = await dl.ldap("ldapdelete", 3, [`cn=se-http1,ou=engines,${labSuffix}`]);
  t.is(toSe.code, 10, `a write to an SE is referred: ${toSe.stderr}`);
  t.true(toSe.stderr.includes(`ldap://${dl.lab.board(1).address}:389`), toSe.stderr);

  const missingMust = await dl.ldap("ldapadd", 1, [], {
    input: `dn: cn=se-bad,ou=engines,${labSuffix}\nobjectClass: issServiceEngine\ncn: se-bad\n`,
  });
  t.is(missingMust.code, 65, missingMust.stderr);
  const duplicate = await dl.ldap("ldapadd", 1, [], { input: exampleBody().split("\n\n")[0] ?? "" });
  t.is(duplicate.code, 68, duplicate.stderr);
  const nonLeaf = await dl.ldap("ldapdelete", 1, [`ou=engines,${labSuffix}`]);
  t.is(nonLeaf.code, 66, nonLeaf.stderr);
  const noParent = await dl.ldap("ldapadd", 1, [], {
    input: `dn: cn=x,ou=nowhere,${labSuffix}\nobjectClass: organizationalUnit\nou: x\n`,
  });
  t.is(noParent.code, 32, noParent.stderr);
  await assertReplicasEqual(t, dl, "after refused writes");

  const anonymous = await dl.ldap("ldapsearch", 1, ["-b", labSuffix, "(objectClass=*)"], { bind: false });
  t.is(anonymous.code, 50, "anonymous reads are off by default");
  const state = dl.lab.describe();
  const wrong = await run(
    inNetns(dl.lab.board(1).namespace, [
      systemTool("ldapwhoami"),
      "-x",
      "-H",
      `ldap://${dl.lab.board(1).address}`,
      "-D",
      `cn=admin,${labSuffix}`,
      "-w",
      "not-the-password",
    ]),
  ).then(
    () => 0,
    (err: { exitCode?: number }) => err.exitCode ?? -1,
  );
  t.is(wrong, 49, "wrong password: invalidCredentials");

  const ldaps = await run(
    inNetns(dl.lab.board(3).namespace, [
      "/usr/bin/env",
      `LDAPTLS_CACERT=${state.directoryCertFile}`,
      systemTool("ldapsearch"),
      "-x",
      "-H",
      `ldaps://${dl.lab.board(4).address}:636`,
      "-D",
      `cn=admin,${labSuffix}`,
      "-y",
      state.directoryPasswordFile,
      "-LLL",
      "-b",
      `ou=switches,${labSuffix}`,
      "(cn=b4)",
      "issAddress",
    ]),
  );
  t.regex(ldaps.stdout, new RegExp(`^issAddress: ${dl.lab.board(4).address.replace(/\./g, "\\.")}$`, "m"));
});
