// Figures of the lmdb store (logged, not asserted: they depend on the machine and on what else runs):
// durable commits per second with 1, 8 and 32 changes per commit, one caller at a time and 32 callers at
// once (group commit); loading, get, range and lookup at 10^5 entries of the example LAN's content-location
// shape; RSS of this process before and after, anonymous and file-backed (the mapped database) apart.
import test from "ava";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Change, Entry } from "../src/directory/model/types.js";
import { openLmdbStore } from "../src/directory/store/lmdb-store.js";
import type { DirectoryStore, EntryWrite, StoreOptions } from "../src/directory/store/store.js";

const suffixKey = "dc=example\u0001dc=iss\u0001dc=lan1\u0001ou=content\u0001";
const options: StoreOptions = {
  changeLogSize: 100_000,
  indexTerms: (e) => [
    ...(e.attributes.objectClass ?? []).map((v) => `objectclass\u0001${v.toLowerCase()}`),
    ...(e.attributes.issContentId ?? []).map((v) => `isscontentid\u0001${v}`),
    ...(e.attributes.issContentServer ?? []).map((v) => `isscontentserver\u0001${v.toLowerCase()}`),
  ],
};

function location(i: number): { key: string; entry: Entry } {
  const id = `http://www.lan1.example/content/${i}/`;
  return {
    key: `${suffixKey}isscontentid=${id}\u0001`,
    entry: {
      dn: `issContentId=${id},ou=content,dc=lan1,dc=iss,dc=example`,
      attributes: {
        objectClass: ["issContentLocation"],
        issContentId: [id],
        issContentServer: [
          `cn=se-http${i % 8},ou=engines,dc=lan1,dc=iss,dc=example`,
          `cn=se-http${(i + 1) % 8},ou=engines,dc=lan1,dc=iss,dc=example`,
        ],
        issServerKind: ["http"],
        issContentState: ["active"],
        issContentSize: [String(1_000_000 + i)],
        issLastSeen: ["20261125040512Z"],
      },
    },
  };
}

/** This process's resident memory from /proc: in all, anonymous, and file-backed (lmdb's map). */
function rssOf(): { total: number; anon: number; file: number } {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (field: string): number =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { total: kb("VmRSS"), anon: kb("RssAnon"), file: kb("RssFile") };
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

/** Commits batches of `size` changes for about `ms`, with `callers` commits in flight; returns commits/s. */
async function commitRate(store: DirectoryStore, size: number, callers: number, ms: number): Promise<number> {
  let next = store.lastCsn() + 1;
  let commits = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  const caller = async (): Promise<void> => {
    while (performance.now() < end) {
      const changes: Change[] = [];
      const writes: EntryWrite[] = [];
      for (let i = 0; i < size; i++, next++) {
        const { key, entry } = location(next);
        changes.push({
          csn: next,
          time: Date.now(),
          origin: { node: 3, request: next },
          op: { type: "add", dn: entry.dn, attributes: entry.attributes },
        });
        writes.push({ key, entry });
      }
      await store.commit(changes, writes);
      commits++;
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  return commits / ((performance.now() - start) / 1000);
}

test.serial("durable commits per second by batch size and callers", async (t) => {
  const store = openLmdbStore(mkdtempSync(join(tmpdir(), "iss-store-bench-")), options);
  for (const callers of [1, 32]) {
    for (const size of [1, 8, 32]) {
      const rate = await commitRate(store, size, callers, 1500);
      t.log(
        `${size} changes/commit, ${callers} caller(s): ${Math.round(rate)} commits/s (${Math.round(rate * size)} changes/s)`,
      );
    }
  }
  t.true(store.lastCsn() > 0);
  await store.close();
});

/** Loads locations 0..n-1 as the SM would: commits of 32 changes, 32 of them in flight. */
async function loadByCommits(store: DirectoryStore, n: number): Promise<void> {
  let next = 0;
  const caller = async (): Promise<void> => {
    while (next < n) {
      const first = next;
      next = Math.min(n, next + 32);
      const batch = Array.from({ length: next - first }, (_, i) => location(first + i));
      const changes = batch.map(({ entry }, i): Change => {
        const csn = first + i + 1;
        return {
          csn,
          time: 0,
          origin: { node: 3, request: csn },
          op: { type: "add", dn: entry.dn, attributes: entry.attributes },
        };
      });
      await store.commit(changes, batch);
    }
  };
  await Promise.all(Array.from({ length: 32 }, caller));
}

test.serial("get, range and lookup at 10^5 entries; RSS", async (t) => {
  const n = 100_000;
  const before = rssOf();
  const store = openLmdbStore(mkdtempSync(join(tmpdir(), "iss-store-bench-")), options);
  let start = performance.now();
  await loadByCommits(store, n);
  t.log(
    `loading ${n} entries by commits of 32 changes, 32 in flight: ${Math.round(performance.now() - start)} ms`,
  );
  t.is(store.count(), n);

  start = performance.now();
  let found = 0;
  for (let i = 0; i < n; i++) if (store.get(location((i * 7919) % n).key)) found++;
  const getUs = ((performance.now() - start) * 1000) / n;
  t.is(found, n);
  start = performance.now();
  let ranged = 0;
  for (const { entry } of store.range(suffixKey)) if (entry.dn) ranged++;
  const rangeMs = performance.now() - start;
  t.is(ranged, n);
  start = performance.now();
  for (let i = 0; i < 1000; i++) store.lookup(`isscontentid\u0001http://www.lan1.example/content/${i * 97}/`);
  const lookupMs = performance.now() - start; // 1000 lookups: ms in total = us each
  start = performance.now();
  const onServer = store.lookup("isscontentserver\u0001cn=se-http3,ou=engines,dc=lan1,dc=iss,dc=example");
  const bigLookupMs = performance.now() - start;
  t.is(onServer.length, n / 4);
  t.log(`get: ${getUs.toFixed(2)} us each (${Math.round(1e6 / getUs)}/s, random keys incl. building them)`);
  t.log(`range over ${n}: ${Math.round(rangeMs)} ms (${Math.round(n / (rangeMs / 1000))} entries/s)`);
  t.log(`lookup of one content id: ${lookupMs.toFixed(2)} us each`);
  t.log(`lookup returning ${onServer.length} keys: ${Math.round(bigLookupMs)} ms`);
  const after = rssOf();
  t.log(
    `RSS ${mb(after.total)} (anonymous ${mb(after.anon)}, mapped database pages ${mb(after.file)}) after ` +
      `loading and reading ${n} entries; before: ${mb(before.total)} (anonymous ${mb(before.anon)})`,
  );
  await store.close();
});

test.serial("a full refresh of 10^5 entries in one transaction", async (t) => {
  const before = rssOf();
  const store = openLmdbStore(mkdtempSync(join(tmpdir(), "iss-store-bench-")), options);
  const start = performance.now();
  await store.replaceAll(
    Array.from({ length: 100_000 }, (_, i) => location(i)),
    1,
  );
  t.log(`replaceAll of 100000 entries: ${Math.round(performance.now() - start)} ms`);
  t.is(store.count(), 100_000);
  const after = rssOf();
  t.log(`anonymous RSS grew by ${mb(after.anon - before.anon)} (lmdb keeps a big transaction's dirty pages)`);
  await store.close();
});
