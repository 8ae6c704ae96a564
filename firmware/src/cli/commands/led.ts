// `iss led test`: walks every LED of the board through every pattern, then all LEDs through every state of
// the technicians' table (docs/leds.md), printing what should be seen at each step; ends with the LEDs
// dark. It refuses while a daemon answers on the control socket, which owns the LEDs then.
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { Board } from "../../board/schema.js";
import { ControlClient } from "../../control/client.js";
import { openBoardLeds } from "../../led/open.js";
import { ledStates, pattern, patternNames, stateTable, type PatternName } from "../../led/patterns.js";
import { realClock } from "../../rmtp/io/clock.js";
import type { Command } from "../command.js";
import { fail } from "../command.js";
import { boardOptions, boardSection, detectForCli } from "../board-target.js";
import { controlSocketPath } from "../control-target.js";

export interface LedTestStep {
  text: string;
  /** Pattern per LED name. */
  show: Record<string, PatternName>;
}

export function ledTestSteps(board: Board): LedTestStep[] {
  const dark: Record<string, PatternName> = Object.fromEntries(board.leds.map((l) => [l.name, "off"]));
  const perLed = board.leds.flatMap((led) =>
    patternNames.map((p) => ({
      text: `${led.name} (${led.colour} ${led.label}): ${pattern(p).text}; the others off`,
      show: { ...dark, [led.name]: p },
    })),
  );
  const perState = ledStates.map((state) => {
    const row = stateTable[state];
    const show = Object.fromEntries(board.leds.map((l) => [l.name, row[l.function]]));
    const seen = board.leds.map((l) => `${l.colour} ${pattern(row[l.function]).text}`).join(", ");
    return { text: `state ${state}: ${seen} (${row.meaning})`, show };
  });
  return [...perLed, ...perState];
}

/** Whether a daemon answers on the socket (it owns the LEDs while it runs). */
export async function daemonAnswers(path: string): Promise<boolean> {
  const client = await ControlClient.connect(path, 1000).catch(() => null);
  client?.close();
  return client !== null;
}

export const ledCommand: Command = {
  name: "led",
  summary: "walk every status LED through every pattern and state, for a technician",
  usage:
    "iss led test [--step-ms N] [--config FILE] [--socket PATH] [--board ID] [--device-tree DIR] [--sysfs DIR]",
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...boardOptions,
        socket: { type: "string" },
        "step-ms": { type: "string", default: "3000" },
        help: { type: "boolean" },
      },
    });
    if (values.help) {
      process.stdout.write(`usage: ${this.usage}\n`);
      return 0;
    }
    const stepMs = Number(values["step-ms"]);
    if (positionals.length !== 1 || positionals[0] !== "test") return fail(`usage: ${this.usage}`);
    if (!Number.isSafeInteger(stepMs) || stepMs < 1 || stepMs > 60_000)
      return fail("--step-ms must be an integer from 1 to 60000");
    const socket = controlSocketPath(values);
    if (await daemonAnswers(socket)) {
      process.stderr.write(
        `iss led: a daemon answers on ${socket} and owns the LEDs; stop it first (systemctl stop iss)\n`,
      );
      return 1;
    }
    const section = boardSection(values);
    const { board } = detectForCli(section);
    const lines = await openBoardLeds(board, section.sysfs, realClock);
    try {
      for (const step of ledTestSteps(board)) {
        for (const { led, line } of lines) line.show(pattern(step.show[led.name] ?? "off"));
        process.stdout.write(`${step.text}\n`);
        await sleep(stepMs);
      }
    } finally {
      for (const { line } of lines) {
        line.show(pattern("off"));
        line.close();
      }
    }
    process.stdout.write("done: all LEDs off\n");
    return 0;
  },
};
