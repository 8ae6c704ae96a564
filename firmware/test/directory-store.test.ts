// The directory store's behaviour, one suite run against both implementations (lmdb in a temporary
// directory, and memory): commit/get/range/lookup, index upkeep on modify and delete, CSN sequence,
// order of concurrent commits, change log trimming and changesSince, full refresh, keys and terms beyond
// lmdb's key limit, snapshots and copies. Then what only the lmdb store has: reopening finds it all.
import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Change, Entry } from "../src/directory/model/types.js";
import { openLmdbStore } from "../src/directory/store/lmdb-store.js";
import { openMemoryStore } from "../src/directory/store/memory-store.js";
import { StoreError, type DirectoryStore, type StoreOptions } from "../src/directory/store/store.js";

const options: StoreOptions = {
  changeLogSize: 16,
  indexTerms: (entry) => [
    ...(entry.attributes.objectClass ?? []).map((v) => `objectclass\u0001${v.toLowerCase()}`),
    ...(entry.attributes.issContentId ?? []).map((v) => `isscontentid\u0001${v}`),
  ],
};

const implementations: Array<[string, (o: StoreOptions) => DirectoryStore]> = [
  ["memory", (o) => openMemoryStore(o)],
  ["lmdb", (o) => openLmdbStore(mkdtempSync(join(tmpdir(), "iss-store-")), o)],
];

function content(id: string, server = "se-http1"): Entry {
  return {
    dn: `issContentId=${id},ou=content,dc=lan1`,
    attributes: {
      objectClass: ["issContentLocation"],
      issContentId: [id],
      issContentServer: [`cn=${server},ou=engines,dc=lan1`],
    },
  };
}

function change(csn: number, dn = `cn=c${csn}`): Change {
  return {
    csn,
    time: 1_700_000_000_000 + csn,
    origin: { node: 2, request: csn },
    op: { type: "delete", dn },
  };
}

