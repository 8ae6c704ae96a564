// The kernel LED-class backend (preferred): an LED under <sysfs>/class/leds/NAME on the kernel's `timer`
// trigger, so blinking costs no CPU and goes on if the firmware dies. The trigger stays `timer` and every
// pattern is a pair delay_on/delay_off: the kernel shows delay_off 0 as steady on and delay_on 0 as steady
// off. Keeping the trigger means its attribute files are never re-created, so the group permissions that
// udev grants once (firmware/systemd/90-iss.rules) stay; the two writes are ordered so the pair is never
// 0/0 (which the kernel reads as its default 500/500 blink). The sysfs root is a parameter: tests and the
// virtual lab use a directory shaped like sysfs.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LedLine } from "./line.js";
import { isSteady, pattern, patternNames, type Pattern, type PatternName } from "./patterns.js";

/** The first of `names` present under <sysfs>/class/leds (kernels name the same LED differently). */
export function findLedClassDir(sysfs: string, names: readonly string[]): string {
  const base = join(sysfs, "class", "leds");
  for (const name of names) {
    const dir = join(base, name);
    if (existsSync(join(dir, "trigger"))) return dir;
  }
  throw new Error(
    `no LED ${names.join(" or ")} under ${base} (check the board file and its config.txt overlays)`,
  );
}

/** The trigger in force: the kernel lists them all with the active one in brackets. */
function activeTrigger(text: string): string {
  return /\[([^\]]+)\]/.exec(text)?.[1] ?? text.trim();
}

/** The delay_on/delay_off pair that shows a pattern on the timer trigger. */
export function timerDelays(p: Pattern): { on: number; off: number } {
  if (!isSteady(p)) return { on: p.onMs, off: p.offMs };
  return p.onMs > 0 ? { on: 1000, off: 0 } : { on: 0, off: 1000 };
}

/** The writes that move the timer trigger to `p`, ordered so the pair is never 0/0 on the way. */
export function delayWrites(p: Pattern): Array<["delay_on" | "delay_off", number]> {
  const { on, off } = timerDelays(p);
  return on === 0
    ? [
        ["delay_off", off],
        ["delay_on", 0],
      ]
    : [
        ["delay_on", on],
        ["delay_off", off],
      ];
}

export class LedClassLine implements LedLine {
  readonly where: string;
  private last: Pattern | null = null;

  constructor(private readonly dir: string) {
    this.where = `LED class ${dir}`;
    if (activeTrigger(this.read("trigger")) !== "timer") this.write("trigger", "timer");
  }

  show(p: Pattern): void {
    if (this.last?.name === p.name) return;
    for (const [attribute, value] of delayWrites(p)) this.write(attribute, String(value));
    this.last = p;
  }

  close(): void {
    this.last = null;
  }

  private read(attribute: string): string {
    return readFileSync(join(this.dir, attribute), "utf8");
  }

  private write(attribute: string, value: string): void {
    writeFileSync(join(this.dir, attribute), value);
  }
}

/** What an LED-class LED shows, read back from its files (the lab's view, tests); null if no pattern fits. */
export function readLedClassPattern(dir: string): PatternName | null {
  const read = (attribute: string): string => readFileSync(join(dir, attribute), "utf8").trim();
  const trigger = activeTrigger(read("trigger"));
  if (trigger === "none") return Number(read("brightness")) > 0 ? "on" : "off";
  if (trigger !== "timer") return null;
  const on = Number(read("delay_on"));
  const off = Number(read("delay_off"));
  if (on === 0) return "off";
  if (off === 0) return "on";
  return (
    patternNames.find((name) => {
      const p = pattern(name);
      return !isSteady(p) && p.onMs === on && p.offMs === off;
    }) ?? null
  );
}
