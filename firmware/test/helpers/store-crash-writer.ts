// Child process of the store's crash test: opens the lmdb store at argv[2], then commits batches (see
// store-crash-batch.ts) as fast as it can with a few commits in flight, and prints each batch's last CSN
// to stdout only after its commit resolved (durable). Runs until killed.
import { openLmdbStore } from "../../src/directory/store/lmdb-store.js";
import { batchCommit, changesPerBatch, crashStoreOptions } from "./store-crash-batch.js";

const inFlight = 4;
const path = process.argv[2];
if (!path) throw new Error("usage: store-crash-writer.js STORE-DIR");
const store = openLmdbStore(path, crashStoreOptions);
let next = store.lastCsn() / changesPerBatch + 1;

function commitNext(): void {
  const b = next++;
  const { changes, writes } = batchCommit(b);
  store.commit(changes, writes).then(
    () => {
      process.stdout.write(`${b * changesPerBatch}\n`);
      commitNext();
    },
    (error: unknown) => {
      process.stderr.write(`commit of batch ${b} failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
}

for (let i = 0; i < inFlight; i++) commitNext();