/** Code point order, computed independently of the store: byte order of the UTF-8. */
function utf8Sorted(keys: string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

for (const [name, openStore] of implementations) {
  const storeTest = (
    title: string,
    body: (t: import("ava").ExecutionContext, s: DirectoryStore) => Promise<void>,
  ) =>
    test(`${name}: ${title}`, async (t) => {
      const store = openStore(options);
      try {
        await body(t, store);
      } finally {
        await store.close();
      }
    });

  storeTest("an empty store", async (t, s) => {
    t.is(s.lastCsn(), 0);
    t.is(s.oldestCsn(), 1);
    t.is(s.count(), 0);
    t.is(s.get("a"), undefined);
    t.deepEqual([...s.range("")], []);
    t.deepEqual(s.lookup("objectclass\u0001x"), []);
    t.deepEqual(s.changesSince(0, 10), []);
    t.is(s.changesSince(1, 10), undefined, "a replica ahead of the store needs a full refresh");
    await Promise.resolve();
  });

  storeTest("commit, get, range in code point order, lookup, changesSince", async (t, s) => {
    const keys = [
      "lan1\u0001content\u0001b",
      "lan1\u0001content\u0001a",
      "lan1\u0001content",
      "lan1\u0001contents",
      "lan1\u0001content\u0001\u{1f600}",
      "lan1\u0001content\u0001\uff01",
      "lan1\u0001content\u0001é",
      "lan1\u0001engines\u0001x",
    ];
    await s.commit(
      [change(1), change(2)],
      keys.map((key, i) => ({ key, entry: content(`http://h/${i}`) })),
    );
    t.is(s.lastCsn(), 2);
    t.is(s.oldestCsn(), 1);
    t.is(s.count(), keys.length);
    t.deepEqual(s.get("lan1\u0001content\u0001a"), content("http://h/1"));
    const subtree = keys.filter((k) => k.startsWith("lan1\u0001content\u0001"));
    t.deepEqual(
      [...s.range("lan1\u0001content\u0001")].map((r) => r.key),
      utf8Sorted(subtree),
    );
    t.deepEqual(
      [...s.range("")].map((r) => r.key),
      utf8Sorted(keys),
    );
    t.deepEqual(
      [...s.range("lan1\u0001content\u0001b")],
      [{ key: keys[0] ?? "", entry: content("http://h/0") }],
    );
    t.deepEqual(s.lookup("isscontentid\u0001http://h/3"), ["lan1\u0001contents"]);
    t.deepEqual(s.lookup("objectclass\u0001isscontentlocation"), utf8Sorted(keys));
    t.deepEqual(s.changesSince(0, 10), [change(1), change(2)]);
    t.deepEqual(s.changesSince(1, 10), [change(2)]);
    t.deepEqual(s.changesSince(0, 1), [change(1)]);
    t.deepEqual(s.changesSince(2, 10), []);
  });

  storeTest("the index follows modify and delete, also of one key twice in a commit", async (t, s) => {
    const key = "lan1\u0001content\u0001x";
    await s.commit([change(1)], [{ key, entry: content("http://old/") }]);
    t.deepEqual(s.lookup("isscontentid\u0001http://old/"), [key]);
    await s.commit([change(2)], [{ key, entry: content("http://new/") }]);
    t.deepEqual(s.lookup("isscontentid\u0001http://old/"), []);
    t.deepEqual(s.lookup("isscontentid\u0001http://new/"), [key]);
    await s.commit(
      [change(3)],
      [
        { key, entry: content("http://mid/") },
        { key, entry: undefined },
        { key: `${key}2`, entry: content("http://new/") },
        { key: `${key}2`, entry: content("http://last/") },
      ],
    );
    t.is(s.get(key), undefined);
    t.is(s.count(), 1);
    for (const id of ["old", "mid", "new"]) t.deepEqual(s.lookup(`isscontentid\u0001http://${id}/`), []);
    t.deepEqual(s.lookup("isscontentid\u0001http://last/"), [`${key}2`]);
    t.deepEqual(s.lookup("objectclass\u0001isscontentlocation"), [`${key}2`]);
    await s.commit([change(4)], [{ key: "no\u0001such", entry: undefined }]);
    t.is(s.count(), 1);
  });

  storeTest("changes out of sequence are rejected and change nothing", async (t, s) => {
    await s.commit([change(1)], [{ key: "a", entry: content("a") }]);
    for (const bad of [[change(3)], [change(1)], [change(2), change(4)]]) {
      const error = await t.throwsAsync(s.commit(bad, [{ key: "b", entry: content("b") }]), {
        instanceOf: StoreError,
      });
      t.is(error?.failure, "sequence");
    }
    t.is(s.get("b"), undefined);
    t.is(s.lastCsn(), 1);
    await s.commit([], [{ key: "b", entry: content("b") }]);
    t.is(s.lastCsn(), 1, "a commit without changes keeps lastCsn");
    t.deepEqual(s.lookup("isscontentid\u0001b"), ["b"]);
    await t.throwsAsync(s.commit([change(2)], [{ key: "", entry: content("c") }]), { message: /empty key/ });
    t.is(s.lastCsn(), 1);
  });

  storeTest(
    "concurrent commits commit and resolve in call order; a failure stops the ones after it",
    async (t, s) => {
      const resolved: number[] = [];
      const rejected: number[] = [];
      const calls = [];
      for (let csn = 1; csn <= 40; csn++) {
        const changes = csn === 30 ? [change(31)] : [change(csn)];
        calls.push(
          s.commit(changes, [{ key: "k", entry: content(`v${csn}`) }]).then(
            () => resolved.push(csn),
            () => rejected.push(csn),
          ),
        );
      }
      await Promise.all(calls);
      t.deepEqual(
        resolved,
        Array.from({ length: 29 }, (_, i) => i + 1),
      );
      t.deepEqual(
        rejected.sort((a, b) => a - b),
        Array.from({ length: 11 }, (_, i) => i + 30),
      );
      t.is(s.lastCsn(), 29);
      t.deepEqual(s.get("k"), content("v29"));
      t.deepEqual(s.lookup("isscontentid\u0001v29"), ["k"]);
      t.deepEqual(s.lookup("isscontentid\u0001v28"), []);
      await s.commit([change(30)], []);
      t.is(s.lastCsn(), 30);
    },
  );

  storeTest(
    "the change log is trimmed to its size; changesSince says when it no longer reaches back",
    async (t, s) => {
      for (let csn = 1; csn <= 40; csn += 4) {
        await s.commit(
          [0, 1, 2, 3].map((i) => change(csn + i)),
          [],
        );
      }
      t.is(s.lastCsn(), 40);
      t.is(s.oldestCsn(), 25);
      t.is(s.changesSince(23, 100), undefined);
      t.deepEqual(
        s.changesSince(24, 5)?.map((c) => c.csn),
        [25, 26, 27, 28, 29],
      );
      t.is(s.changesSince(24, 100)?.length, 16);
      t.deepEqual(s.changesSince(40, 5), []);
      t.is(s.changesSince(41, 5), undefined);
    },
  );

  storeTest("replaceAll replaces entries and index, restarts the log after its csn", async (t, s) => {
    await s.commit(
      [change(1), change(2)],
      [
        { key: "a\u0001old", entry: content("http://old/") },
        { key: "a\u0001keep", entry: content("http://keep/") },
      ],
    );
    await s.replaceAll(
      [
        { key: "a\u0001keep", entry: content("http://kept/") },
        { key: "a\u0001new", entry: content("http://new/") },
      ],
      100,
    );
    t.is(s.lastCsn(), 100);
    t.is(s.oldestCsn(), 101);
    t.is(s.count(), 2);
    t.is(s.get("a\u0001old"), undefined);
    t.deepEqual(s.lookup("isscontentid\u0001http://old/"), []);
    t.deepEqual(s.lookup("isscontentid\u0001http://keep/"), []);
    t.deepEqual(s.lookup("isscontentid\u0001http://kept/"), ["a\u0001keep"]);
    t.deepEqual(s.lookup("objectclass\u0001isscontentlocation"), ["a\u0001keep", "a\u0001new"]);
    t.is(s.changesSince(99, 10), undefined);
    t.deepEqual(s.changesSince(100, 10), []);
    await t.throwsAsync(s.commit([change(3)], []), { instanceOf: StoreError });
    await s.commit([change(101)], [{ key: "a\u0001new", entry: undefined }]);
    t.deepEqual(s.changesSince(100, 10), [change(101)]);
    t.deepEqual(s.lookup("objectclass\u0001isscontentlocation"), ["a\u0001keep"]);
    await s.replaceAll([], 7);
    t.is(s.count(), 0);
    t.is(s.lastCsn(), 7);
    t.deepEqual([...s.range("")], []);
  });

  storeTest("keys and index terms beyond lmdb's 1978-byte key limit", async (t, s) => {
    const base = `lan1\u0001${"ü".repeat(1000)}`; // 2000+ UTF-8 bytes
    const keys = [
      `${base}b`,
      `${base}a`,
      `${base}`,
      `${base}a\u0001child`,
      `${base.slice(0, 990)}`,
      `${base.slice(0, 973)}z`,
      `${base}${"x".repeat(3000)}`,
    ];
    const longId = `http://long/${"p".repeat(5000)}`;
    await s.commit(
      [change(1)],
      keys.map((key, i) => ({ key, entry: content(i === 1 ? longId : `http://k/${i}`) })),
    );
    t.is(s.count(), keys.length);
    for (const [i, key] of keys.entries())
      t.is(s.get(key)?.attributes.issContentId?.[0], i === 1 ? longId : `http://k/${i}`);
    t.deepEqual(
      [...s.range("lan1\u0001")].map((r) => r.key),
      utf8Sorted(keys),
    );
    t.deepEqual(
      [...s.range(`${base}a`)].map((r) => r.key),
      [`${base}a`, `${base}a\u0001child`],
    );
    t.deepEqual(s.lookup(`isscontentid\u0001${longId}`), [`${base}a`]);
    t.deepEqual(s.lookup("objectclass\u0001isscontentlocation"), utf8Sorted(keys));
    await s.commit([change(2)], [{ key: `${base}a`, entry: undefined }]);
    t.is(s.get(`${base}a`), undefined);
    t.deepEqual(s.lookup(`isscontentid\u0001${longId}`), []);
    t.is(s.count(), keys.length - 1);
  });

  storeTest("entries are copies and a range iterates the state it started on", async (t, s) => {
    await s.commit(
      [change(1)],
      ["a", "b", "c"].map((k) => ({ key: `r\u0001${k}`, entry: content(k) })),
    );
    const got = s.get("r\u0001a");
    got?.attributes.issContentId?.push("mutated");
    t.deepEqual(s.get("r\u0001a"), content("a"));
    const iterator = s.range("r\u0001")[Symbol.iterator]();
    const first = iterator.next() as IteratorResult<{ key: string; entry: Entry }, undefined>;
    t.is(first.value?.key, "r\u0001a");
    await s.commit(
      [change(2)],
      [
        { key: "r\u0001b", entry: undefined },
        { key: "r\u0001c", entry: content("changed") },
      ],
    );
    const rest = [];
    for (let r = iterator.next(); !r.done; r = iterator.next()) rest.push(r.value);
    t.deepEqual(rest, [
      { key: "r\u0001b", entry: content("b") },
      { key: "r\u0001c", entry: content("c") },
    ]);
    t.deepEqual(
      [...s.range("r\u0001")].map((r) => r.key),
      ["r\u0001a", "r\u0001c"],
    );
  });

  storeTest("a closed store refuses every call", async (t, s) => {
    await s.close();
    t.throws(() => s.lastCsn(), { instanceOf: StoreError });
    await t.throwsAsync(s.commit([change(1)], []), { instanceOf: StoreError });
  });
}

test("lmdb: a reopened store has every entry, index term, long key and log record", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iss-store-"));
  const long = `lan1\u0001${"l".repeat(2500)}`;
  const first = openLmdbStore(dir, options);
  await first.commit(
    [change(1), change(2)],
    [
      { key: "lan1\u0001a", entry: content("http://a/") },
      { key: long, entry: content("http://long/") },
    ],
  );
  for (let csn = 3; csn <= 30; csn++)
    await first.commit([change(csn)], [{ key: "lan1\u0001n", entry: content(`${csn}`) }]);
  const before = {
    entries: [...first.range("")],
    log: first.changesSince(first.oldestCsn() - 1, 100),
    last: first.lastCsn(),
    oldest: first.oldestCsn(),
  };
  await first.close();
  const again = openLmdbStore(dir, options);
  t.deepEqual([...again.range("")], before.entries);
  t.deepEqual(again.changesSince(again.oldestCsn() - 1, 100), before.log);
  t.is(again.lastCsn(), 30);
  t.is(before.last, 30);
  t.is(again.oldestCsn(), 15);
  t.is(before.oldest, 15);
  t.deepEqual(again.lookup("isscontentid\u0001http://long/"), [long]);
  t.deepEqual(again.lookup("isscontentid\u000130"), ["lan1\u0001n"]);
  t.deepEqual(again.lookup("isscontentid\u000129"), []);
  await again.commit([change(31)], []);
  t.is(again.lastCsn(), 31);
  await again.close();
});
