// What every LED backend offers: one LED that shows a pattern. show() is synchronous so the daemon can
// still show `fault` from its exit handler.
import type { Pattern } from "./patterns.js";

export interface LedLine {
  /** Where the LED is driven, for technicians (`LED class /sys/class/leds/ACT`). */
  readonly where: string;
  show(pattern: Pattern): void;
  /** Stops what the backend runs itself (GPIO blink timers); the LED keeps its last level or kernel blink. */
  close(): void;
}
