// The LED state table and state machine on an injected clock, against the test backend: every state looks
// different, identify overrides for its time and ends on time, blink patterns are lit when they should be,
// `iss led test` walks every LED and pattern and every state, and docs/leds.md prints the same table.
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadBoards } from "../src/board/load.js";
import { ledTestSteps } from "../src/cli/commands/led.js";
import { LedCore } from "../src/led/core.js";
import { MemoryLedLine } from "../src/led/memory-line.js";
import { ledStates, litAt, pattern, patternNames, renderLedTable, stateTable } from "../src/led/patterns.js";
import { StatusLeds } from "../src/led/status-leds.js";
import { VirtualClock } from "../src/rmtp/io/clock.js";

const rpi4 = loadBoards().find((b) => b.id === "rpi4b")!;

function memoryLeds(clock: VirtualClock) {
  const lines = rpi4.leds.map((led) => ({ led, line: new MemoryLedLine(led.label, clock) }));
  const byName = (name: string): MemoryLedLine => lines.find((l) => l.led.name === name)!.line;
  return { lines, status: byName("status"), alert: byName("alert") };
}

test("every state shows a different pair of patterns, and both LEDs take part", (t) => {
  const pairs = ledStates.map((s) => `${stateTable[s].status}/${stateTable[s].alert}`);
  t.is(new Set(pairs).size, ledStates.length);
  t.is(stateTable.fault.alert, "on", "fault is steady: it stays right when the firmware is gone");
  t.is(stateTable.stopped.status, "off");
});

test("patterns are lit on their schedule", (t) => {
  const blink = pattern("blink");
  t.true(litAt(blink, 0));
  t.true(litAt(blink, 249));
  t.false(litAt(blink, 250));
  t.true(litAt(blink, 500));
  const wink = pattern("wink");
  t.deepEqual(
    [0, 99, 100, 1999, 2000].map((ms) => litAt(wink, ms)),
    [true, true, false, false, true],
  );
  t.true(litAt(pattern("on"), 123_456));
  t.false(litAt(pattern("off"), 0));
});

test("the core: identify overrides the state until its deadline, a new state waits behind it", (t) => {
  const core = new LedCore();
  t.is(core.start(0), "booting");
  t.is(core.set("se-ready", 100), "se-ready");
  t.is(core.set("se-ready", 200), null);
  t.is(core.identify(5000, 1000), "identify");
  t.is(core.nextDeadline(), 6000);
  t.is(core.set("degraded", 2000), null, "identify still shows");
  t.deepEqual(core.status(2000), { state: "degraded", shown: "identify", identifyRemainingMs: 4000 });
  t.is(core.tick(5999), null);
  t.is(core.tick(6000), "degraded");
  t.is(core.nextDeadline(), null);
  t.is(core.identify(1000, 7000), "identify");
  t.is(core.identify(0, 7500), "degraded", "identify 0 ends it");
});

test("the driver shows each state on the test backend and ends identify on the clock", (t) => {
  const clock = new VirtualClock();
  const { lines, status, alert } = memoryLeds(clock);
  const leds = new StatusLeds(lines, clock);
  t.is(status.current()?.name, "blink");
  t.is(alert.current()?.name, "off");
  clock.advance(1000);
  leds.set("sm-active");
  t.is(status.current()?.name, "dip");
  t.true(status.litAt(1000 + 1899));
  t.false(status.litAt(1000 + 1900));
  t.is(leds.identify(3), 3000);
  t.is(status.current()?.name, "fast");
  t.is(alert.current()?.name, "fast");
  t.deepEqual(
    leds.status().leds.map((l) => `${l.label}:${l.pattern}`),
    ["ACT:fast", "PWR:fast"],
  );
  clock.advance(2999);
  t.is(status.current()?.name, "fast");
  clock.advance(1);
  t.is(status.current()?.name, "dip");
  t.is(alert.current()?.name, "off");
  t.deepEqual(
    status.history.map((h) => [h.at, h.pattern.name]),
    [
      [0, "blink"],
      [1000, "dip"],
      [1000, "fast"],
      [4000, "dip"],
    ],
  );
  leds.set("fault");
  t.is(alert.current()?.name, "on");
  t.is(status.current()?.name, "off");
  leds.close();
});

test("iss led test walks every LED through every pattern, then every state", (t) => {
  const steps = ledTestSteps(rpi4);
  t.is(steps.length, rpi4.leds.length * patternNames.length + ledStates.length);
  for (const led of rpi4.leds)
    for (const p of patternNames)
      t.true(
        steps.some(
          (s) =>
            s.show[led.name] === p && Object.entries(s.show).every(([n, q]) => n === led.name || q === "off"),
        ),
      );
  t.deepEqual(steps.at(-1)!.show, { status: "off", alert: "off" });
  t.regex(steps[0]!.text, /^status \(green ACT\): off; the others off$/);
});

test("docs/leds.md prints the state table the firmware uses", (t) => {
  const cells = (text: string): string[][] =>
    text
      .split("\n")
      .filter((l) => l.startsWith("|") && !/^\|[\s|:-]+\|$/.test(l))
      .map((l) =>
        l
          .split("|")
          .slice(1, -1)
          .map((c) => c.trim()),
      );
  const doc = cells(readFileSync(join(process.cwd(), "docs/leds.md"), "utf8"));
  for (const row of cells(renderLedTable()))
    t.true(
      doc.some((d) => d.join("|") === row.join("|")),
      row.join(" | "),
    );
});
