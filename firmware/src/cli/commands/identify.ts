// `iss identify [--seconds N]`: the unit shows itself (both LEDs flicker fast) for N seconds, so a
// technician finds it in a rack. Through the daemon's control op `led.identify` when a daemon runs (the SNMP
// identify object uses the same op); otherwise it drives the LEDs itself and leaves them dark after.
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ControlClient } from "../../control/client.js";
import { openBoardLeds } from "../../led/open.js";
import { StatusLeds } from "../../led/status-leds.js";
import { realClock } from "../../rmtp/io/clock.js";
import type { Command } from "../command.js";
import { fail } from "../command.js";
import { boardOptions, boardSection, detectForCli } from "../board-target.js";
import { controlSocketPath } from "../control-target.js";

export const identifyCommand: Command = {
  name: "identify",
  summary: "flash this unit's LEDs for N seconds (default 30) so it can be found",
  usage:
    "iss identify [--seconds N] [--socket PATH | --config FILE] [--board ID] [--device-tree DIR] [--sysfs DIR]",
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...boardOptions,
        socket: { type: "string" },
        seconds: { type: "string", default: "30" },
        help: { type: "boolean" },
      },
    });
    if (values.help) {
      process.stdout.write(`usage: ${this.usage}\n`);
      return 0;
    }
    const seconds = Number(values.seconds);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600)
      return fail("--seconds must be a number from 0 to 3600");
    const socket = controlSocketPath(values);
    const client = await ControlClient.connect(socket, 1000).catch(() => null);
    if (client) {
      try {
        const result = await client.call<{ seconds: number; leds: boolean }>("led.identify", { seconds });
        if (!result.leds) {
          process.stderr.write(
            `iss identify: the daemon on ${socket} has no status LEDs (no board detected)\n`,
          );
          return 1;
        }
        process.stdout.write(`identify: ${seconds} s, through the daemon on ${socket}\n`);
        return 0;
      } finally {
        client.close();
      }
    }
    const section = boardSection(values);
    const { board } = detectForCli(section);
    const leds = new StatusLeds(await openBoardLeds(board, section.sysfs, realClock), realClock, "stopped");
    process.stdout.write(
      `identify: ${seconds} s on ${board.id}, no daemon on ${socket}: driving the LEDs directly\n`,
    );
    leds.identify(seconds);
    await sleep(seconds * 1000);
    leds.identify(0);
    leds.close();
    return 0;
  },
};
