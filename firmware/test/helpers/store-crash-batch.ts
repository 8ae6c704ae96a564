// Test helper for the store's crash test: what batch b writes (a counter, items, a long-keyed item and a
// per-batch entry, all saying "batch b", plus `changesPerBatch` log changes), and the check that a reopened
// store holds exactly the state after some whole batch B: every entry, index term and log record agrees.
import type { ExecutionContext } from "ava";
import type { Change, Entry } from "../../src/directory/model/types.js";
import type { DirectoryStore, EntryWrite, StoreOptions } from "../../src/directory/store/store.js";

export const changesPerBatch = 2;
export const itemCount = 4;
export const keptBatches = 3;
export const crashStoreOptions: StoreOptions = {
  changeLogSize: 50,
  indexTerms: (entry) => (entry.attributes.batch ?? []).map((b) => `batch\u0001${b}`),
};

const counterKey = "crash\u0001counter";
const longKey = `crash\u0001long\u0001${"é".repeat(1100)}`;
const itemKey = (i: number): string => `crash\u0001item\u0001${i}`;
const batchKey = (b: number): string => `crash\u0001batch\u0001${String(b).padStart(8, "0")}`;

function entry(name: string, b: number): Entry {
  return { dn: `cn=${name}`, attributes: { cn: [name], batch: [String(b)] } };
}

export function batchCommit(b: number): { changes: Change[]; writes: EntryWrite[] } {
  const changes: Change[] = [];
  for (let i = 1; i <= changesPerBatch; i++) {
    const csn = (b - 1) * changesPerBatch + i;
    changes.push({
      csn,
      time: 1_700_000_000_000 + csn,
      origin: { node: 1, request: csn },
      op: {
        type: "modify",
        dn: "cn=counter",
        modifications: [{ operation: "replace", attribute: "batch", values: [String(b)] }],
      },
    });
  }
  const writes: EntryWrite[] = [
    { key: counterKey, entry: entry("counter", b) },
    ...Array.from({ length: itemCount }, (_, i) => ({ key: itemKey(i), entry: entry(`item${i}`, b) })),
    { key: longKey, entry: entry("long", b) },
    { key: batchKey(b), entry: entry(`batch${b}`, b) },
  ];
  if (b > keptBatches) writes.push({ key: batchKey(b - keptBatches), entry: undefined });
  return { changes, writes };
}

/** Asserts the store holds the state after whole batch B = lastCsn / changesPerBatch; returns B. */
export function checkWholeBatches(t: ExecutionContext, store: DirectoryStore): number {
  const last = store.lastCsn();
  t.is(last % changesPerBatch, 0, "lastCsn ends a batch");
  const b = last / changesPerBatch;
  if (b === 0) {
    t.is(store.count(), 0);
    return 0;
  }
  const latest = [counterKey, longKey, ...Array.from({ length: itemCount }, (_, i) => itemKey(i))];
  for (const key of latest) t.deepEqual(store.get(key)?.attributes.batch, [String(b)], `${key.slice(0, 20)}`);
  const kept = [];
  for (let k = Math.max(1, b - keptBatches + 1); k <= b; k++) kept.push(batchKey(k));
  t.deepEqual(
    [...store.range("crash\u0001batch\u0001")].map((r) => r.key),
    kept,
  );
  t.deepEqual(store.lookup(`batch\u0001${b}`).sort(), [...latest, batchKey(b)].sort());
  for (let k = b - 1; k >= Math.max(1, b - keptBatches - 1); k--) {
    t.deepEqual(store.lookup(`batch\u0001${k}`), k > b - keptBatches ? [batchKey(k)] : []);
  }
  t.is(store.count(), latest.length + kept.length);
  const oldest = store.oldestCsn();
  const log = store.changesSince(oldest - 1, 1000) ?? [];
  t.deepEqual(
    log.map((c) => c.csn),
    Array.from({ length: last - oldest + 1 }, (_, i) => oldest + i),
  );
  t.true(log.length <= crashStoreOptions.changeLogSize && log.length > 0);
  for (const change of log) {
    t.deepEqual(
      change,
      batchCommit(Math.ceil(change.csn / changesPerBatch)).changes.find((c) => c.csn === change.csn),
    );
  }
  return b;
}
