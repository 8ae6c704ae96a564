// `iss board show [--json]`: the board this unit runs on, as detected from the device tree and its board
// file (board/*.yaml): model, ports, LEDs and their backends, serial console, watchdog, boot partition and
// the config.txt lines the image needs. An unknown or wrong board exits 1 with what was found.
import { parseArgs } from "node:util";
import type { Board } from "../../board/schema.js";
import type { Command } from "../command.js";
import { fail } from "../command.js";
import { boardOptions, boardSection, detectForCli } from "../board-target.js";

export function renderBoard(board: Board, model: string, modelPath: string): string {
  const leds = board.leds.map(
    (l) =>
      `${l.name}: ${l.colour} ${l.label}, ` +
      (l.kernel
        ? `LED class ${l.kernel.join(" or ")}`
        : `GPIO ${l.gpio!.chip} line ${l.gpio!.line}${l.gpio!.activeLow ? " (active low)" : ""}`),
  );
  const rows: Array<[string, string[]]> = [
    ["board", [`${board.id}: ${board.name}`]],
    ["model", [`${model} (${modelPath})`]],
    ["arch", [board.arch]],
    ["ports", board.ports.map((p) => `${p.name} ${p.role}${p.label ? ` (${p.label})` : ""}`)],
    ["leds", leds],
    ["serial", [board.serialConsole ?? "none"]],
    ["watchdog", [board.watchdog ?? "none"]],
    ["boot", [board.bootPartition ?? "none"]],
    ["config.txt", board.configTxt.length > 0 ? board.configTxt : ["(nothing)"]],
  ];
  return (
    rows
      .flatMap(([key, values]) => values.map((v, i) => `${(i === 0 ? key : "").padEnd(11)}${v}`))
      .join("\n") + "\n"
  );
}

export const boardCommand: Command = {
  name: "board",
  summary: "show the board this unit runs on (model, ports, LEDs, console, watchdog, overlays)",
  usage: "iss board show [--json] [--config FILE] [--board ID] [--device-tree DIR]",
  run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...boardOptions, json: { type: "boolean", default: false }, help: { type: "boolean" } },
    });
    if (values.help) {
      process.stdout.write(`usage: ${this.usage}\n`);
      return Promise.resolve(0);
    }
    if (positionals.length !== 1 || positionals[0] !== "show")
      return Promise.resolve(fail(`usage: ${this.usage}`));
    const section = boardSection(values);
    let detected;
    try {
      detected = detectForCli(section);
    } catch (err) {
      process.stderr.write(`iss board: ${(err as Error).message}\n`);
      return Promise.resolve(1);
    }
    const { board, model } = detected;
    process.stdout.write(
      values.json
        ? JSON.stringify({ ...board, model }, null, 2) + "\n"
        : renderBoard(board, model, `${section.deviceTree}/model`),
    );
    return Promise.resolve(0);
  },
};
