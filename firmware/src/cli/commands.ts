// The table of `iss` subcommands.
import type { Command } from "./command.js";
import { checkConfigCommand } from "./commands/check-config.js";
import { labCommand } from "./commands/lab.js";

export const commands: readonly Command[] = [checkConfigCommand, labCommand];
