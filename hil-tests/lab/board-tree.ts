// The virtual board's hardware as files under each lab board's directory: a device tree whose model is the
// one of board/virtual-lab.yaml, and a sysfs-shaped LED class with the board's LEDs, so the daemon detects
// its board and drives its LEDs exactly as on a Raspberry Pi. The demo reads the LEDs back from here.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadBoards } from "../../firmware/src/board/load.js";
import type { Board } from "../../firmware/src/board/schema.js";
import { readLedClassPattern } from "../../firmware/src/led/led-class.js";
import type { PatternName } from "../../firmware/src/led/patterns.js";

export const virtualBoardId = "virtual-lab";

export function virtualBoard(): Board {
  const board = loadBoards().find((b) => b.id === virtualBoardId);
  if (!board) throw new Error(`board/${virtualBoardId}.yaml is missing`);
  return board;
}

export function boardTree(boardDir: string): { deviceTree: string; sysfs: string } {
  return { deviceTree: join(boardDir, "device-tree"), sysfs: join(boardDir, "sys") };
}

/** Writes the model and one LED-class directory per LED (dark, trigger none), as the kernel would offer them. */
export function writeBoardTree(boardDir: string, board = virtualBoard()): void {
  const { deviceTree, sysfs } = boardTree(boardDir);
  mkdirSync(deviceTree, { recursive: true });
  writeFileSync(join(deviceTree, "model"), `${board.match.models[0]}\0`);
  for (const led of board.leds) {
    const dir = join(sysfs, "class", "leds", led.kernel![0]!);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "max_brightness"), "1\n");
    writeFileSync(join(dir, "brightness"), "0\n");
    writeFileSync(join(dir, "trigger"), "[none] timer heartbeat default-on\n");
  }
}

/** What each LED of a lab board shows now (`?` for a pattern outside the table, `-` before the daemon ran). */
export function readBoardLeds(
  boardDir: string,
  board = virtualBoard(),
): Array<{ colour: string; pattern: PatternName | "?" | "-" }> {
  const { sysfs } = boardTree(boardDir);
  return board.leds.map((led) => {
    try {
      return {
        colour: led.colour,
        pattern: readLedClassPattern(join(sysfs, "class", "leds", led.kernel![0]!)) ?? "?",
      };
    } catch {
      return { colour: led.colour, pattern: "-" };
    }
  });
}
