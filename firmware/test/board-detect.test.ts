// Board definitions and detection: every board file validates and is detected from the device-tree model
// strings its boards report (Raspberry Pi firmware and mainline kernels); unknown, wrong and half-matching
// boards are errors that say what was found; a broken board file names the field.
import test from "ava";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { detectBoard, detectConfiguredBoard } from "../src/board/detect.js";
import { loadBoards, parseBoard } from "../src/board/load.js";
import { makeTree, writeModel, writeProperty } from "./helpers/board-tree.js";

const boards = loadBoards();
const cli = join(process.cwd(), "dist/firmware/src/cli/iss.js");

/** Model strings as boards report them; every board file must have at least one. */
const samples: Record<string, string[]> = {
  rpi4b: [
    "Raspberry Pi 4 Model B Rev 1.1",
    "Raspberry Pi 4 Model B Rev 1.4",
    "Raspberry Pi 4 Model B Rev 1.5",
    "Raspberry Pi 4 Model B",
  ],
  rpi5: ["Raspberry Pi 5 Model B Rev 1.0", "Raspberry Pi 5 Model B Rev 1.1", "Raspberry Pi 5"],
  rpi3bplus: ["Raspberry Pi 3 Model B Plus Rev 1.3", "Raspberry Pi 3 Model B+"],
  "cm4-ksz9477": ["Raspberry Pi Compute Module 4 Rev 1.0", "Raspberry Pi Compute Module 4 Rev 1.1"],
  "virtual-lab": ["ISS virtual lab board"],
};
const carrierNode = "soc/spi@7e204000/ethernet-switch@0/compatible";

function treeWith(model: string, carrier = false): string {
  const tree = makeTree();
  writeModel(tree, model);
  if (carrier) writeProperty(tree, carrierNode, "microchip,ksz9477");
  return tree.deviceTree;
}

test("every board file validates and has sample model strings", (t) => {
  t.deepEqual(boards.map((b) => b.id).sort(), Object.keys(samples).sort());
});

test("each board is detected from every model string it reports", (t) => {
  for (const [id, models] of Object.entries(samples))
    for (const model of models) {
      const deviceTree = treeWith(model, id === "cm4-ksz9477");
      const found = detectBoard({ boards, deviceTree, arch: "arm64" });
      t.is(found.board.id, id, model);
      t.is(found.model, model);
      t.is(detectBoard({ boards, deviceTree, arch: "arm64", expect: id }).board.id, id);
    }
});

test("boards that are not ours are unknown, with what the tree says", (t) => {
  for (const model of [
    "Raspberry Pi 3 Model B Rev 1.2",
    "Raspberry Pi 4 Model B Plus",
    "Raspberry Pi 400 Rev 1.0",
    "",
  ]) {
    const err = t.throws(() => detectBoard({ boards, deviceTree: treeWith(model), arch: "arm64" }));
    t.regex(err.message, /^unknown board: .*model says ".*"; known: /, model);
  }
});

test("a CM4 without the switch carrier is not guessed to be one", (t) => {
  const err = t.throws(() =>
    detectBoard({ boards, deviceTree: treeWith("Raspberry Pi Compute Module 4 Rev 1.1"), arch: "arm64" }),
  );
  t.regex(
    err.message,
    /is not cm4-ksz9477 \(no .*ethernet-switch@0\/compatible containing "microchip,ksz9477"\)/,
  );
  const tree = makeTree();
  writeModel(tree, "Raspberry Pi Compute Module 4 Rev 1.1");
  writeProperty(tree, carrierNode, "realtek,rtl8365mb");
  t.throws(() => detectBoard({ boards, deviceTree: tree.deviceTree, arch: "arm64" }), {
    message: /is not cm4-ksz9477/,
  });
});

