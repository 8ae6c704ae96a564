// `iss check-config FILE`: validates a config file and lists every error with its field path.
import type { Command } from "../command.js";
import { fail } from "../command.js";
import { loadConfigFile } from "../../config/load.js";

export const checkConfigCommand: Command = {
  name: "check-config",
  summary: "validate a config file; print every error with its field path",
  usage: "iss check-config FILE",
  run(argv) {
    const [file, extra] = argv;
    if (file === undefined || file === "--help" || extra !== undefined) {
      return Promise.resolve(
        file === "--help" ? (process.stdout.write(this.usage + "\n"), 0) : fail(`usage: ${this.usage}`),
      );
    }
    const result = loadConfigFile(file);
    if (!result.ok) {
      for (const e of result.errors) process.stderr.write(`${file}: ${e.path}: ${e.message}\n`);
      process.stderr.write(`${file}: ${result.errors.length} error(s)\n`);
      return Promise.resolve(1);
    }
    const { node } = result.value.config;
    process.stdout.write(`${file}: ok (node ${node.name}, id ${node.id}, role ${node.role})\n`);
    return Promise.resolve(0);
  },
};
