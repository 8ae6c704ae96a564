// Search (core/search.ts): scopes base/one/sub, a missing base, the index path and the scan path agreeing
// with each other and with a brute-force reference on generated trees with staged writes (seeded property
// test), the time limit, and the attribute projection ("*", "1.1", names and OIDs, unknown names, typesOnly).
import test from "ava";
import { applyOp } from "../src/directory/core/apply-op.js";
import { projection, search, type SearchSpec } from "../src/directory/core/search.js";
import type { OverlayView } from "../src/directory/core/view.js";
import { LdapError, ResultCode, type Entry, type Filter, type Scope } from "../src/directory/model/types.js";
import { mulberry32 } from "../src/rmtp/io/sim-network.js";
import {
  commitOps,
  ContentWorkload,
  contentDn,
  contentOp,
  ctx,
  engineDn,
  engineOps,
  engines,
  keyOf,
  memoryStore,
  newView,
  suffix,
  treeOps,
} from "./helpers/directory-sim-fixture.js";

const run = (view: OverlayView, base: string, scope: Scope, filter: Filter, now = () => 0, deadline = 1) =>
  [...search(ctx, view, { base, scope, filter, deadline } satisfies SearchSpec, now)]
    .filter((e) => e !== null)
    .map((e) => e.dn);

const any: Filter = { type: "present", attribute: "objectClass" };

async function lan(contentCount: number) {
  const store = memoryStore();
  const ids = Array.from({ length: contentCount }, (_, i) => `c${i}`);
  await commitOps(store, [...treeOps(), ...engineOps(), ...ids.map((id) => contentOp(id, ["se-http1"]))]);
  return newView(store);
}

test("scopes: base is the entry, one its children, sub the entry and everything below", async (t) => {
  const view = await lan(3);
  const content = `ou=content,${suffix}`;
  t.deepEqual(run(view, content, "base", any), [content]);
  t.deepEqual(run(view, content, "one", any).sort(), ["c0", "c1", "c2"].map(contentDn).sort());
  t.deepEqual(run(view, content, "sub", any).sort(), [content, ...["c0", "c1", "c2"].map(contentDn)].sort());
  t.deepEqual(
    run(view, suffix, "one", any).sort(),
    ["content", "engines", "switches"].map((o) => `ou=${o},${suffix}`).sort(),
  );
  t.deepEqual(run(view, contentDn("c1"), "one", any), [], "a leaf has no children");
  t.deepEqual(run(view, content, "base", { type: "equal", attribute: "ou", value: "engines" }), []);
});

test("a missing base is noSuchObject with the deepest existing ancestor", async (t) => {
  const view = await lan(1);
  const err = t.throws(() => run(view, `cn=x,ou=nothing,${suffix}`, "sub", any), { instanceOf: LdapError });
  t.is(err?.code, ResultCode.noSuchObject);
  t.is(err?.matchedDn, suffix);
});

/** Random filters over the generated content: indexed equalities (some respelled, some not valid for the
 *  syntax), combined with unindexed terms, or/not, presence. */
function randomFilter(random: () => number, ids: number): Filter {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const engine = pick(engines);
  const leaves: (() => Filter)[] = [
    () => ({ type: "equal", attribute: "issContentServer", value: engineDn(engine) }),
    () => ({
      type: "equal",
      attribute: "issContentServer",
      value: engineDn(engine).toUpperCase().replace(/,/g, ", "),
    }),
    () => ({ type: "equal", attribute: "issContentServer", value: "not a dn" }),
    () => ({
      type: "equal",
      attribute: "issContentId",
      value: `http://www.lan1.example/c${Math.floor(random() * ids)}/`,
    }),
    () => ({ type: "equal", attribute: "2.5.4.3", value: engine.toUpperCase() }),
    () => ({ type: "equal", attribute: "issContentState", value: pick(["active", "stale", "withdrawn"]) }),
    () => ({ type: "equal", attribute: "issServerKind", value: pick(["HTTP", "cache", "stream"]) }),
    () => ({ type: "present", attribute: "issContentSize" }),
  ];
  const leaf = (): Filter => pick(leaves)();
  const roll = random();
  if (roll < 0.35) return leaf();
  if (roll < 0.75) return { type: "and", filters: [leaf(), leaf()] };
  if (roll < 0.9) return { type: "or", filters: [leaf(), leaf()] };
  return { type: "and", filters: [leaf(), { type: "not", filter: leaf() }] };
}

