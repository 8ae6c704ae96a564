// The LED backends against sysfs-shaped trees in temp dirs: the kernel LED class (timer trigger, every
// pattern as delay_on/delay_off, never 0/0) and sysfs GPIO (gpiochip found by label and base, export,
// active_low, glitch-free direction, blinking on the injected clock), driven by the state machine.
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadBoards } from "../src/board/load.js";
import {
  delayWrites,
  findLedClassDir,
  LedClassLine,
  readLedClassPattern,
  timerDelays,
} from "../src/led/led-class.js";
import { openBoardLeds } from "../src/led/open.js";
import { pattern, patternNames } from "../src/led/patterns.js";
import { StatusLeds } from "../src/led/status-leds.js";
import { findGpioChip, SysfsGpioLine } from "../src/led/sysfs-gpio.js";
import { VirtualClock } from "../src/rmtp/io/clock.js";
import { addExportedLine, addGpioChip, addLed, makeTree, type Tree } from "./helpers/board-tree.js";

const boards = loadBoards();
const board = (id: string) => boards.find((b) => b.id === id)!;
const read = (dir: string, attribute: string): string => readFileSync(join(dir, attribute), "utf8").trim();
const alertLine = { chip: "pinctrl-bcm2711", line: 6, activeLow: true };

/** A Pi 4 on a 6.6+ kernel: the SoC's chip at base 512, the firmware's expander after it. */
function piGpio(tree: Tree): void {
  addGpioChip(tree, "gpiochip512", "pinctrl-bcm2711", 512, 58);
  addGpioChip(tree, "gpiochip570", "raspberrypi-exp-gpio", 570, 8);
}

test("LED class: the first name the kernel has is taken, a missing LED is a clear error", (t) => {
  const tree = makeTree();
  const dir = addLed(tree, "led0");
  t.is(findLedClassDir(tree.sysfs, ["ACT", "led0"]), dir);
  t.throws(() => findLedClassDir(tree.sysfs, ["PWR", "led1"]), {
    message: `no LED PWR or led1 under ${join(tree.sysfs, "class", "leds")} (check the board file and its config.txt overlays)`,
  });
});

test("LED class: every pattern is a delay pair on the timer trigger and reads back as itself", (t) => {
  const tree = makeTree();
  const dir = addLed(tree, "ACT");
  t.is(readLedClassPattern(dir), null, "the kernel's mmc0 trigger is no pattern of ours");
  const line = new LedClassLine(dir);
  t.is(read(dir, "trigger"), "timer");
  for (const from of patternNames)
    for (const to of patternNames) {
      line.show(pattern(from));
      line.show(pattern(to));
      t.is(readLedClassPattern(dir), to, `${from} -> ${to}`);
      const { on, off } = timerDelays(pattern(to));
      t.deepEqual([Number(read(dir, "delay_on")), Number(read(dir, "delay_off"))], [on, off]);
      t.false(on === 0 && off === 0);
    }
});

test("LED class: going from any pattern to any other never passes 0/0, which the kernel blinks at 500/500", (t) => {
  for (const from of patternNames)
    for (const to of patternNames) {
      const pair = timerDelays(pattern(from));
      for (const [attribute, value] of delayWrites(pattern(to))) {
        if (attribute === "delay_on") pair.on = value;
        else pair.off = value;
        t.false(pair.on === 0 && pair.off === 0, `${from} -> ${to}`);
      }
      t.deepEqual(pair, timerDelays(pattern(to)));
    }
});

test("LED class: the Pi 4's LEDs follow the state machine on the clock", (t) => {
  const tree = makeTree();
  const act = addLed(tree, "ACT", "mmc0");
  const pwr = addLed(tree, "PWR", "default-on");
  return openBoardLeds(board("rpi4b"), tree.sysfs, new VirtualClock()).then((lines) => {
    const clock = new VirtualClock();
    const leds = new StatusLeds(lines, clock);
    t.deepEqual([readLedClassPattern(act), readLedClassPattern(pwr)], ["blink", "off"]);
    leds.set("bsm-standby");
    t.deepEqual([readLedClassPattern(act), readLedClassPattern(pwr)], ["wink", "off"]);
    leds.identify(10);
    t.deepEqual([readLedClassPattern(act), readLedClassPattern(pwr)], ["fast", "fast"]);
    clock.advance(10_000);
    t.deepEqual([readLedClassPattern(act), readLedClassPattern(pwr)], ["wink", "off"]);
    leds.set("degraded");
    t.deepEqual([readLedClassPattern(act), readLedClassPattern(pwr)], ["on", "blink"]);
    leds.close();
  });
});

