// Sysfs- and device-tree-shaped directories for the board and LED tests: a model string (with the NUL the
// kernel ends it with), extra device-tree properties, LED-class LEDs and gpiochips, in a fresh temp dir.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface Tree {
  root: string;
  deviceTree: string;
  sysfs: string;
}

export function makeTree(): Tree {
  const root = mkdtempSync(join(tmpdir(), "iss-board-"));
  return { root, deviceTree: join(root, "device-tree"), sysfs: join(root, "sys") };
}

export function writeModel(tree: Tree, model: string): void {
  mkdirSync(tree.deviceTree, { recursive: true });
  writeFileSync(join(tree.deviceTree, "model"), `${model}\0`);
}

/** A device-tree property: NUL-terminated strings. */
export function writeProperty(tree: Tree, path: string, ...strings: string[]): void {
  const file = join(tree.deviceTree, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, strings.map((s) => `${s}\0`).join(""));
}

/** An LED as the kernel offers it before anyone touched it (default trigger, dark). */
export function addLed(tree: Tree, name: string, trigger = "mmc0"): string {
  const dir = join(tree.sysfs, "class", "leds", name);
  mkdirSync(dir, { recursive: true });
  const triggers = ["none", "mmc0", "timer", "heartbeat", "default-on"];
  writeFileSync(join(dir, "trigger"), `${triggers.map((t) => (t === trigger ? `[${t}]` : t)).join(" ")}\n`);
  writeFileSync(join(dir, "brightness"), "0\n");
  writeFileSync(join(dir, "max_brightness"), "255\n");
  return dir;
}

export function addGpioChip(tree: Tree, name: string, label: string, base: number, ngpio: number): void {
  const dir = join(tree.sysfs, "class", "gpio", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "label"), `${label}\n`);
  writeFileSync(join(dir, "base"), `${base}\n`);
  writeFileSync(join(dir, "ngpio"), `${ngpio}\n`);
  writeFileSync(join(tree.sysfs, "class", "gpio", "export"), "");
}

/** What the kernel creates when a line is exported: gpioN with its attributes, as an input. */
export function addExportedLine(tree: Tree, number: number): string {
  const dir = join(tree.sysfs, "class", "gpio", `gpio${number}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "direction"), "in\n");
  writeFileSync(join(dir, "active_low"), "0\n");
  writeFileSync(join(dir, "value"), "0\n");
  return dir;
}