/** What a search must return, computed without the index: every entry in scope that matches. */
function reference(view: OverlayView, base: string, scope: Scope, filter: Filter): string[] {
  const baseKey = keyOf(base);
  const depth = (key: string) => key.split("\u0001").length;
  const inScope = (key: string) =>
    key.startsWith(baseKey) &&
    (scope === "sub" || depth(key) - depth(baseKey) === (scope === "base" ? 0 : 1));
  return [...view.range("")]
    .filter(({ key, entry }) => inScope(key) && ctx.schema.matches(filter, entry))
    .map(({ entry }) => entry.dn)
    .sort();
}

test("property: index path, scan path and a brute-force reference agree, with writes staged", async (t) => {
  let searches = 0;
  let nonEmpty = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const random = mulberry32(seed);
    const workload = new ContentWorkload(random);
    const store = memoryStore();
    const ops = Array.from({ length: 150 }, () => workload.op());
    await commitOps(store, [...treeOps(), ...engineOps(), ...ops]);
    const view = newView(store);
    for (let i = 0; i < 30; i++) view.stage(applyOp(ctx, view, workload.op()));
    const bases = [
      suffix,
      suffix,
      `ou=content,${suffix}`,
      `ou=content,${suffix}`,
      `ou=engines,${suffix}`,
      engineDn("se-http2"),
    ];
    for (let i = 0; i < 40; i++) {
      const filter = randomFilter(random, 180);
      const base = bases[Math.floor(random() * bases.length)]!;
      const scope = (["base", "one", "sub", "sub"] as const)[Math.floor(random() * 4)]!;
      const expected = reference(view, base, scope, filter);
      const indexed = run(view, base, scope, filter).sort();
      const scanned = run(view, base, scope, { type: "or", filters: [filter] }).sort();
      t.deepEqual(indexed, expected, `seed ${seed}: ${JSON.stringify({ base, scope, filter })}`);
      t.deepEqual(scanned, expected);
      searches++;
      if (expected.length > 0) nonEmpty++;
    }
  }
  t.true(nonEmpty > searches / 4, `${nonEmpty} of ${searches} searches found entries`);
});

test("time limit: a search past its deadline fails with timeLimitExceeded on both paths", async (t) => {
  const view = await lan(600);
  let clock = 0;
  const now = () => clock;
  const deadline = 100;
  t.is(run(view, suffix, "sub", any, now, deadline).length, 600 + 4 + engines.length);
  clock = 101;
  const byIndex: Filter = { type: "equal", attribute: "issContentServer", value: engineDn("se-http1") };
  for (const filter of [any, byIndex]) {
    const err = t.throws(() => run(view, suffix, "sub", filter, now, deadline), { instanceOf: LdapError });
    t.is(err?.code, ResultCode.timeLimitExceeded);
  }
  t.deepEqual(run(view, suffix, "base", any, now, deadline), [suffix], "a base search reads one entry");
});

const sample: Entry = ctx.schema.checkEntry({
  dn: engineDn("se-http1"),
  attributes: {
    objectClass: ["issServiceEngine"],
    cn: ["se-http1"],
    issAddress: ["10.77.1.1"],
    issServerKind: ["http"],
    issHealth: ["ok"],
  },
});

test("projection: all for none or *, none for 1.1, names and OIDs in any case, unknown names ignored", (t) => {
  const all = sample.attributes;
  t.deepEqual(projection(ctx.schema, [], false)(sample), all);
  t.deepEqual(projection(ctx.schema, ["*"], false)(sample), all);
  t.deepEqual(projection(ctx.schema, ["*", "cn"], false)(sample), all);
  t.deepEqual(projection(ctx.schema, ["1.1"], false)(sample), {});
  t.deepEqual(projection(ctx.schema, ["CN", "issaddress"], false)(sample), {
    cn: ["se-http1"],
    issAddress: ["10.77.1.1"],
  });
  t.deepEqual(projection(ctx.schema, ["2.5.4.3"], false)(sample), { cn: ["se-http1"] });
  t.deepEqual(projection(ctx.schema, ["noSuchAttr", "issHealth"], false)(sample), { issHealth: ["ok"] });
  t.deepEqual(projection(ctx.schema, ["noSuchAttr"], false)(sample), {}, "only unknown names: no attributes");
  t.deepEqual(
    projection(ctx.schema, ["issContentId"], false)(sample),
    {},
    "a known attribute the entry lacks",
  );
  const types = projection(ctx.schema, ["cn", "objectClass"], true)(sample);
  t.deepEqual(types, { objectClass: [], cn: [] });
  t.deepEqual(sample.attributes.cn, ["se-http1"], "the entry is not changed");
});

test("a scan yields a pause point (null) every 256 entries visited, matching or not", async (t) => {
  const view = await lan(600);
  const none: Filter = { type: "not", filter: any };
  const out = [...search(ctx, view, { base: suffix, scope: "sub", filter: none, deadline: 1 }, () => 0)];
  t.true(out.length >= 2);
  t.true(out.every((e) => e === null));
});