test("the wrong board, the wrong architecture and no device tree are errors", (t) => {
  const pi5 = treeWith("Raspberry Pi 5 Model B Rev 1.0");
  t.throws(() => detectBoard({ boards, deviceTree: pi5, arch: "arm64", expect: "rpi4b" }), {
    message:
      'wrong board: the config expects rpi4b (Raspberry Pi 4 Model B) but this is rpi5 ("Raspberry Pi 5 Model B Rev 1.0")',
  });
  t.throws(() => detectBoard({ boards, deviceTree: pi5, arch: "arm64", expect: "rpi9" }), {
    message: /^the config names board 'rpi9', which has no board file/,
  });
  t.throws(() => detectBoard({ boards, deviceTree: pi5, arch: "x64" }), {
    message: '"Raspberry Pi 5 Model B Rev 1.0" is board rpi5 (arm64) but this firmware runs on x64',
  });
  t.is(
    detectBoard({ boards, deviceTree: treeWith("ISS virtual lab board"), arch: "x64" }).board.id,
    "virtual-lab",
  );
  const empty = makeTree();
  t.throws(() => detectBoard({ boards, deviceTree: empty.deviceTree }), {
    message: /model: ENOENT \(no device tree/,
  });
});

test("without a board section, only a machine with a device tree has a board", (t) => {
  const none = makeTree();
  t.is(detectConfiguredBoard(undefined, boards, none.deviceTree), null);
  const lab = treeWith("ISS virtual lab board");
  t.is(detectConfiguredBoard(undefined, boards, lab)?.board.id, "virtual-lab");
  t.throws(() => detectConfiguredBoard({ deviceTree: none.deviceTree }, boards), { message: /ENOENT/ });
});

test("a broken board file names the file and the field", (t) => {
  const bad = [
    "id: x1",
    "name: X",
    "match: { models: [X] }",
    "arch: arm64",
    "ports: [{ name: eth0, role: uplink }, { name: averyveryverylongname0, role: uplink }]",
    "leds:",
    "  - { name: status, label: A, colour: green, function: status, kernel: [ACT], gpio: { chip: c, line: 1 } }",
    "  - { name: alert, label: B, colour: pink, function: alert, kernel: [PWR] }",
    "serialConsole: ttyAMA0",
    "watchdog: null",
    "bootPartition: null",
    "configTxt: ['dtoverlay gpio-led']",
  ].join("\n");
  const result = parseBoard(bad, "x1.yaml");
  t.false(result.ok);
  const errors = result.ok ? [] : result.errors.map((e) => `${e.file}: ${e.path}: ${e.message}`);
  t.true(errors.includes("x1.yaml: ports[1].name: must be a Linux interface name"), errors.join("\n"));
  t.true(
    errors.includes("x1.yaml: leds[0]: give exactly one of kernel (LED-class names) or gpio (a GPIO line)"),
  );
  t.true(errors.some((e) => e.startsWith("x1.yaml: leds[1].colour: ")));
  t.true(errors.includes("x1.yaml: serialConsole: must be a device under /dev"));
  t.true(
    errors.includes("x1.yaml: configTxt[0]: must be a config.txt line: key=value or a [filter] section"),
  );
  const renamed = parseBoard(readFileSync(join(process.cwd(), "board/rpi4b.yaml"), "utf8"), "other.yaml");
  t.deepEqual(renamed, {
    ok: false,
    errors: [{ file: "other.yaml", path: "id", message: "must be 'other', the file's name" }],
  });
  const missing = parseBoard("id: x3\nname: X\n", "x3.yaml");
  t.true(!missing.ok && missing.errors.some((e) => e.path === "match" && e.message === "is required"));
  const twoUplinks = parseBoard(
    execFileSync(
      "sed",
      ['s/role: switch, label: "1"/role: uplink/', join(process.cwd(), "board/cm4-ksz9477.yaml")],
      { encoding: "utf8" },
    ),
    "cm4-ksz9477.yaml",
  );
  t.true(
    !twoUplinks.ok &&
      twoUplinks.errors.some(
        (e) => e.path === "ports" && /exactly one port must be the uplink/.test(e.message),
      ),
  );
});

test("iss board show prints the detected board, as JSON too, and fails clearly on an unknown one", (t) => {
  const lab = treeWith("ISS virtual lab board");
  const json = execFileSync(process.execPath, [cli, "board", "show", "--json", "--device-tree", lab], {
    encoding: "utf8",
  });
  const shown = JSON.parse(json) as {
    id: string;
    model: string;
    ports: Array<{ name: string; role: string }>;
  };
  t.is(shown.id, "virtual-lab");
  t.is(shown.model, "ISS virtual lab board");
  t.deepEqual(shown.ports, [{ name: "eth0", role: "uplink" }]);
  const text = execFileSync(process.execPath, [cli, "board", "show", "--device-tree", lab], {
    encoding: "utf8",
  });
  t.regex(text, /^board +virtual-lab: ISS virtual lab board$/m);
  t.regex(text, /^leds +status: green STATUS, LED class iss:green:status$/m);
  const unknown = spawnSync(
    process.execPath,
    [cli, "board", "show", "--device-tree", treeWith("Banana Pi BPI-R3")],
    { encoding: "utf8" },
  );
  t.is(unknown.status, 1);
  t.regex(unknown.stderr, /^iss board: unknown board: .*model says "Banana Pi BPI-R3"; known: /);
  const wrong = spawnSync(
    process.execPath,
    [cli, "board", "show", "--board", "rpi4b", "--device-tree", lab],
    { encoding: "utf8" },
  );
  t.is(wrong.status, 1);
  t.regex(wrong.stderr, /wrong board: the config expects rpi4b/);
});
