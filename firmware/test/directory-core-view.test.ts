// The overlay view (core/view.ts): staged writes shadow the store until settled (counted per key, so a
// later write to the same key outlives the settle of an earlier one), and range, lookup, count and
// hasChildren merge overlay and store: deletes hide stored entries, overlay-only keys appear; a range is
// the view at its first step, however long it is held open.
import test from "ava";
import { indexTerm } from "../src/directory/core/index-terms.js";
import type { EntryWrite } from "../src/directory/store/store.js";
import type { Entry } from "../src/directory/model/types.js";
import {
  commitOps,
  contentDn,
  contentOp,
  ctx,
  engineDn,
  engineOps,
  keyOf,
  memoryStore,
  newView,
  suffix,
  treeOps,
} from "./helpers/directory-sim-fixture.js";

const content = (id: string, server = "se-http1", state = "active"): Entry =>
  ctx.schema.checkEntry({
    dn: contentDn(id),
    attributes: {
      objectClass: ["issContentLocation"],
      issContentId: [id],
      issContentServer: [engineDn(server)],
      issServerKind: ["http"],
      issContentState: [state],
    },
  });

const put = (id: string, entry: Entry = content(id)): EntryWrite => ({ key: keyOf(contentDn(id)), entry });
const del = (id: string): EntryWrite => ({ key: keyOf(contentDn(id)), entry: undefined });

const serverTerm = (server: string) =>
  indexTerm("issContentServer", ctx.schema.normalizeValue("issContentServer", engineDn(server)));

/** A store with the tree, the engines and content a, b, c on se-http1. */
async function setup() {
  const store = memoryStore();
  await commitOps(store, [
    ...treeOps(),
    ...engineOps(),
    ...["a", "b", "c"].map((id) => contentOp(id, ["se-http1"])),
  ]);
  return { store, view: newView(store) };
}

const ids = (items: Iterable<{ entry: Entry }>) =>
  [...items].map((x) => x.entry.attributes.issContentId?.[0]);
const contentKey = keyOf(`ou=content,${suffix}`);

test("stage shadows the store; settle counts writes per key", async (t) => {
  const { store, view } = await setup();
  const v1 = put("a", content("a", "se-http2"));
  const v2 = put("a", content("a", "se-cache1"));
  view.stage([v1]);
  view.stage([v2]);
  t.is(view.get(v1.key)?.attributes.issContentServer?.[0], engineDn("se-cache1"), "the latest staged write");
  t.is(view.pendingCount, 1);

  await store.commit([], [v1]);
  view.settle([v1]);
  t.is(view.pendingCount, 1, "a later write to the key is still staged");
  t.is(view.get(v1.key)?.attributes.issContentServer?.[0], engineDn("se-cache1"));

  await store.commit([], [v2]);
  view.settle([v2]);
  t.is(view.pendingCount, 0);
  t.deepEqual(view.get(v1.key), store.get(v1.key));
  view.settle([v2]);
  t.is(view.pendingCount, 0, "settling a key that is not staged does nothing");
});

test("a staged delete hides the stored entry; clear drops every staged write", async (t) => {
  const { view } = await setup();
  const hidden = del("b");
  view.stage([hidden, put("z")]);
  t.is(view.get(hidden.key), undefined);
  t.truthy(view.get(put("z").key));
  view.clear();
  t.is(view.pendingCount, 0);
  t.truthy(view.get(hidden.key), "the store is the truth again");
  t.is(view.get(put("z").key), undefined);
});

test("range merges: deletes hidden, modified entries replaced, overlay-only keys added, prefix respected", async (t) => {
  const { store, view } = await setup();
  view.stage([del("b"), put("c", content("c", "se-http2", "stale")), put("d")]);
  view.stage([{ key: keyOf(engineDn("se-new")), entry: { dn: engineDn("se-new"), attributes: {} } }]);
  const items = [...view.range(contentKey)];
  t.deepEqual(ids(items.filter((x) => x.key !== contentKey)), ["a", "c", "d"]);
  t.is(items.find((x) => x.key === put("c").key)?.entry.attributes.issContentState?.[0], "stale");
  t.true(
    items.every((x) => x.key.startsWith(contentKey)),
    "an overlay-only key outside the prefix stays out",
  );
  t.is(ids(store.range(contentKey)).filter(Boolean).length, 3, "the store itself is unchanged");
  t.is(
    [...view.range(keyOf(suffix))].length,
    store.count() - 1 + 2,
    "whole tree: one stored entry hidden, two added",
  );
});

test("range gives the view at its first step even when the staged writes commit before it ends", async (t) => {
  const { store, view } = await setup();
  const writes = [put("d"), put("e"), del("b")];
  view.stage(writes);
  const range = view.range(contentKey);
  const first = range.next();
  await store.commit([], writes);
  view.settle(writes);
  const rest = [...range];
  t.false(first.done);
  const seen = ids([...(first.done ? [] : [first.value]), ...rest]).filter(Boolean);
  t.deepEqual(seen.sort(), ["a", "c", "d", "e"]);
});

test("lookup merges the index with staged entries", async (t) => {
  const { view } = await setup();
  const keysOf = (id: string) => put(id).key;
  t.deepEqual(view.lookup(serverTerm("se-http1")).sort(), ["a", "b", "c"].map(keysOf).sort());
  view.stage([put("a", content("a", "se-http2")), del("b"), put("d"), put("e", content("e", "se-http2"))]);
  t.deepEqual(view.lookup(serverTerm("se-http1")).sort(), ["c", "d"].map(keysOf).sort());
  t.deepEqual(view.lookup(serverTerm("se-http2")).sort(), ["a", "e"].map(keysOf).sort());
  t.deepEqual(view.lookup(serverTerm("se-stream1")), []);
});

test("count: adds of new keys count, deletes of stored keys subtract, the rest does not change it", async (t) => {
  const { store, view } = await setup();
  const n = store.count();
  view.stage([put("d"), del("b"), put("c", content("c", "se-http2"))]);
  t.is(view.count(), n);
  view.stage([put("e")]);
  t.is(view.count(), n + 1);
  view.stage([del("e")]);
  t.is(view.count(), n, "an overlay-only key added then deleted");
  view.stage([del("a")]);
  t.is(view.count(), n - 1);
});

test("hasChildren sees staged children and staged deletes", async (t) => {
  const { view } = await setup();
  const engines = keyOf(`ou=engines,${suffix}`);
  const switches = keyOf(`ou=switches,${suffix}`);
  t.true(view.hasChildren(contentKey));
  t.false(view.hasChildren(switches));
  t.false(view.hasChildren(put("a").key), "a leaf");
  view.stage(["a", "b", "c"].map((id) => del(id)));
  t.false(view.hasChildren(contentKey), "every stored child deleted");
  const sm = keyOf(`cn=sm,ou=switches,${suffix}`);
  view.stage([{ key: sm, entry: { dn: `cn=sm,ou=switches,${suffix}`, attributes: {} } }]);
  t.true(view.hasChildren(switches), "a child only the overlay has");
  t.true(view.hasChildren(engines));
});
