// How the lmdb store turns tree keys and index terms into lmdb keys, which lmdb limits to 1978 bytes: the
// UTF-8 bytes when they fit, else the first 1945 bytes, a 0xff byte (never part of UTF-8) and the SHA-256
// of the whole key. Byte order of lmdb keys is code point order of the keys except inside a group of keys
// sharing those first 1945 bytes, which inKeyOrder() sorts. Pure.
import { createHash } from "node:crypto";
import { compareKeys } from "./key-order.js";

export const maxLmdbKey = 1978;
const cut = maxLmdbKey - 33;
const marker = 0xff;

export function lmdbKey(key: string): Buffer {
  const bytes = Buffer.from(key, "utf8");
  if (bytes.length <= maxLmdbKey) return bytes;
  const digest = createHash("sha256").update(bytes).digest();
  return Buffer.concat([bytes.subarray(0, cut), Buffer.of(marker), digest]);
}

/** Whether an lmdb key stands for a longer key (whose full text is stored elsewhere). */
export function isHashed(lmdbKeyBytes: Buffer): boolean {
  return lmdbKeyBytes.length === maxLmdbKey && lmdbKeyBytes[cut] === marker;
}

/** The [start, end) lmdb key range that holds every key starting with prefix (end undefined: to the end). */
export function prefixRange(prefix: string): { start?: Buffer; end?: Buffer } {
  const start = Buffer.from(prefix, "utf8").subarray(0, cut);
  if (start.length === 0) return {};
  let last = start.length - 1;
  while (last >= 0 && start[last] === marker) last--;
  if (last < 0) return { start };
  const end = Buffer.from(start.subarray(0, last + 1));
  end[last] = (end[last] ?? 0) + 1;
  return { start, end };
}

/** Re-sorts by key the runs of records (in lmdb key order) whose lmdb keys share their first 1945 bytes. */
export function* inKeyOrder<T extends { lmdbKey: Buffer; key: string }>(records: Iterable<T>): Generator<T> {
  let run: T[] = [];
  const flush = function* (): Generator<T> {
    if (run.length > 1) run.sort((a, b) => compareKeys(a.key, b.key));
    yield* run;
    run = [];
  };
  for (const record of records) {
    const head = run[0];
    if (record.lmdbKey.length < cut) {
      yield* flush();
      yield record;
    } else if (head && head.lmdbKey.compare(record.lmdbKey, 0, cut, 0, cut) === 0) {
      run.push(record);
    } else {
      yield* flush();
      run.push(record);
    }
  }
  yield* flush();
}
