// Renders the top-level help text from the command table.
import type { Command } from "./command.js";

export function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: iss COMMAND [ARGS]\n\ncommands:\n${lines.join("\n")}\n\n'iss COMMAND --help' shows a command's usage.\n`;
}
