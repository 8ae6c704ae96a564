// apply-op (core/apply-op.ts): the entry writes of add, delete and modify against a view, and the result
// codes of what it refuses: 68 for an existing DN, 32 with the deepest existing ancestor as matchedDN,
// 66 for a delete of a non-leaf, 53 outside the suffix, and the schema's codes passed through.
import test from "ava";
import { applyOp, matchedDn } from "../src/directory/core/apply-op.js";
import { LdapError, ResultCode, type ResultCodeValue } from "../src/directory/model/types.js";
import {
  commitOps,
  contentDn,
  contentOp,
  ctx,
  engineOps,
  keyOf,
  memoryStore,
  newView,
  suffix,
  treeOps,
} from "./helpers/directory-sim-fixture.js";

async function lan() {
  const store = memoryStore();
  await commitOps(store, [...treeOps(), ...engineOps(), contentOp("a", ["se-http1"])]);
  return newView(store);
}

function refused(
  t: import("ava").ExecutionContext,
  thrower: () => unknown,
  code: ResultCodeValue,
  matched = "",
): void {
  const err = t.throws(thrower, { instanceOf: LdapError });
  t.is(err?.code, code, err?.message);
  t.is(err?.matchedDn, matched);
}

test("add returns the checked entry at its tree key; delete and modify write the key", async (t) => {
  const view = await lan();
  const [add] = applyOp(ctx, view, contentOp("b", ["se-http2"]));
  t.is(add?.key, keyOf(contentDn("b")));
  t.deepEqual(add?.entry?.attributes.issContentId, ["b"]);
  t.deepEqual(applyOp(ctx, view, { type: "delete", dn: contentDn("a") }), [
    { key: keyOf(contentDn("a")), entry: undefined },
  ]);
  const [mod] = applyOp(ctx, view, {
    type: "modify",
    dn: contentDn("a"),
    modifications: [{ operation: "replace", attribute: "issContentState", values: ["stale"] }],
  });
  t.deepEqual(mod?.entry?.attributes.issContentState, ["stale"]);
  t.deepEqual(
    view.get(keyOf(contentDn("a")))?.attributes.issContentState,
    ["active"],
    "the view is untouched",
  );
});

test("68: add of an existing DN, also spelled differently", async (t) => {
  const view = await lan();
  refused(t, () => applyOp(ctx, view, contentOp("a", ["se-http1"])), ResultCode.entryAlreadyExists);
  const respelled = {
    ...contentOp("a", ["se-http1"]),
    dn: `ISSCONTENTID=a, OU=Content, ${suffix.toUpperCase()}`,
  };
  refused(t, () => applyOp(ctx, view, respelled), ResultCode.entryAlreadyExists);
});

test("32 with the deepest existing ancestor as matchedDN", async (t) => {
  const view = await lan();
  const deep = `cn=x,cn=y,ou=missing,ou=content,${suffix}`;
  refused(
    t,
    () => applyOp(ctx, view, { type: "add", dn: deep, attributes: { objectClass: ["device"], cn: ["x"] } }),
    ResultCode.noSuchObject,
    `ou=content,${suffix}`,
  );
  refused(
    t,
    () => applyOp(ctx, view, { type: "delete", dn: contentDn("zz") }),
    ResultCode.noSuchObject,
    `ou=content,${suffix}`,
  );
  refused(
    t,
    () => applyOp(ctx, view, { type: "modify", dn: `cn=q,ou=engines,${suffix}`, modifications: [] }),
    ResultCode.noSuchObject,
    `ou=engines,${suffix}`,
  );
  t.is(matchedDn(ctx, view, ctx.schema.dn(deep)), `ou=content,${suffix}`);
});

test("32 with an empty matchedDN when not even the suffix exists; the suffix entry itself can be added", (t) => {
  const view = newView();
  const container = treeOps()[1]!;
  refused(t, () => applyOp(ctx, view, container), ResultCode.noSuchObject, "");
  const [root] = applyOp(ctx, view, treeOps()[0]!);
  t.is(root?.key, ctx.suffix.key);
});

test("66: delete of an entry with children; a staged delete of the last child makes it a leaf", async (t) => {
  const view = await lan();
  const content = `ou=content,${suffix}`;
  refused(t, () => applyOp(ctx, view, { type: "delete", dn: content }), ResultCode.notAllowedOnNonLeaf);
  view.stage(applyOp(ctx, view, { type: "delete", dn: contentDn("a") }));
  t.deepEqual(applyOp(ctx, view, { type: "delete", dn: content }), [
    { key: keyOf(content), entry: undefined },
  ]);
});

test("53 for targets outside the suffix (above it, beside it, a longer last RDN)", async (t) => {
  const view = await lan();
  for (const dn of [
    "dc=iss,dc=example",
    "dc=lan2,dc=iss,dc=example",
    "dc=lan10,dc=iss,dc=example",
    "cn=x,dc=other",
  ]) {
    refused(t, () => applyOp(ctx, view, { type: "delete", dn }), ResultCode.unwillingToPerform);
  }
});

test("the schema's result codes pass through (65 for a missing MUST attribute, 34 for a bad DN)", async (t) => {
  const view = await lan();
  const op = contentOp("b", ["se-http1"]);
  if (op.type !== "add") throw new Error("contentOp is an add");
  const attributes = { ...op.attributes };
  delete attributes.issServerKind;
  refused(t, () => applyOp(ctx, view, { ...op, attributes }), ResultCode.objectClassViolation);
  refused(t, () => applyOp(ctx, view, { type: "delete", dn: "not a dn" }), ResultCode.invalidDnSyntax);
});
