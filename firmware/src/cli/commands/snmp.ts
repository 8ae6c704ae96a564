// `iss snmp get|getnext|set`: one multicast management request from the SM (the daemon's control op
// `snmp.request`) to every member or a named subset; prints a table of each board's answer and the boards
// that did not answer (or --json). OIDs are numeric or ISS-MIB names such as issUnitRole.0; a SET takes
// OID TYPE VALUE triplets as snmpset does (i, u, c, t, s, x, a, o).
import { parseArgs } from "node:util";
import { loadConfigFile } from "../../config/load.js";
import { documentationEnterprise, enterprisesArc, issObjects } from "../../snmp/mib/iss.js";
import { formatOid, parseOid } from "../../snmp/mib/oid.js";
import type { JsonVarbind } from "../../snmp/format.js";
import type { Command } from "../command.js";
import { fail } from "../command.js";
import { connectDaemon, controlOptions } from "../control-target.js";

interface Answer {
  requestId: number;
  elapsedMs: number;
  results: Array<{
    id: number;
    name: string;
    errorStatus: string;
    errorIndex: number;
    varbinds: JsonVarbind[];
  }>;
  missing: string[];
  duplicates: number;
}

const usage =
  "iss snmp get|getnext|set [--all | --members a,b] [--timeout MS] [--json] [--socket PATH | --config FILE] OID... (set: OID TYPE VALUE ...)";

function resolveOid(text: string, enterprise: number): string {
  const [name = "", ...index] = text.replace(/^ISS-MIB::/, "").split(".");
  const object = issObjects.find((o) => o.name === name);
  if (!object) return formatOid(parseOid(text));
  if (index.length === 0 || index.some((n) => !/^\d+$/.test(n)))
    throw new Error(`${text}: give the instance, as in ${name}.0`);
  return formatOid([...enterprisesArc, enterprise, ...object.oid, ...index.map(Number)]);
}

function varbindArgs(pdu: string, args: string[], enterprise: number) {
  if (pdu !== "set") return args.map((oid) => ({ oid: resolveOid(oid, enterprise) }));
  if (args.length % 3 !== 0) throw new Error("set takes OID TYPE VALUE triplets");
  const out = [];
  for (let i = 0; i < args.length; i += 3)
    out.push({ oid: resolveOid(args[i] as string, enterprise), type: args[i + 1], value: args[i + 2] });
  return out;
}

function table(a: Answer): string {
  const rows: string[][] = [["BOARD", "STATUS", "OID", "TYPE", "VALUE"]];
  for (const r of a.results) {
    const status = r.errorStatus === "noError" ? "ok" : `${r.errorStatus}@${r.errorIndex}`;
    for (const v of r.varbinds) rows.push([r.name, status, v.oid, v.type, String(v.value)]);
    if (r.varbinds.length === 0) rows.push([r.name, status, "", "", ""]);
  }
  for (const name of a.missing) rows.push([name, "no answer", "", "", ""]);
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  const lines = rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  lines.push(`${a.results.length} answered, ${a.missing.length} did not, in ${a.elapsedMs} ms`);
  return lines.join("\n") + "\n";
}

export const snmpCommand: Command = {
  name: "snmp",
  summary: "GET, GETNEXT or SET on every board at once (multicast management from the SM)",
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...controlOptions,
        all: { type: "boolean" },
        members: { type: "string" },
        timeout: { type: "string", default: "2000" },
        json: { type: "boolean" },
        help: { type: "boolean" },
      },
    });
    if (values.help) {
      process.stdout.write(`usage: ${usage}\n`);
      return 0;
    }
    const [pdu, ...rest] = positionals;
    if (pdu !== "get" && pdu !== "getnext" && pdu !== "set") return fail(`usage: ${usage}`);
    if (rest.length === 0) return fail("name at least one OID");
    if (values.all && values.members) return fail("give --all or --members, not both");
    const members = values.members ? values.members.split(",").filter((m) => m !== "") : [];
    let enterprise = documentationEnterprise;
    if (values.config) {
      const loaded = loadConfigFile(values.config);
      if (loaded.ok) enterprise = loaded.value.config.snmp?.enterprise ?? enterprise;
    }
    let varbinds;
    try {
      varbinds = varbindArgs(pdu, rest, enterprise);
    } catch (err) {
      return fail((err as Error).message);
    }
    const client = await connectDaemon(values);
    try {
      const answer = await client.call<Answer>("snmp.request", {
        pdu,
        varbinds,
        members,
        timeoutMs: Number(values.timeout),
      });
      process.stdout.write(values.json ? JSON.stringify(answer, null, 2) + "\n" : table(answer));
      const failed = answer.missing.length > 0 || answer.results.some((r) => r.errorStatus !== "noError");
      return failed ? 1 : 0;
    } finally {
      client.close();
    }
  },
};
