// The SNMP system tests' lab: a lab named sn + 4 random characters (torn down in t.teardown, with the
// daemons' notable log lines after a failure), ready once every board's daemon answers and the SM sees
// every board; each board's SNMPv3 credentials as Net-SNMP's tools take them; the SM's control op
// snmp.request; and Net-SNMP tools run inside a board's namespace.
import type { ExecutionContext } from "ava";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { ControlClient } from "../../firmware/src/control/client.js";
import type { DaemonStatus } from "../../firmware/src/daemon/daemon.js";
import { snmpSecretFiles, snmpUserName } from "../lab/configs.js";
import { createLab, destroyLab, type CreateLabOptions, type Lab } from "../lab/index.js";
import { failureReport } from "../rmtp/failure-report.js";
import { pollUntil } from "../rmtp/group-under-test.js";
import { mibDirs } from "../../firmware/test/helpers/snmp-tools.js";

export const mibArgs = ["-M", `+:${mibDirs}`, "-m", "+ISS-MIB"];

export function snmpLabName(): string {
  return "sn" + [...randomBytes(4)].map((b) => (b % 36).toString(36)).join("");
}

export async function call<T>(
  lab: Lab,
  board: number,
  op: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const client = await ControlClient.connect(lab.board(board).controlSocket, 1000);
  try {
    return await client.call<T>(op, args);
  } finally {
    client.close();
  }
}

export function status(lab: Lab, board: number): Promise<DaemonStatus | null> {
  return call<DaemonStatus>(lab, board, "status").catch(() => null);
}

/** Builds a lab and waits until board `sm` manages a group of every board. */
export async function startSnmpLab(
  t: ExecutionContext,
  options: Omit<CreateLabOptions, "name">,
  sm = 1,
  formTimeoutMs = 20_000,
): Promise<Lab> {
  const name = snmpLabName();
  const opened: Lab[] = [];
  t.teardown(async () => {
    const [lab] = opened;
    if (!t.passed && lab) process.stderr.write(`lab ${name} after a failure:\n${await failureReport(lab)}\n`);
    await destroyLab(name);
  });
  const lab = await createLab({ name, ...options });
  opened.push(lab);
  t.log(`lab ${name}: ${options.boards} boards`);
  if (options.daemons !== false) await waitFormed(t, lab, sm, formTimeoutMs);
  return lab;
}

export async function waitFormed(
  t: ExecutionContext,
  lab: Lab,
  sm: number,
  timeoutMs: number,
): Promise<void> {
  const formed = await pollUntil(
    () => status(lab, sm),
    (s) => s?.rmtp.manager?.self === true && s.rmtp.members.length === lab.boards.length,
    timeoutMs,
    100,
  );
  if (formed?.rmtp.members.length !== lab.boards.length)
    t.fail(`the group did not form: ${JSON.stringify(formed?.rmtp.members)}`);
}

/** snmpget-style options for board `index`'s own user (authPriv, SHA-256, AES-128), read from its files. */
export function v3Args(lab: Lab, index: number): string[] {
  const board = lab.board(index);
  const files = snmpSecretFiles(board);
  return [
    "-v3",
    "-l",
    "authPriv",
    "-u",
    snmpUserName(board),
    "-a",
    "SHA-256",
    "-A",
    readFileSync(files.authPasswordFile, "utf8"),
    "-x",
    "AES",
    "-X",
    readFileSync(files.privPasswordFile, "utf8"),
  ];
}

/** A Net-SNMP tool run in board `from`'s namespace against board `to`'s agent. */
export async function tool(lab: Lab, from: number, to: number, cmd: string, args: string[]): Promise<string> {
  const r = await lab.runInBoard(from, [
    cmd,
    ...mibArgs,
    "-r",
    "2",
    "-t",
    "2",
    ...v3Args(lab, to),
    lab.board(to).address,
    ...args,
  ]);
  return r.stdout;
}