test("GPIO: the chip is found by its label and its base, never a fixed number", (t) => {
  const tree = makeTree();
  piGpio(tree);
  t.like(findGpioChip(tree.sysfs, "pinctrl-bcm2711"), { base: 512, ngpio: 58 });
  t.like(findGpioChip(tree.sysfs, "raspberrypi-exp-gpio"), { base: 570, ngpio: 8 });
  t.throws(() => findGpioChip(tree.sysfs, "pinctrl-rp1"), {
    message:
      /^no gpiochip labelled pinctrl-rp1 under .* \(found: (pinctrl-bcm2711, raspberrypi-exp-gpio|raspberrypi-exp-gpio, pinctrl-bcm2711)\)$/,
  });
});

test("GPIO: an exported active-low line is set up dark and blinks on the clock", async (t) => {
  const tree = makeTree();
  piGpio(tree);
  const dir = addExportedLine(tree, 518);
  const clock = new VirtualClock();
  const line = await SysfsGpioLine.open(tree.sysfs, alertLine, clock);
  t.is(read(dir, "active_low"), "1");
  t.is(read(dir, "direction"), "high", "raw high: the active-low LED stays dark");
  t.regex(line.where, /^GPIO 518 \(pinctrl-bcm2711 line 6\)/);
  t.is(read(join(tree.sysfs, "class", "gpio"), "export"), "", "already exported: not exported again");
  line.show(pattern("wink"));
  const samples: string[] = [];
  for (const step of [0, 99, 1, 1899, 1, 99, 1]) {
    clock.advance(step);
    samples.push(`${clock.now()}:${read(dir, "value")}`);
  }
  t.deepEqual(samples, ["0:1", "99:1", "100:0", "1999:0", "2000:1", "2099:1", "2100:0"]);
  line.show(pattern("on"));
  clock.advance(5000);
  t.is(read(dir, "value"), "1", "steady: no blink timer left running");
  line.close();
});

test("GPIO: a line not yet exported is exported and used once the kernel offers it", async (t) => {
  const tree = makeTree();
  piGpio(tree);
  const exportFile = join(tree.sysfs, "class", "gpio", "export");
  const kernel = setInterval(() => {
    const n = Number(readFileSync(exportFile, "utf8"));
    if (n > 0) {
      addExportedLine(tree, n);
      clearInterval(kernel);
    }
  }, 5);
  const line = await SysfsGpioLine.open(tree.sysfs, { ...alertLine, activeLow: false }, new VirtualClock());
  t.is(readFileSync(exportFile, "utf8"), "518");
  const dir = join(tree.sysfs, "class", "gpio", "gpio518");
  t.is(read(dir, "direction"), "low");
  line.show(pattern("on"));
  t.is(read(dir, "value"), "1");
  line.close();
  await t.throwsAsync(SysfsGpioLine.open(tree.sysfs, { ...alertLine, line: 7 }, new VirtualClock(), 50), {
    message: /gpio519\/value after export: ENOENT/,
  });
  await t.throwsAsync(SysfsGpioLine.open(tree.sysfs, { ...alertLine, line: 58 }, new VirtualClock()), {
    message: "pinctrl-bcm2711 has lines 0-57, not 58",
  });
});

test("both backends on one board: the CM4 carrier's STATUS (LED class) and ALERT (GPIO) show fault", async (t) => {
  const tree = makeTree();
  piGpio(tree);
  const status = addLed(tree, "iss-status", "none");
  const alert = addExportedLine(tree, 518);
  const clock = new VirtualClock();
  const leds = new StatusLeds(await openBoardLeds(board("cm4-ksz9477"), tree.sysfs, clock), clock);
  t.is(readLedClassPattern(status), "blink");
  t.is(read(alert, "value"), "0");
  leds.set("unprovisioned");
  clock.advance(1000);
  t.is(read(alert, "value"), "0", "slow blink: dark in its second half");
  clock.advance(1000);
  t.is(read(alert, "value"), "1");
  leds.set("fault");
  t.is(readLedClassPattern(status), "off");
  t.is(read(alert, "value"), "1");
  clock.advance(10_000);
  t.is(read(alert, "value"), "1");
  t.deepEqual(
    leds.status().leds.map((l) => [l.name, l.pattern]),
    [
      ["status", "off"],
      ["alert", "on"],
    ],
  );
  leds.close();
});

test("a board whose LED is missing fails with the board and the LED named", async (t) => {
  const tree = makeTree();
  addLed(tree, "ACT");
  await t.throwsAsync(openBoardLeds(board("rpi5"), tree.sysfs, new VirtualClock()), {
    message: /^board rpi5: no LED PWR or led1 under /,
  });
});
