// `iss dir`: the directory from the command line, in LDIF (RFC 2849): search, get, add, modify, delete, import
// and export against any LDAP server (the SM, an SE replica, or slapd), and `status` from the daemon's control
// socket. An LDAP failure prints `iss dir: <operation> <dn>: <result name> (<code>): <message>` and exits
// with the result code, like ldap-utils; referrals are printed, or followed once with --follow-referrals.
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { fail } from "../command.js";
import { connectDaemon } from "../control-target.js";
import { formatLdif } from "../../directory/ldif/format.js";
import { parseLdif } from "../../directory/ldif/parse.js";
import type { Entry, Scope } from "../../directory/model/types.js";
import { importEntries, type ImportItem } from "../dir/import.js";
import { DirError } from "../dir/ldap-client.js";
import { DirSession } from "../dir/session.js";
import { renderDirStatus, type DirStatus } from "../dir/status.js";
import { resolveTarget, targetOptions, type TargetValues } from "../dir/target.js";
import { parentsFirst } from "../dir/tree-order.js";

const conn = "[--uri ldap[s]://HOST:PORT [--bind-dn DN --password-file FILE] [--ca-file FILE] | -c CONFIG]";
const usage = [
  `iss dir search ${conn} [-b BASE] [-s base|one|sub] [-z SIZELIMIT] [FILTER] [ATTR...]`,
  `iss dir get ${conn} DN [ATTR...]`,
  `iss dir add ${conn} [--follow-referrals] [FILE|-]`,
  `iss dir modify ${conn} [--follow-referrals] [FILE|-]`,
  `iss dir delete ${conn} [--follow-referrals] DN...`,
  `iss dir import ${conn} [--follow-referrals] FILE`,
  `iss dir export ${conn} [-b BASE] [-o FILE]`,
  "iss dir status [--socket PATH | --config FILE] [--json]",
].join("\n       ");

const writeVerbs = new Set(["add", "modify", "delete", "import"]);
const scopes: readonly Scope[] = ["base", "one", "sub"];
const shownFailures = 5;

type Values = TargetValues & {
  base?: string;
  scope?: string;
  "size-limit"?: string;
  output?: string;
  "follow-referrals"?: boolean;
};

class UsageError extends Error {}

function readInput(file: string | undefined): string {
  return readFileSync(file === undefined || file === "-" ? 0 : file, "utf8");
}

function exitCodeOf(err: DirError): number {
  return err.code > 0 && err.code < 256 ? err.code : 1;
}

function report(err: unknown): number {
  if (err instanceof UsageError) return fail(`${err.message}\nusage: ${usage}`);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`iss dir: ${message}\n`);
  if (!(err instanceof DirError)) return 1;
  for (const url of err.referrals) process.stderr.write(`iss dir: referral: ${url}\n`);
  return exitCodeOf(err);
}

/** -b BASE, else the config's directory.suffix, else the server's first naming context (root DSE). */
async function searchBase(session: DirSession, values: Values, suffix: string | undefined): Promise<string> {
  if (values.base !== undefined) return values.base;
  if (suffix !== undefined) return suffix;
  const contexts: string[] = [];
  await session.client.search(
    "",
    { scope: "base", filter: "(objectClass=*)", attributes: ["namingContexts"], sizeLimit: 1 },
    (rootDse) => contexts.push(...(rootDse.attributes.namingContexts ?? [])),
    "search root DSE",
  );
  const first = contexts[0];
  if (first === undefined) throw new UsageError("the server names no naming context; give -b BASE");
  return first;
}

async function search(session: DirSession, values: Values, suffix: string | undefined, args: string[]) {
  const [filter = "(objectClass=*)", ...attributes] = args;
  const scope = (values.scope ?? "sub") as Scope;
  if (!scopes.includes(scope)) throw new UsageError(`-s ${scope}: expected base, one or sub`);
  const sizeLimit = Number(values["size-limit"] ?? 0);
  if (!Number.isSafeInteger(sizeLimit) || sizeLimit < 0)
    throw new UsageError("-z needs a count (0: no limit)");
  const references = await session.client.search(
    await searchBase(session, values, suffix),
    { scope, filter, attributes, sizeLimit },
    (entry) => process.stdout.write(formatLdif([entry])),
  );
  for (const url of references) process.stdout.write(`# search reference: ${url}\n\n`);
  return 0;
}

async function get(session: DirSession, args: string[]): Promise<number> {
  const [dn, ...attributes] = args;
  if (dn === undefined) throw new UsageError("get needs a DN");
  const found: Entry[] = [];
  await session.client.search(
    dn,
    { scope: "base", filter: "(objectClass=*)", attributes, sizeLimit: 1 },
    (entry) => found.push(entry),
    "get",
  );
  process.stdout.write(formatLdif(found));
  return 0;
}

