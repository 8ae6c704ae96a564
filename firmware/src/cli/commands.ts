// The table of `iss` subcommands.
import type { Command } from "./command.js";
import { checkConfigCommand } from "./commands/check-config.js";
import { dirCommand } from "./commands/dir.js";
import { labCommand } from "./commands/lab.js";
import { rmtpCommand } from "./commands/rmtp.js";
import { runCommand } from "./commands/run.js";
import { statusCommand } from "./commands/status.js";

export const commands: readonly Command[] = [
  runCommand,
  checkConfigCommand,
  statusCommand,
  rmtpCommand,
  dirCommand,
  labCommand,
];
