// Opens a board's LEDs on their backends: the kernel LED class for LEDs with kernel names, the sysfs GPIO
// line for LEDs on a GPIO; both under the sysfs root given (/sys on a board).
import type { Board, BoardLed } from "../board/schema.js";
import type { Clock } from "../rmtp/io/clock.js";
import { findLedClassDir, LedClassLine } from "./led-class.js";
import type { LedLine } from "./line.js";
import { SysfsGpioLine } from "./sysfs-gpio.js";

export interface BoardLedLine {
  led: BoardLed;
  line: LedLine;
}

export async function openBoardLeds(board: Board, sysfs: string, clock: Clock): Promise<BoardLedLine[]> {
  const opened: BoardLedLine[] = [];
  try {
    for (const led of board.leds) {
      const line = led.kernel
        ? new LedClassLine(findLedClassDir(sysfs, led.kernel))
        : await SysfsGpioLine.open(sysfs, led.gpio!, clock);
      opened.push({ led, line });
    }
  } catch (err) {
    for (const o of opened) o.line.close();
    throw new Error(`board ${board.id}: ${(err as Error).message}`);
  }
  return opened;
}
