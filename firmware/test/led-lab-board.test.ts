// The virtual lab's boards (hil-tests/lab): the config the lab writes names the virtual board and its own
// device tree and sysfs, the daemon's detection finds that board there, and what the daemon's LEDs show
// reads back for the demo's `leds` column. No namespaces: only the files.
import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config/load.js";
import { detectConfiguredBoard } from "../src/board/detect.js";
import { loadBoards } from "../src/board/load.js";
import { openBoardLeds } from "../src/led/open.js";
import { StatusLeds } from "../src/led/status-leds.js";
import { VirtualClock } from "../src/rmtp/io/clock.js";
import { boardTree, readBoardLeds, virtualBoard, writeBoardTree } from "../../hil-tests/lab/board-tree.js";
import { boardConfigText, snmpSecretFiles, writeSecretFile } from "../../hil-tests/lab/configs.js";
import { planLab } from "../../hil-tests/lab/state.js";

test("a lab board's config points at its own virtual board, which the daemon detects and lights", async (t) => {
  const baseDir = mkdtempSync(join(tmpdir(), "iss-labboard-"));
  const state = planLab({ name: "ledt", boards: 2, rate: null, daemons: false, baseDir, command: () => [] });
  const board = state.boards[0]!;
  const boardDir = join(state.dir, board.name);
  writeSecretFile(state.keyFile, 32);
  writeSecretFile(state.directoryPasswordFile, 16, false);
  for (const file of Object.values(snmpSecretFiles(board))) writeSecretFile(file, 16, false);
  const parsed = parseConfig(boardConfigText(state, board), boardDir);
  if (!parsed.ok) return t.fail(JSON.stringify(parsed.errors));
  t.deepEqual(parsed.value.config.board, { name: "virtual-lab", ...boardTree(boardDir) });

  t.deepEqual(readBoardLeds(boardDir), [
    { colour: "green", pattern: "-" },
    { colour: "red", pattern: "-" },
  ]);
  writeBoardTree(boardDir);
  t.deepEqual(
    readBoardLeds(boardDir).map((l) => l.pattern),
    ["off", "off"],
  );
  const detected = detectConfiguredBoard({ name: "virtual-lab", ...boardTree(boardDir) }, loadBoards());
  t.is(detected?.board.id, "virtual-lab");
  const clock = new VirtualClock();
  const leds = new StatusLeds(await openBoardLeds(virtualBoard(), boardTree(boardDir).sysfs, clock), clock);
  t.deepEqual(
    readBoardLeds(boardDir).map((l) => `${l.colour}:${l.pattern}`),
    ["green:blink", "red:off"],
  );
  leds.set("sm-active");
  t.deepEqual(
    readBoardLeds(boardDir).map((l) => l.pattern),
    ["dip", "off"],
  );
  leds.close();
});