async function applyFile(session: DirSession, verb: "add" | "modify", file: string | undefined) {
  const records = parseLdif(readInput(file));
  for (const record of records) {
    const op =
      record.kind === "entry"
        ? { type: "add" as const, dn: record.entry.dn, attributes: record.entry.attributes }
        : record.change;
    if (verb === "add" && op.type !== "add")
      throw new Error(
        `line ${record.line}: 'iss dir add' takes entries and add records; use 'iss dir modify'`,
      );
    await session.run((client) => client.apply(op));
    process.stdout.write(
      `${op.type === "add" ? "added" : op.type === "delete" ? "deleted" : "modified"} ${op.dn}\n`,
    );
  }
  return 0;
}

async function remove(session: DirSession, dns: string[]): Promise<number> {
  if (dns.length === 0) throw new UsageError("delete needs at least one DN");
  for (const dn of dns) {
    await session.run((client) => client.delete(dn));
    process.stdout.write(`deleted ${dn}\n`);
  }
  return 0;
}

async function importFile(session: DirSession, file: string | undefined): Promise<number> {
  if (file === undefined) throw new UsageError("import needs a FILE");
  const items: ImportItem[] = parseLdif(readInput(file)).map((record) => {
    if (record.kind === "entry") return { entry: record.entry, line: record.line };
    if (record.change.type === "add")
      return { entry: { dn: record.change.dn, attributes: record.change.attributes }, line: record.line };
    throw new Error(`line ${record.line}: import takes entries and add records, not ${record.change.type}`);
  });
  const result = await importEntries(session, items);
  const seconds = result.elapsedMs / 1000;
  process.stdout.write(
    `imported ${result.added} of ${items.length} entries from ${file} in ${seconds.toFixed(2)} s` +
      ` (${(result.added / Math.max(seconds, 1e-3)).toFixed(0)}/s), ${result.failures.length} failed\n`,
  );
  for (const { line, error } of result.failures.slice(0, shownFailures))
    process.stderr.write(`iss dir: line ${line}: ${error.message}\n`);
  if (result.failures.length > shownFailures)
    process.stderr.write(`iss dir: ... and ${result.failures.length - shownFailures} more failures\n`);
  const first = result.failures[0]?.error;
  if (first === undefined) return 0;
  return first instanceof DirError ? exitCodeOf(first) : 1;
}

async function exportTree(session: DirSession, values: Values, suffix: string | undefined): Promise<number> {
  const entries: Entry[] = [];
  await session.client.search(
    await searchBase(session, values, suffix),
    { scope: "sub", filter: "(objectClass=*)", attributes: [], sizeLimit: 0 },
    (entry) => entries.push(entry),
    "export",
  );
  const text = formatLdif(parentsFirst(entries));
  if (values.output === undefined) process.stdout.write(text);
  else {
    writeFileSync(values.output, text);
    process.stderr.write(`exported ${entries.length} entries to ${values.output}\n`);
  }
  return 0;
}

async function status(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      socket: { type: "string" },
      config: { type: "string", short: "c" },
      json: { type: "boolean", default: false },
    },
  });
  const client = await connectDaemon(values);
  try {
    const s = await client.call<DirStatus>("dir.status");
    process.stdout.write(values.json ? JSON.stringify(s, null, 2) + "\n" : renderDirStatus(s));
    return 0;
  } finally {
    client.close();
  }
}

async function ldapCommand(verb: string, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...targetOptions,
      base: { type: "string", short: "b" },
      scope: { type: "string", short: "s" },
      "size-limit": { type: "string", short: "z" },
      output: { type: "string", short: "o" },
    },
  });
  const target = resolveTarget(values, writeVerbs.has(verb) ? "write" : "read");
  const session = await DirSession.open(target.connect, values["follow-referrals"]);
  try {
    switch (verb) {
      case "search":
        return await search(session, values, target.suffix, positionals);
      case "get":
        return await get(session, positionals);
      case "add":
      case "modify":
        return await applyFile(session, verb, positionals[0]);
      case "delete":
        return await remove(session, positionals);
      case "import":
        return await importFile(session, positionals[0]);
      default:
        return await exportTree(session, values, target.suffix);
    }
  } finally {
    await session.close();
  }
}

const verbs = new Set(["search", "get", "add", "modify", "delete", "import", "export", "status"]);

export const dirCommand: Command = {
  name: "dir",
  summary: "search and change the directory in LDIF, export and import it, show its replication status",
  usage,
  async run(argv) {
    const [verb, ...rest] = argv;
    if (verb === "--help" || verb === "-h" || rest.includes("--help"))
      return (process.stdout.write(`usage: ${usage}\n`), 0);
    if (verb === undefined || !verbs.has(verb)) return fail(`usage: ${usage}`);
    try {
      return verb === "status" ? await status(rest) : await ldapCommand(verb, rest);
    } catch (err) {
      if (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"))
        return report(new UsageError(err.message));
      return report(err);
    }
  },
};
