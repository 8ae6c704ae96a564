// The table of `iss` subcommands.
import type { Command } from "./command.js";
import { boardCommand } from "./commands/board.js";
import { checkConfigCommand } from "./commands/check-config.js";
import { dirCommand } from "./commands/dir.js";
import { identifyCommand } from "./commands/identify.js";
import { labCommand } from "./commands/lab.js";
import { netCommand } from "./commands/net.js";
import { ledCommand } from "./commands/led.js";
import { rmtpCommand } from "./commands/rmtp.js";
import { runCommand } from "./commands/run.js";
import { snmpCommand } from "./commands/snmp.js";
import { statusCommand } from "./commands/status.js";

export const commands: readonly Command[] = [
  runCommand,
  checkConfigCommand,
  statusCommand,
  rmtpCommand,
  dirCommand,
  labCommand,
  boardCommand,
  ledCommand,
  identifyCommand,
  netCommand,
  snmpCommand,
];
