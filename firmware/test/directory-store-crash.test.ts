// The lmdb store under abrupt failure, for real. Crash: a child process commits batches as fast as it can
// and prints each CSN only once its commit resolved; it is SIGKILLed at random moments, 20 times over the
// same store, and each time the reopened store holds every printed CSN and exactly the state after some
// whole batch (no half-applied batch in entries, index or log). Full disk (root only, a small tmpfs as the
// daemon test does): a commit fails with ENOSPC and changes nothing, and the store goes on once space is freed.
import test from "ava";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Entry } from "../src/directory/model/types.js";
import { openLmdbStore } from "../src/directory/store/lmdb-store.js";
import { StoreError, type StoreOptions } from "../src/directory/store/store.js";
import { checkWholeBatches, crashStoreOptions } from "./helpers/store-crash-batch.js";

const writer = join(process.cwd(), "dist/firmware/test/helpers/store-crash-writer.js");
const rounds = 20;

interface Run {
  lastPrinted: number;
  printed: number;
}

/** Starts the writer, kills it `afterMs` after its first durable commit, returns what it printed. */
function runAndKill(dir: string, afterMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir], { stdio: ["ignore", "pipe", "pipe"] });
    const run: Run = { lastPrinted: 0, printed: 0 };
    let buffered = "";
    let stderr = "";
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const csn = Number(line);
        if (!(csn > run.lastPrinted)) reject(new Error(`printed CSN ${line} after ${run.lastPrinted}`));
        run.lastPrinted = csn;
        run.printed++;
      }
      timer ??= setTimeout(() => child.kill("SIGKILL"), afterMs);
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") resolve(run);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

test.serial(
  "SIGKILL at random moments: every printed commit survives, no batch is half applied",
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "iss-store-crash-"));
    let total = 0;
    for (let round = 1; round <= rounds; round++) {
      const afterMs = Math.floor(Math.random() * 250);
      const run = await runAndKill(dir, afterMs);
      const store = openLmdbStore(dir, crashStoreOptions);
      try {
        t.true(
          store.lastCsn() >= run.lastPrinted,
          `round ${round}: lastCsn ${store.lastCsn()} < printed ${run.lastPrinted}`,
        );
        const batch = checkWholeBatches(t, store);
        t.log(
          `round ${round}: killed ${afterMs} ms in, ${run.printed} commits printed, store at batch ${batch}`,
        );
        total += run.printed;
      } finally {
        await store.close();
      }
    }
    t.true(total > rounds, "the writer made progress");
  },
);

const contentEntry = (i: number): Entry => ({
  dn: `issContentId=http://fill/${i}/,ou=content,dc=lan1`,
  attributes: { issContentId: [`http://fill/${i}/`], issContentState: ["x".repeat(2000)] },
});
const fillOptions: StoreOptions = {
  changeLogSize: 1000,
  indexTerms: (e) => (e.attributes.issContentId ?? []).map((v) => `isscontentid\u0001${v}`),
};

function canMount(): boolean {
  return process.getuid?.() === 0;
}

(canMount() ? test.serial : test.serial.skip)(
  "a full disk rejects the commit (ENOSPC, or EIO for a short write), changes nothing, and the store goes on once space is freed",
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "iss-store-full-"));
    const mnt = join(dir, "fs");
    mkdirSync(mnt);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt]);
    t.teardown(() => execFileSync("umount", [mnt]));
    const filler = join(mnt, "filler");
    writeFileSync(filler, Buffer.alloc(512 * 1024));
    const path = join(mnt, "store");
    const store = openLmdbStore(path, fillOptions);
    const change = (csn: number) => ({
      csn,
      time: 0,
      origin: { node: 1, request: csn },
      op: { type: "delete" as const, dn: `cn=${csn}` },
    });
    let csn = 0;
    let failure: unknown;
    for (; csn < 2000 && failure === undefined;) {
      const next = csn + 1;
      const writes = Array.from({ length: 10 }, (_, i) => ({
        key: `fill\u0001${next}\u0001${i}`,
        entry: contentEntry(next),
      }));
      try {
        await store.commit([change(next)], writes);
        csn = next;
      } catch (error) {
        failure = error;
      }
    }
    t.true(failure instanceof StoreError, String(failure));
    t.is((failure as StoreError).failure, "io");
    t.regex((failure as StoreError).message, /No space left on device|Input\/output error/);
    t.log(`full after ${csn} commits: ${(failure as StoreError).message}`);
    t.is(store.lastCsn(), csn);
    t.is(store.count(), csn * 10);
    t.is(store.get(`fill\u0001${csn + 1}\u00010`), undefined);
    t.deepEqual(store.lookup(`isscontentid\u0001http://fill/${csn + 1}/`), []);
    t.is(store.lookup(`isscontentid\u0001http://fill/${csn}/`).length, 10);

    rmSync(filler);
    await store.commit([change(csn + 1)], [{ key: "after", entry: contentEntry(0) }]);
    t.is(store.lastCsn(), csn + 1);
    await store.close();
    const again = openLmdbStore(path, fillOptions);
    t.is(again.lastCsn(), csn + 1);
    t.is(again.count(), csn * 10 + 1);
    t.deepEqual(again.get("after"), contentEntry(0));
    t.is(again.changesSince(0, 5000)?.length, csn + 1);
    await again.close();
  },
);
