// SE announcements (fig 7's directory information sender) through real RMTP endpoints: the SM checks each
// operation against announce-policy.ts (content below ou=content, the SE's own switch entry) and the
// schema, commits what passes into the one order, answers the SE with the result code and the first CSN,
// and every replica receives the change like any other.
import test from "ava";
import { ResultCode, type ChangeOp } from "../src/directory/model/types.js";
import { ownEntryAdd } from "../src/directory/service/own-entry.js";
import { contentDn, contentOp, engineOp, keyOf, suffix } from "./helpers/directory-sim-fixture.js";
import { DirectorySim } from "./helpers/directory-sim.js";

async function started(): Promise<DirectorySim> {
  const sim = new DirectorySim({ seed: 3 });
  for (const id of [2, 3, 4, 5]) sim.addSe(id);
  await sim.admitted();
  await sim.sm.dir.bootstrap();
  return sim;
}

test("allowed announcements are committed and reach every replica; the answer carries the first CSN", async (t) => {
  const sim = await started();
  try {
    const se = sim.se(3);
    const before = sim.sm.store.lastCsn();
    const own = ownEntryAdd({ suffix, name: "b3", role: "se", address: "10.0.0.3" });
    const content = contentOp("http://video.lan1.example/news/", ["se-http1"], "stream");
    const result = await se.dir.announce([own, content]);
    t.deepEqual(result, { code: ResultCode.success, message: "", csn: before + 1 });
    t.is(sim.sm.store.lastCsn(), before + 2);
    const [ownChange, contentChange] = sim.sm.store.changesSince(before, 10) ?? [];
    t.deepEqual(ownChange?.origin, { node: 3, request: 1 }, "the origin is the announcing SE's request");
    t.deepEqual(contentChange?.op, content);
    await sim.converged();
    for (const replica of sim.ses.values()) {
      t.truthy(replica.store.get(keyOf(contentDn("http://video.lan1.example/news/"))), replica.name);
    }
    const modify: ChangeOp = {
      type: "modify",
      dn: contentDn("http://video.lan1.example/news/"),
      modifications: [{ operation: "replace", attribute: "issContentState", values: ["stale"] }],
    };
    t.is((await sim.se(4).dir.announce([modify])).code, ResultCode.success, "any SE may announce content");
    await sim.converged();
  } finally {
    await sim.close();
  }
});

test("refused announcements change nothing and answer with the reason's result code", async (t) => {
  const sim = await started();
  try {
    const se = sim.se(3);
    const before = sim.sm.store.lastCsn();
    const refusals: [string, ChangeOp, number][] = [
      ["an engine entry", engineOp("se-x", "http", "10.77.1.9"), ResultCode.insufficientAccessRights],
      [
        "another switch's entry",
        ownEntryAdd({ suffix, name: "b4", role: "se", address: "10.0.0.4" }),
        ResultCode.insufficientAccessRights,
      ],
      [
        "content two levels down",
        { ...contentOp("x", ["se-http1"]), dn: `cn=x,${contentDn("y")}` },
        ResultCode.insufficientAccessRights,
      ],
      [
        "a delete of content that is not there",
        { type: "delete", dn: contentDn("nothing") },
        ResultCode.noSuchObject,
      ],
      [
        "content without its required attributes",
        {
          type: "add",
          dn: contentDn("bare"),
          attributes: { objectClass: ["issContentLocation"], issContentId: ["bare"] },
        },
        ResultCode.objectClassViolation,
      ],
    ];
    for (const [what, op, code] of refusals) {
      const result = await se.dir.announce([op]);
      t.is(result.code, code, `${what}: ${result.message}`);
      t.is(result.csn, 0);
      t.true(result.message.length > 0);
    }
    t.is(sim.sm.store.lastCsn(), before, "nothing was committed");
    t.is(sim.sm.view.pendingCount, 0);

    const partial = await se.dir.announce([
      contentOp("ok", ["se-http1"]),
      { type: "delete", dn: contentDn("nothing") },
    ]);
    t.is(partial.code, ResultCode.noSuchObject);
    t.is(partial.csn, before + 1, "the operations before the refused one are committed");
    t.is(sim.sm.store.lastCsn(), before + 1);
    await sim.converged();
  } finally {
    await sim.close();
  }
});
