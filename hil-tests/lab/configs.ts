// The files each board's daemon gets: the lab's random site key (mode 0600) and one iss.yaml per board,
// checked with the daemon's own config validator before it is written.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { stringify } from "yaml";
import { parseConfig } from "../../firmware/src/config/load.js";
import type { BoardState, LabState } from "./state.js";

export const siteKeyId = 1;

export function writeSiteKey(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, randomBytes(32).toString("hex") + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
}

export function boardConfigText(state: LabState, board: BoardState): string {
  return stringify({
    node: { id: board.index, name: board.name, role: board.role, dataDir: board.dataDir },
    network: { interface: board.interface, address: board.address },
    rmtp: {
      group: state.group,
      keys: [{ id: siteKeyId, secretFile: state.keyFile }],
      sendKeyId: siteKeyId,
    },
    control: { socket: board.controlSocket },
    log: { level: "info" },
  });
}

export function writeBoardConfig(state: LabState, board: BoardState): void {
  const text = boardConfigText(state, board);
  const checked = parseConfig(text, dirname(board.configPath));
  if (!checked.ok) {
    const errors = checked.errors.map((e) => `${e.path}: ${e.message}`).join("; ");
    throw new Error(`generated config for ${board.name} is invalid: ${errors}`);
  }
  mkdirSync(board.dataDir, { recursive: true });
  writeFileSync(board.configPath, text);
}
