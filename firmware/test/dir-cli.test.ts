// `iss dir` against real OpenLDAP: two throwaway slapd (one also on LDAPS with an openssl self-signed
// certificate) loaded with the example LAN. Output is compared with `ldapsearch -LLL` of the same search;
// writes are checked with ldapsearch; errors with their messages and exit codes; export | import into the
// second slapd gives identical searches; -c iss.yaml; referrals from a fake referring server (ldapjs);
// `dir status` printed from a fake control server.
import test from "ava";
import ldapjs from "ldapjs";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ControlServer } from "../src/control/server.js";
import type { DirStatus } from "../src/cli/dir/status.js";
import { parseLdif } from "../src/directory/ldif/parse.js";
import {
  exampleLdif,
  freePort,
  repo,
  rootDn,
  startSlapd,
  suffix,
  type Run,
  type Slapd,
} from "./helpers/slapd.js";

const cli = join(repo, "dist/firmware/src/cli/iss.js");
const work = mkdtempSync(join(tmpdir(), "iss-dir-cli-"));
let a: Slapd;
let b: Slapd;

function iss(args: string[], input = ""): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, "dir", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.on("error", () => undefined); // a command that exits without reading its input
    child.stdin.end(input);
  });
}

const as = (s: Slapd): string[] => ["--uri", s.uri, "--bind-dn", rootDn, "--password-file", s.passwordFile];

function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

