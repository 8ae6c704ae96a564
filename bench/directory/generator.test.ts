// The load generator against Debian's slapd (the baseline it drives in the benchmark): its bind, add, modify
// and search PDUs are accepted, its response reader parses slapd's answers (long-form lengths included),
// result codes and entry counts come back as slapd gives them, and PDUs split over TCP segments are framed.
import test from "ava";
import { readFileSync } from "node:fs";
import { encodeOp } from "../../firmware/src/directory/codec/ldap-ops.js";
import { rootDn, startSlapd, suffix } from "../../firmware/test/helpers/slapd.js";
import { drive, expect } from "./drive.js";
import { LdapConnection } from "./ldap-connection.js";
import { encodeSearch, pduLength, readResponse } from "./ldap-wire.js";
import { engineCount, engineEntries, loadOp, searchSpec, treeEntries, writeOp } from "./workload.js";

test("the generator's requests get slapd's results, and searches return the entries ldapsearch sees", async (t) => {
  const slapd = await startSlapd();
  t.teardown(() => slapd.stop());
  const [host = "", port = ""] = slapd.uri.slice("ldap://".length).split(":");
  const password = readFileSync(slapd.passwordFile, "utf8").trim();
  const conns = new Map<number, LdapConnection>();
  for (const c of [0, 1, 2]) {
    const conn = await LdapConnection.open(host, Number(port));
    await conn.bind(rootDn, password);
    conns.set(c, conn);
  }
  t.teardown(() => conns.forEach((c) => c.close()));
  const one = new Map([[0, conns.get(0)!]]);

  const fixed = [...treeEntries(suffix), ...engineEntries(suffix)];
  const setup = await drive(one, {
    job: (_, k) => {
      const e = fixed[k];
      return e ? { encode: (id) => encodeOp(id, { type: "add", ...e }), check: expect(null) } : null;
    },
    deadline: null,
    keepLatencies: false,
  });
  t.is(setup.ops, fixed.length, String(setup.firstError));

  let next = 0;
  const loaded = await drive(conns, {
    job: () =>
      next < 60 ? { encode: (id) => encodeOp(id, loadOp(suffix, next++)), check: expect(null) } : null,
    deadline: null,
    keepLatencies: false,
  });
  t.deepEqual([loaded.ops, loaded.errors], [60, 0]);

  const written = await drive(conns, {
    job: (c, k) =>
      k < 4 ? { encode: (id) => encodeOp(id, writeOp(suffix, "t", c, k)), check: expect(null) } : null,
    deadline: null,
    keepLatencies: true,
  });
  t.deepEqual([written.ops, written.errors, written.latencies.length], [12, 0, 12]);

  const modified = await slapd.ldapAsRoot("ldapsearch", [
    "-LLL",
    "-b",
    suffix,
    "(issContentState=stale)",
    "1.1",
  ]);
  t.is(modified.stdout.match(/^dn:/gm)?.length, 6, "each client's odd writes modified the entry it added");

  for (const [kind, i, entries] of [
    ["equality", 42, 1],
    ["onelevel", 0, engineCount],
  ] as const) {
    const spec = searchSpec(suffix, kind, i);
    const r = await conns.get(1)!.request((id) => encodeSearch(id, spec));
    t.deepEqual([r.resultCode, r.entries], [0, entries], kind);
  }
  const missing = await conns
    .get(2)!
    .request((id) => encodeSearch(id, searchSpec(suffix, "equality", 10_000)));
  t.deepEqual([missing.resultCode, missing.entries], [0, 0]);

  const duplicate = await conns.get(2)!.request((id) => encodeOp(id, loadOp(suffix, 7)));
  t.is(duplicate.resultCode, 68, "entryAlreadyExists");
  const wrong = await conns.get(2)!.request((id) =>
    encodeOp(id, {
      type: "add",
      dn: `cn=x,ou=engines,${suffix}`,
      attributes: { objectClass: ["issServiceEngine"], cn: ["x"] },
    }),
  );
  t.is(wrong.resultCode, 65, "objectClassViolation");
  t.regex(expect(null)(wrong) ?? "", /^result code 65: /);
});

test("responses are framed across chunk boundaries and long-form lengths are read", (t) => {
  // SearchResultDone, messageID 5, success, with 4-byte lengths (valid BER, not the minimal form).
  const done = Buffer.from("308400000010020105658400000007" + "0a01000400" + "0400", "hex");
  t.is(pduLength(done.subarray(0, 5), 0), 0);
  t.is(pduLength(done, 0), done.length);
  t.deepEqual(readResponse(done), { messageId: 5, op: 0x65, resultCode: 0, diagnostic: "" });
  const twice = Buffer.concat([done, done.subarray(0, 9)]);
  t.is(pduLength(twice, 0), done.length);
  t.is(pduLength(twice, done.length), 0);
});
