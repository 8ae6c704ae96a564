// The shape of one `iss` subcommand and the helpers they share for argument errors.

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

export function fail(message: string): number {
  process.stderr.write(`iss: ${message}\n`);
  return 2;
}