async function ldapsearch(s: Slapd, args: string[]): Promise<string> {
  const r = await s.ldapAsRoot("ldapsearch", ["-LLL", "-o", "ldif-wrap=76", ...args]);
  if (r.code !== 0) throw new Error(`ldapsearch ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

test.before(async () => {
  [a, b] = await Promise.all([startSlapd({ tls: true }), startSlapd()]);
});

test.after.always(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

test.serial("import loads the example LAN and reports its count", async (t) => {
  const r = await iss(["import", ...as(a), exampleLdif]);
  t.is(r.code, 0, r.stderr);
  t.regex(
    r.stdout,
    /^imported 32 of 32 entries from .*example-lan\.ldif in [\d.]+ s \(\d+\/s\), 0 failed\n$/,
  );
  const dns = (await ldapsearch(a, ["-b", suffix, "(objectClass=*)", "1.1"])).match(/^dn: /gm) ?? [];
  t.is(dns.length, parseLdif(readFileSync(exampleLdif, "utf8")).length);
});

test.serial("search prints exactly what ldapsearch -LLL prints for the same search", async (t) => {
  const searches: string[][] = [
    ["-b", suffix, "(objectClass=*)"],
    ["-b", `ou=content,${suffix}`, "-s", "one", "(issServerKind=stream)", "issContentId", "issContentSize"],
    ["-b", suffix, "(&(objectClass=issServiceEngine)(issHealth=ok))", "cn", "issAddress"],
    ["-b", `cn=se-http1,ou=engines,${suffix}`, "-s", "base", "(objectClass=*)"],
  ];
  for (const args of searches) {
    const r = await iss(["search", ...as(a), ...args]);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, await ldapsearch(a, args), args.join(" "));
  }
  // The long sha256 content DNs fold at 76 columns in both.
  t.regex((await iss(["search", ...as(a), "-b", suffix, "(issContentId=sha256:*)", "1.1"])).stdout, /^ /m);
});

test.serial("search with a size limit prints what fits, then sizeLimitExceeded (4)", async (t) => {
  const r = await iss(["search", ...as(a), "-b", suffix, "-z", "3", "(objectClass=*)", "1.1"]);
  t.is(r.code, 4);
  t.is(parseLdif(r.stdout).length, 3);
  t.regex(r.stderr, /^iss dir: search dc=lan1,dc=iss,dc=example: sizeLimitExceeded \(4\): /);
});

test.serial("get prints one entry; a missing one is noSuchObject (32)", async (t) => {
  const dn = `cn=iss-sm1,ou=switches,${suffix}`;
  const r = await iss(["get", ...as(a), dn]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, await ldapsearch(a, ["-b", dn, "-s", "base", "(objectClass=*)"]));
  const missing = await iss(["get", ...as(a), `cn=nope,ou=switches,${suffix}`]);
  t.is(missing.code, 32);
  t.is(missing.stdout, "");
  t.regex(
    missing.stderr,
    /^iss dir: get cn=nope,ou=switches,dc=lan1,dc=iss,dc=example: noSuchObject \(32\): .+\n$/,
  );
});

test.serial(
  "add from stdin, with base64 values and a non-ASCII DN; adding it again is entryAlreadyExists (68)",
  async (t) => {
    const dn = `cn=se-café,ou=engines,${suffix}`;
    const ldif = [
      `dn:: ${Buffer.from(dn).toString("base64")}`,
      "objectClass: issServiceEngine",
      "cn:: c2UtY2Fmw6k=",
      "issAddress: 10.77.1.40",
      "issServerKind: cache",
      "issCapacity: 1000",
      `description:: ${Buffer.from(" starts with a space, ends in ü").toString("base64")}`,
      "",
    ].join("\n");
    const r = await iss(["add", ...as(a), "-"], ldif);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, `added ${dn}\n`);
    const got = await iss(["get", ...as(a), dn]);
    t.is(got.stdout, await ldapsearch(a, ["-b", dn, "-s", "base", "(objectClass=*)"]));
    t.deepEqual(parseLdif(got.stdout)[0], {
      kind: "entry",
      line: 1,
      entry: {
        dn,
        attributes: {
          objectClass: ["issServiceEngine"],
          cn: ["se-café"],
          issAddress: ["10.77.1.40"],
          issServerKind: ["cache"],
          issCapacity: ["1000"],
          description: [" starts with a space, ends in ü"],
        },
      },
    });
    const again = await iss(["add", ...as(a), file("again.ldif", ldif)]);
    t.is(again.code, 68);
    t.regex(again.stderr, new RegExp(`^iss dir: add ${dn}: entryAlreadyExists \\(68\\): `));
    const wrongKind = await iss(["add", ...as(a), "-"], `dn: ${dn}\nchangetype: delete\n`);
    t.is(wrongKind.code, 1);
    t.regex(wrongKind.stderr, /line 1: 'iss dir add' takes entries and add records/);
  },
);

test.serial(
  "modify applies add/replace/delete; delete removes entries; both report noSuchObject (32)",
  async (t) => {
    const dn = `cn=se-http2,ou=engines,${suffix}`;
    const changes = [
      `dn: ${dn}`,
      "changetype: modify",
      "replace: issHealth",
      "issHealth: ok",
      "-",
      "add: description",
      "description: moved to rack C",
      "-",
      "delete: issLastSeen",
      "-",
      "",
    ].join("\n");
    const r = await iss(["modify", ...as(a), file("modify.ldif", changes)]);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, `modified ${dn}\n`);
    const now = await ldapsearch(a, [
      "-b",
      dn,
      "-s",
      "base",
      "(objectClass=*)",
      "issHealth",
      "description",
      "issLastSeen",
    ]);
    t.is(now, `dn: ${dn}\nissHealth: ok\ndescription: moved to rack C\n\n`);

    const missing = await iss(["modify", ...as(a), "-"], changes.replace("se-http2", "se-gone"));
    t.is(missing.code, 32);
    t.regex(
      missing.stderr,
      /^iss dir: modify cn=se-gone,ou=engines,dc=lan1,dc=iss,dc=example: noSuchObject \(32\)/,
    );

    const victims = [
      `issContentId=http://news.partner.example/,ou=content,${suffix}`,
      `cn=se-café,ou=engines,${suffix}`,
    ];
    const del = await iss(["delete", ...as(a), ...victims]);
    t.is(del.code, 0, del.stderr);
    for (const v of victims) t.is((await a.ldapAsRoot("ldapsearch", ["-b", v, "-s", "base"])).code, 32, v);
    const again = await iss(["delete", ...as(a), victims[0] ?? ""]);
    t.is(again.code, 32);
    t.regex(
      again.stderr,
      /^iss dir: delete issContentId=http:\/\/news\.partner\.example\/,ou=content,.*: noSuchObject \(32\)/,
    );
  },
);

