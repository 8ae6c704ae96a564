// The durable note that this board's directory may hold changes no other board confirmed: written when an
// SM's term ends unplanned with changes past what its standbys confirmed, removed when the board becomes
// SM again (its store is then the newest) or after the store was emptied to be refreshed from another SM.
// Kept beside the store so that a restart in between still knows.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileDurably } from "./persistent-counters.js";

export interface UnconfirmedChanges {
  /** The term the changes were made in. */
  epoch: number;
  /** Every change up to this CSN was confirmed by a standby. */
  confirmedCsn: number;
  lastCsn: number;
}

const fileName = "unconfirmed-changes.json";

export function readUnconfirmed(dataDir: string): UnconfirmedChanges | null {
  const path = join(dataDir, fileName);
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, "utf8")) as UnconfirmedChanges;
}

export function writeUnconfirmed(dataDir: string, note: UnconfirmedChanges): void {
  writeFileDurably(dataDir, fileName, JSON.stringify(note) + "\n");
}

export function clearUnconfirmed(dataDir: string): void {
  rmSync(join(dataDir, fileName), { force: true });
}
