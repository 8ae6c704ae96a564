// The kernel LED-class backend (preferred): an LED under <sysfs>/class/leds/NAME. A blink is the kernel's
// `timer` trigger with delay_on/delay_off, so it costs no CPU and goes on if the firmware dies; steady
// on/off is trigger `none` and brightness. The sysfs root is a parameter: tests and the virtual lab use a
// directory shaped like sysfs.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LedLine } from "./line.js";
import { isSteady, pattern, patternNames, type Pattern, type PatternName } from "./patterns.js";

/** The first of `names` present under <sysfs>/class/leds (kernels name the same LED differently). */
export function findLedClassDir(sysfs: string, names: readonly string[]): string {
  const base = join(sysfs, "class", "leds");
  for (const name of names) {
    const dir = join(base, name);
    if (existsSync(join(dir, "brightness"))) return dir;
  }
  throw new Error(
    `no LED ${names.join(" or ")} under ${base} (check the board file and its config.txt overlays)`,
  );
}

export class LedClassLine implements LedLine {
  readonly where: string;
  private readonly maxBrightness: string;
  private last: Pattern | null = null;

  constructor(private readonly dir: string) {
    this.where = `LED class ${dir}`;
    this.maxBrightness = readFileSync(join(dir, "max_brightness"), "utf8").trim() || "1";
  }

  show(p: Pattern): void {
    if (this.last?.name === p.name) return;
    if (isSteady(p)) {
      this.write("trigger", "none");
      this.write("brightness", p.onMs > 0 ? this.maxBrightness : "0");
    } else {
      this.write("trigger", "timer");
      this.write("delay_on", String(p.onMs));
      this.write("delay_off", String(p.offMs));
    }
    this.last = p;
  }

  close(): void {
    this.last = null;
  }

  private write(attribute: string, value: string): void {
    writeFileSync(join(this.dir, attribute), value);
  }
}

/** The trigger in force: the kernel lists them all with the active one in brackets. */
function activeTrigger(text: string): string {
  return /\[([^\]]+)\]/.exec(text)?.[1] ?? text.trim();
}

/** What an LED-class LED shows, read back from its files (the lab's view, tests); null if no pattern fits. */
export function readLedClassPattern(dir: string): PatternName | null {
  const read = (attribute: string): string => readFileSync(join(dir, attribute), "utf8").trim();
  const trigger = activeTrigger(read("trigger"));
  if (trigger === "none") return Number(read("brightness")) > 0 ? "on" : "off";
  if (trigger !== "timer") return null;
  const onMs = Number(read("delay_on"));
  const offMs = Number(read("delay_off"));
  return (
    patternNames.find((name) => {
      const p = pattern(name);
      return !isSteady(p) && p.onMs === onMs && p.offMs === offMs;
    }) ?? null
  );
}