test.serial("a wrong password is invalidCredentials (49); a refused connection exits 1", async (t) => {
  const bad = file("wrong-password", "not-the-password\n");
  const r = await iss(["search", "--uri", a.uri, "--bind-dn", rootDn, "--password-file", bad, "-b", suffix]);
  t.is(r.code, 49);
  t.is(r.stderr, `iss dir: bind ${rootDn}: invalidCredentials (49): Invalid Credentials\n`);
  const port = await freePort();
  const refused = await iss(["search", "--uri", `ldap://127.0.0.1:${port}`, "-b", suffix]);
  t.is(refused.code, 1);
  t.regex(
    refused.stderr,
    new RegExp(`^iss dir: cannot connect to ldap://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
  );
});

test.serial("import reports the first failures with their LDIF line numbers", async (t) => {
  const r = await iss(["import", ...as(a), exampleLdif]);
  t.is(r.code, 68);
  // All but the content location deleted above.
  t.regex(r.stdout, /^imported 1 of 32 entries .*, 31 failed\n$/);
  const lines = r.stderr.trimEnd().split("\n");
  t.is(lines.length, 6);
  t.is(
    lines[0],
    "iss dir: line 5: add dc=lan1,dc=iss,dc=example: entryAlreadyExists (68): Entry Already Exists",
  );
  t.regex(lines[1] ?? "", /^iss dir: line 11: add ou=switches,/);
  t.is(lines[5], "iss dir: ... and 26 more failures");
});

test.serial("export (parents first) imported into a second slapd gives identical searches", async (t) => {
  const out = join(work, "export.ldif");
  const r = await iss(["export", ...as(a), "-o", out]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /^exported 32 entries to /);
  const exported = parseLdif(readFileSync(out, "utf8"));
  const seen = new Set<string>();
  for (const rec of exported) {
    const dn = rec.kind === "entry" ? rec.entry.dn : "";
    if (dn !== suffix) t.true(seen.has(dn.slice(dn.indexOf(",") + 1)), `parent of ${dn} comes first`);
    seen.add(dn);
  }
  const imported = await iss(["import", ...as(b), out]);
  t.is(imported.code, 0, imported.stderr);
  // Entry order is the server's (insertion order); the entries themselves must be identical.
  const byDn = (text: string): unknown[] =>
    parseLdif(text)
      .map((r) => (r.kind === "entry" ? r.entry : undefined))
      .sort((x, y) => ((x?.dn ?? "") < (y?.dn ?? "") ? -1 : 1));
  for (const filter of [
    "(objectClass=*)",
    "(issServerKind=cache)",
    "(&(objectClass=issContentLocation)(issContentSize>=1000000000))",
  ]) {
    const args = ["-b", suffix, filter];
    const inB = byDn(await ldapsearch(b, args));
    t.true(inB.length > 0, filter);
    t.deepEqual(inB, byDn(await ldapsearch(a, args)), filter);
  }
  const again = await iss(["export", ...as(b)]);
  t.is(again.code, 0, again.stderr);
  t.deepEqual(byDn(again.stdout), byDn(readFileSync(out, "utf8")));
});

test.serial("LDAPS with --ca-file; without it the self-signed certificate is refused", async (t) => {
  const args = ["-b", suffix, "(issServerKind=cache)"];
  const r = await iss([
    "search",
    "--uri",
    a.ldapsUri ?? "",
    "--ca-file",
    a.caFile ?? "",
    "--bind-dn",
    rootDn,
    "--password-file",
    a.passwordFile,
    ...args,
  ]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, await ldapsearch(a, args));
  const untrusted = await iss(["search", "--uri", a.ldapsUri ?? "", ...args]);
  t.is(untrusted.code, 1);
  t.regex(
    untrusted.stderr,
    /^iss dir: cannot connect to ldaps:\/\/127\.0\.0\.1:\d+: self-signed certificate/,
  );
});

function config(tls: boolean): string {
  const port = (uri: string | undefined): number => Number(/:(\d+)$/.exec(uri ?? "")?.[1]);
  return file(
    `iss-${tls ? "tls" : "plain"}.yaml`,
    [
      "node: { name: sm1, id: 1, role: sm }",
      "network: { interface: lo, address: 127.0.0.1 }",
      `rmtp: { group: 239.192.77.1, keys: [{ id: 1, secret: "${"ab".repeat(32)}" }], sendKeyId: 1 }`,
      "directory:",
      `  suffix: ${suffix}`,
      `  port: ${port(a.uri)}`,
      ...(tls ? [`  tls: { port: ${port(a.ldapsUri)}, certFile: ${a.caFile}, keyFile: ${a.caFile} }`] : []),
      `  users: [{ dn: "${rootDn}", passwordFile: ${a.passwordFile}, access: write }]`,
      "",
    ].join("\n"),
  );
}

test.serial(
  "-c iss.yaml: the unit's address and port (ldaps with its certificate), a write user, the suffix as base",
  async (t) => {
    for (const tls of [false, true]) {
      const c = config(tls);
      const r = await iss(["search", "-c", c, "(cn=se-stream1)", "issAddress"]);
      t.is(r.code, 0, r.stderr);
      t.is(r.stdout, `dn: cn=se-stream1,ou=engines,${suffix}\nissAddress: 10.77.1.31\n\n`);
      const dn = `cn=se-${tls ? "tls" : "plain"},ou=engines,${suffix}`;
      const add = await iss(
        ["add", "-c", c],
        `dn: ${dn}\nobjectClass: issServiceEngine\ncn: se-${tls ? "tls" : "plain"}\nissAddress: 10.77.1.50\nissServerKind: http\n`,
      );
      t.is(add.code, 0, add.stderr);
      t.is((await a.ldapAsRoot("ldapsearch", ["-b", dn, "-s", "base", "1.1"])).code, 0);
    }
    const rootDse = await iss(["search", "--uri", a.uri, "(cn=se-stream1)", "issAddress"]);
    t.is(
      rootDse.stdout,
      `dn: cn=se-stream1,ou=engines,${suffix}\nissAddress: 10.77.1.31\n\n`,
      "without -b or -c the base is the server's naming context",
    );
  },
);

test.serial("a referral is printed (10), or followed once with --follow-referrals", async (t) => {
  const referring = ldapjs.createServer();
  const referTo = `${b.uri}/${suffix}`;
  referring.bind("", (_req: unknown, res: { end(): void }) => res.end());
  referring.add("", (_req: unknown, res: { addReferral(url: string): void; end(status: number): void }) => {
    res.addReferral(referTo);
    res.end(10);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => referring.listen(port, "127.0.0.1", () => resolve()));
  t.teardown(() => referring.close(() => undefined));
  const dn = `cn=se-referred,ou=engines,${suffix}`;
  const ldif = `dn: ${dn}\nobjectClass: issServiceEngine\ncn: se-referred\nissAddress: 10.77.1.60\nissServerKind: http\n`;
  const args = ["--uri", `ldap://127.0.0.1:${port}`, "--bind-dn", rootDn, "--password-file", b.passwordFile];
  const printed = await iss(["add", ...args, "-"], ldif);
  t.is(printed.code, 10);
  t.regex(
    printed.stderr,
    new RegExp(`^iss dir: add ${dn}: referral \\(10\\): .*\niss dir: referral: ${referTo}\n$`),
  );
  t.is(
    (await b.ldapAsRoot("ldapsearch", ["-b", dn, "-s", "base", "1.1"])).code,
    32,
    "not added by the referral",
  );
  const followed = await iss(["add", ...args, "--follow-referrals", "-"], ldif);
  t.is(followed.code, 0, followed.stderr);
  t.is(
    (await b.ldapAsRoot("ldapsearch", ["-b", dn, "-s", "base", "1.1"])).code,
    0,
    "added on the referred server",
  );
});

test.serial(
  "dir status prints the daemon's dir.status answer: role, suffix, CSNs, the SM's replica table",
  async (t) => {
    const socket = join(work, "iss.sock");
    let answer: DirStatus = {
      role: "sm",
      suffix,
      entries: 31,
      lastCsn: 1207,
      oldestCsn: 180,
      head: 1207,
      replicas: [
        { node: 3, name: "b3", have: 1207, lag: 0, entries: 31, ageMs: 240 },
        { node: 12, name: "board-12", have: 1150, lag: 57, entries: 30, ageMs: 12_500 },
      ],
    };
    const server = new ControlServer(socket, { "dir.status": () => answer });
    await server.listen();
    t.teardown(() => server.close());
    const r = await iss(["status", "--socket", socket]);
    t.is(r.code, 0, r.stderr);
    t.is(
      r.stdout,
      [
        `sm, suffix ${suffix}: 31 entries, last CSN 1207`,
        "  change log: CSN 180 to 1207",
        "  replica   id  have CSN  lag  entries  last report",
        "  b3         3      1207    0       31    0.2 s ago",
        "  board-12  12      1150   57       30   12.5 s ago",
        "",
      ].join("\n"),
    );
    const json = await iss(["status", "--socket", socket, "--json"]);
    t.deepEqual(JSON.parse(json.stdout), answer);
    answer = { ...answer, role: "se", replicas: [] };
    t.is(
      (await iss(["status", "--socket", socket])).stdout,
      `se, suffix ${suffix}: 31 entries, last CSN 1207\n  change log: CSN 180 to 1207\n`,
    );
    const none = await iss(["status", "--socket", join(work, "nobody.sock")]);
    t.is(none.code, 1);
    t.regex(none.stderr, /no daemon answers on .*nobody\.sock/);
  },
);

test.serial("usage errors exit 2", async (t) => {
  for (const args of [
    ["frobnicate"],
    ["search", "--uri", a.uri, "-b", suffix, "-s", "deep"],
    ["search", "--bogus"],
    ["get", "--uri", a.uri],
  ]) {
    const r = await iss(args);
    t.is(r.code, 2, args.join(" "));
    t.regex(r.stderr, /usage: iss dir/);
  }
});
