// The GPIO backend, for LEDs on a plain GPIO line (no gpio-led overlay): the sysfs GPIO interface as the
// `onoff` package drives it (export, active_low, direction, value), written here because onoff hard-codes
// /sys/class/gpio (no configurable root, so it could not be tested on a sysfs-shaped tree) and pulls in
// the native `epoll` addon for inputs we never read. The line's number is the gpiochip's base, read from
// <sysfs>/class/gpio/gpiochipN/{label,base}, plus the offset: kernels 6.6+ number chips from 512, so
// numbers are never hard-coded. Blinking needs the firmware's timers (the kernel LED class does not).
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Clock } from "../rmtp/io/clock.js";
import type { LedLine } from "./line.js";
import { isSteady, type Pattern } from "./patterns.js";

export interface GpioLineSpec {
  chip: string;
  line: number;
  activeLow: boolean;
}

export interface GpioChip {
  dir: string;
  base: number;
  ngpio: number;
}

export function findGpioChip(sysfs: string, label: string): GpioChip {
  const base = join(sysfs, "class", "gpio");
  const found: string[] = [];
  const entries = existsSync(base) ? readdirSync(base).filter((e) => /^gpiochip\d+$/.test(e)) : [];
  for (const entry of entries) {
    const dir = join(base, entry);
    const chipLabel = readFileSync(join(dir, "label"), "utf8").trim();
    found.push(chipLabel);
    if (chipLabel === label)
      return {
        dir,
        base: Number(readFileSync(join(dir, "base"), "utf8").trim()),
        ngpio: Number(readFileSync(join(dir, "ngpio"), "utf8").trim()),
      };
  }
  throw new Error(`no gpiochip labelled ${label} under ${base} (found: ${found.join(", ") || "none"})`);
}

export class SysfsGpioLine implements LedLine {
  private timer: unknown = null;
  private last: Pattern | null = null;

  private constructor(
    readonly where: string,
    private readonly valueFd: number,
    private readonly clock: Clock,
  ) {}

  /** Exports the line if needed and waits (up to timeoutMs) for udev to make it writable. Starts dark. */
  static async open(
    sysfs: string,
    spec: GpioLineSpec,
    clock: Clock,
    timeoutMs = 2000,
  ): Promise<SysfsGpioLine> {
    const chip = findGpioChip(sysfs, spec.chip);
    if (spec.line >= chip.ngpio)
      throw new Error(`${spec.chip} has lines 0-${chip.ngpio - 1}, not ${spec.line}`);
    const number = chip.base + spec.line;
    const dir = join(sysfs, "class", "gpio", `gpio${number}`);
    if (!existsSync(dir)) writeFileSync(join(sysfs, "class", "gpio", "export"), String(number));
    const fd = await openWhenWritable(join(dir, "value"), timeoutMs);
    try {
      writeFileSync(join(dir, "active_low"), spec.activeLow ? "1" : "0");
      /* Output at the raw level that keeps the LED dark, without a glitch. */
      writeFileSync(join(dir, "direction"), spec.activeLow ? "high" : "low");
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return new SysfsGpioLine(`GPIO ${number} (${spec.chip} line ${spec.line}) ${dir}`, fd, clock);
  }

  show(p: Pattern): void {
    if (this.last?.name === p.name) return;
    this.stopBlink();
    this.last = p;
    if (isSteady(p)) this.level(p.onMs > 0);
    else this.blink(p, this.clock.now(), true);
  }

  close(): void {
    this.stopBlink();
    closeSync(this.valueFd);
  }

  private blink(p: Pattern, at: number, lit: boolean): void {
    this.level(lit);
    const next = at + (lit ? p.onMs : p.offMs);
    this.timer = this.clock.setTimer(next, () => this.blink(p, next, !lit));
  }

  private stopBlink(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
  }

  private level(lit: boolean): void {
    writeSync(this.valueFd, lit ? "1" : "0", 0);
  }
}

async function openWhenWritable(path: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return openSync(path, "r+");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== "ENOENT" && code !== "EACCES") || Date.now() >= deadline)
        throw new Error(`cannot open ${path} after export: ${code ?? String(err)}`);
      await sleep(10);
    }
  }
}
