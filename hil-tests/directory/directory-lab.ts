// The directory's system tests on the virtual lab: a lab whose boards run real `iss run` daemons with the
// directory on, Debian's ldap-utils run inside a board's namespace against any board's service address,
// and a replica snapshot (every entry and value, normalised) to compare boards entry by entry.
import type { ExecutionContext } from "ava";
import { readFileSync } from "node:fs";
import { ControlClient } from "../../firmware/src/control/client.js";
import type { DirectoryStatus } from "../../firmware/src/directory/service/sm-directory.js";
import { labAdminDn, labSuffix } from "../lab/configs.js";
import { CommandError, createLab, destroyLab, inNetns, systemTool, type Lab } from "../lab/index.js";
import { run } from "../lab/netns.js";
import { failureReport } from "../rmtp/failure-report.js";
import { pollUntil, systemTestLabName } from "../rmtp/group-under-test.js";

export { labAdminDn, labSuffix };

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DirectoryLab {
  lab: Lab;
  /** Runs an ldap-utils tool inside board `from`'s namespace against board `to` (simple bind as admin). */
  ldap(
    tool: string,
    to: number,
    args: string[],
    options?: { from?: number; input?: string; bind?: boolean },
  ): Promise<ToolResult>;
  status(board: number): Promise<DirectoryStatus | undefined>;
  snapshot(board: number): Promise<Map<string, string[]>>;
}

export async function startDirectoryLab(
  t: ExecutionContext,
  options: { boards: number; changeLogSize?: number; failover?: boolean },
): Promise<DirectoryLab> {
  const name = systemTestLabName();
  const opened: Lab[] = [];
  t.teardown(async () => {
    const lab = opened[0];
    if (!t.passed && lab) process.stderr.write(`lab ${name} after a failure:\n${await failureReport(lab)}\n`);
    await destroyLab(name);
  });
  const lab = await createLab({
    name,
    boards: options.boards,
    ...(options.changeLogSize ? { changeLogSize: options.changeLogSize } : {}),
    ...(options.failover ? { failover: true } : {}),
  });
  opened.push(lab);
  const state = lab.describe();
  const clients = new Map<number, ControlClient>();
  t.teardown(() => {
    for (const c of clients.values()) c.close();
  });
  const dl: DirectoryLab = {
    lab,
    async ldap(tool, to, args, o = {}) {
      const target = lab.board(to);
      const bind = o.bind === false ? [] : ["-D", labAdminDn, "-y", state.directoryPasswordFile];
      const argv = inNetns(lab.board(o.from ?? to).namespace, [
        systemTool(tool),
        "-x",
        "-H",
        `ldap://${target.address}`,
        ...bind,
        ...args,
      ]);
      try {
        const r = await run(argv, {
          ...(o.input !== undefined ? { input: o.input } : {}),
          timeoutMs: 60_000,
        });
        return { code: 0, ...r };
      } catch (err) {
        if (err instanceof CommandError) return { code: err.exitCode ?? -1, stdout: "", stderr: err.stderr };
        throw err;
      }
    },
    async status(board) {
      let client = clients.get(board);
      if (!client) {
        client = await ControlClient.connect(lab.board(board).controlSocket).catch(() => undefined);
        if (!client) return undefined;
        clients.set(board, client);
      }
      return client.call<DirectoryStatus>("dir.status").catch(() => {
        clients.get(board)?.close();
        clients.delete(board);
        return undefined;
      });
    },
    async snapshot(board) {
      const r = await dl.ldap("ldapsearch", board, [
        "-LLL",
        "-o",
        "ldif-wrap=no",
        "-b",
        labSuffix,
        "(objectClass=*)",
      ]);
      if (r.code !== 0) throw new Error(`ldapsearch on b${board} failed (${r.code}): ${r.stderr}`);
      return parseSnapshot(r.stdout);
    },
  };
  const ses = lab.boards.filter((b) => b.role !== "sm").map((b) => b.index);
  const sm = await pollUntil(
    () => dl.status(1),
    (s) => s !== undefined && s.replicas.length === ses.length && s.replicas.every((r) => r.lag === 0),
    30_000,
    200,
  );
  if (!sm || sm.replicas.length !== ses.length) {
    const log = readFileSync(lab.board(1).logPath, "utf8").split("\n").slice(-15).join("\n");
    throw new Error(`directory did not form: SM status ${JSON.stringify(sm)}; b1 log ends:\n${log}`);
  }
  return dl;
}

/** Entries of `ldapsearch -LLL -o ldif-wrap=no` keyed by lowercased DN, each a sorted list of lines. */
export function parseSnapshot(ldif: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const block of ldif.split(/\n\n+/)) {
    const lines = block.split("\n").filter((l) => l.trim() !== "");
    const dn = lines.find((l) => l.startsWith("dn: ") || l.startsWith("dn:: "));
    if (!dn) continue;
    out.set(dn.toLowerCase(), lines.filter((l) => l !== dn).sort());
  }
  return out;
}

/** The entries that differ between two snapshots, for an assertion message. */
export function snapshotDiff(a: Map<string, string[]>, b: Map<string, string[]>): string[] {
  const diffs: string[] = [];
  for (const [dn, lines] of a) {
    const other = b.get(dn);
    if (!other) diffs.push(`only in first: ${dn}`);
    else if (other.join("\n") !== lines.join("\n")) diffs.push(`differs: ${dn}`);
  }
  for (const dn of b.keys()) if (!a.has(dn)) diffs.push(`only in second: ${dn}`);
  return diffs;
}
