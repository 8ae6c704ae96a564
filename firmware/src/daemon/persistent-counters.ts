// Durable counters of the daemon (the RMTP incarnation, i.e. boot count, and the manager epoch) in one
// small JSON file, replaced atomically (write, fsync, rename, fsync the directory) so a power cut leaves
// either the old or the new value, never a torn file.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface Counters {
  incarnation: number;
  epoch: number;
  /**
   * Failover: the epoch of this node's own manager term while it holds one, else 0. A node that was the
   * last manager it knew of may start the group alone at boot (docs/failover.md).
   */
  managerOf: number;
}

const fileName = "rmtp-state.json";

export function readCounters(dataDir: string): Counters {
  let text: string;
  try {
    text = readFileSync(join(dataDir, fileName), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { incarnation: 0, epoch: 0, managerOf: 0 };
    throw err;
  }
  const value = JSON.parse(text) as Partial<Counters>;
  const incarnation = Number(value.incarnation);
  const epoch = Number(value.epoch);
  const managerOf = Number(value.managerOf ?? 0);
  if (![incarnation, epoch, managerOf].every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new Error(`${join(dataDir, fileName)} is corrupt: ${text.slice(0, 100)}`);
  }
  return { incarnation, epoch, managerOf };
}

export function writeCounters(dataDir: string, counters: Counters): void {
  writeFileDurably(dataDir, fileName, JSON.stringify(counters) + "\n");
}

/** Replaces dataDir/name atomically and durably: write a temporary file, fsync, rename, fsync the directory. */
export function writeFileDurably(dataDir: string, name: string, text: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const target = join(dataDir, name);
  const temp = `${target}.tmp`;
  const fd = openSync(temp, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
  const dir = openSync(dataDir, "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
