#!/usr/bin/env node
// The `iss` command line: one subcommand per file in commands/, dispatched by name.
import { commands } from "./commands.js";
import { usage } from "./usage.js";

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(usage(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`iss: unknown command '${name}'\n\n${usage(commands)}`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`iss: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
