// `iss lab up|down|status|fault`: the virtual lab (one bridge as the switch, one network namespace and
// daemon per board) from the command line; the work is done by hil-tests/lab.
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { fail } from "../command.js";
import {
  canBuildLab,
  createLab,
  defaultRate,
  destroyLab,
  faultUsage,
  openLab,
  parseFault,
  privilegeMessage,
} from "../../../../hil-tests/lab/index.js";
import { renderLab, renderStatus } from "../../../../hil-tests/lab/report.js";
import { runDemo } from "../../../../hil-tests/lab/demo.js";

const usage = [
  "iss lab up --boards N [--name LAB] [--rate 1gbit|100mbit|none] [--failover] [--no-daemons] [--json]",
  "iss lab down [--name LAB] [--json]",
  "iss lab status [--name LAB] [--json]",
  `iss lab fault [--name LAB] --board N ${faultUsage}`,
  "iss lab demo [--boards N] [--name LAB] [--seconds S]   (what npm start runs)",
].join("\n       ");

const options = {
  name: { type: "string", default: "lab" },
  boards: { type: "string" },
  board: { type: "string" },
  rate: { type: "string", default: defaultRate },
  "no-daemons": { type: "boolean", default: false },
  failover: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  seconds: { type: "string" },
  help: { type: "boolean", default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>["values"];

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + "\n" : text);
}

function integer(value: string | undefined, flag: string): number {
  if (value === undefined || !/^[0-9]+$/.test(value)) throw new Error(`${flag} needs a number`);
  return Number(value);
}

async function up(values: Values): Promise<number> {
  const lab = await createLab({
    name: values.name,
    boards: integer(values.boards, "--boards"),
    rate: values.rate,
    daemons: !values["no-daemons"],
    failover: values.failover,
  });
  print(values.json, lab.describe(), renderLab(lab.describe()));
  return 0;
}

async function down(values: Values): Promise<number> {
  const report = await destroyLab(values.name);
  const text = `lab ${report.name} down: ${report.namespaces.length} namespace(s) deleted, ${report.processes.length} process(es) ended\n`;
  print(values.json, report, text);
  return 0;
}

async function status(values: Values): Promise<number> {
  const lab = openLab(values.name);
  const boards = await lab.status();
  print(values.json, { name: lab.name, boards }, renderStatus(lab.describe(), boards));
  return 0;
}

async function fault(values: Values, args: string[]): Promise<number> {
  const board = integer(values.board, "--board");
  const injected = parseFault(args);
  const lab = openLab(values.name);
  await lab.fault(board, injected);
  process.stdout.write(
    `lab ${lab.name} board ${board}: ${args.join(" ")} (pid ${lab.board(board).pid ?? "-"})\n`,
  );
  return 0;
}

async function demo(values: Values): Promise<number> {
  await runDemo({
    name: values.name === "lab" ? "demo" : values.name,
    boards: values.boards === undefined ? 5 : integer(values.boards, "--boards"),
    rate: values.rate,
    seconds: values.seconds === undefined ? undefined : integer(values.seconds, "--seconds"),
  });
  return 0;
}

export const labCommand: Command = {
  name: "lab",
  summary: "virtual lab: a bridge as the switch, one network namespace and daemon per board",
  usage: `usage: ${usage}`,
  async run(argv) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    } catch (err) {
      return fail(`${(err as Error).message}\n${this.usage}`);
    }
    const [sub, ...args] = parsed.positionals;
    if (parsed.values.help) {
      process.stdout.write(this.usage + "\n");
      return 0;
    }
    const handlers: Record<string, () => Promise<number>> = {
      up: () => up(parsed.values),
      down: () => down(parsed.values),
      status: () => status(parsed.values),
      fault: () => fault(parsed.values, args),
      demo: () => demo(parsed.values),
    };
    const handler = sub === undefined ? undefined : handlers[sub];
    if (handler === undefined || (sub !== "fault" && args.length > 0)) return fail(`usage: ${usage}`);
    if (!canBuildLab()) {
      process.stderr.write(`iss: ${privilegeMessage}\n`);
      return 1;
    }
    try {
      return await handler();
    } catch (err) {
      process.stderr.write(`iss lab ${sub ?? ""}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  },
};
