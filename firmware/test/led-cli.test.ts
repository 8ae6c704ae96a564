// `iss led test` and `iss identify` without a daemon, on a virtual board's sysfs-shaped tree: the walk prints
// every step and leaves the LEDs dark; identify drives the LEDs itself and leaves them dark after; led test
// refuses while something answers on the control socket (the daemon owns the LEDs then).
import test from "ava";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadBoards } from "../src/board/load.js";
import { ledTestSteps } from "../src/cli/commands/led.js";
import { ControlServer } from "../src/control/server.js";
import { readLedClassPattern } from "../src/led/led-class.js";
import { addLed, makeTree, writeModel } from "./helpers/board-tree.js";

const run = promisify(execFile);
const cli = join(process.cwd(), "dist/firmware/src/cli/iss.js");
const virtual = loadBoards().find((b) => b.id === "virtual-lab")!;

function labTree() {
  const tree = makeTree();
  writeModel(tree, "ISS virtual lab board");
  const leds = [addLed(tree, "iss:green:status", "none"), addLed(tree, "iss:red:alert", "none")];
  const socket = join(mkdtempSync(join(tmpdir(), "iss-ledcli-")), "control.sock");
  const args = ["--device-tree", tree.deviceTree, "--sysfs", tree.sysfs, "--socket", socket];
  return { args, socket, shown: () => leds.map(readLedClassPattern) };
}

test("iss led test prints every step and leaves the LEDs dark", async (t) => {
  const { args, shown } = labTree();
  const { stdout } = await run(process.execPath, [cli, "led", "test", "--step-ms", "5", ...args]);
  const lines = stdout.trimEnd().split("\n");
  t.deepEqual(lines, [...ledTestSteps(virtual).map((s) => s.text), "done: all LEDs off"]);
  t.deepEqual(shown(), ["off", "off"]);
});

test("iss led test refuses while a daemon answers on the control socket", async (t) => {
  const { args, socket, shown } = labTree();
  const server = new ControlServer(socket, { status: () => ({}) });
  await server.listen();
  t.teardown(() => server.close());
  const err = await t.throwsAsync(run(process.execPath, [cli, "led", "test", "--step-ms", "5", ...args]));
  t.regex(
    String((err as { stderr?: string }).stderr),
    /a daemon answers on .* and owns the LEDs; stop it first/,
  );
  t.deepEqual(shown(), ["off", "off"], "untouched: still the kernel's trigger none");
});

test("iss identify without a daemon drives the LEDs itself, then leaves them dark", async (t) => {
  const { args, socket, shown } = labTree();
  // 3 s of identify and 20 s to see it: on a loaded CI host the CLI alone took seconds to start.
  const running = run(process.execPath, [cli, "identify", "--seconds", "3", ...args]);
  const deadline = Date.now() + 20_000;
  // Read while the CLI switches an LED: between its write of the timer trigger and of delay_on the
  // tree has no delay_on yet (the kernel creates both at once), so a failed read means "not yet".
  const showing = (): string => {
    try {
      return shown().join(",");
    } catch {
      return "switching";
    }
  };
  while (showing() !== "fast,fast" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.is(showing(), "fast,fast");
  const { stdout } = await running;
  t.is(stdout, `identify: 3 s on virtual-lab, no daemon on ${socket}: driving the LEDs directly\n`);
  t.deepEqual(shown(), ["off", "off"]);
});
