// One load generator process of the directory benchmark, run inside a board's namespace:
//   node dist/bench/directory/agent.js '<AgentSpec as JSON>'
// It opens one LDAP connection per simulated client and binds, then answers commands (one JSON line each on
// stdin, one JSON line each on stdout): add the tree or the engines, load content entries, run writes or
// searches. It exits on `exit`, when stdin closes (the orchestrator is gone) or after its lifetime.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { encodeOp } from "../../firmware/src/directory/codec/ldap-ops.js";
import type { Entry } from "../../firmware/src/directory/model/types.js";
import { drive, expect, type Job } from "./drive.js";
import { LdapConnection } from "./ldap-connection.js";
import { encodeSearch } from "./ldap-wire.js";
import {
  now,
  numberArg,
  stringArg,
  type AgentSpec,
  type Command,
  type Reply,
  type RunReport,
} from "./protocol.js";
import {
  engineEntries,
  expectedEntries,
  loadOp,
  searchSpec,
  treeEntries,
  writeOp,
  type SearchKind,
} from "./workload.js";

type Handler = (args: Record<string, unknown>) => Promise<unknown>;

function write(line: Reply | { event: "ready"; pid: number }): void {
  process.stdout.write(JSON.stringify(line) + "\n");
}

const addJob = (op: ReturnType<typeof loadOp>): Job => ({
  encode: (id) => encodeOp(id, op),
  check: expect(null),
});

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "") as AgentSpec;
  const password = readFileSync(spec.passwordFile, "utf8").trim();
  const connections = new Map<number, LdapConnection>();
  const exit = (code: number): void => {
    for (const c of connections.values()) c.close();
    setTimeout(() => process.exit(code), 100);
  };
  setTimeout(() => exit(3), spec.lifetimeMs).unref();
  process.stdin.on("end", () => exit(0));
  process.on("SIGTERM", () => exit(0));

  for (const client of spec.clients) {
    const conn = await LdapConnection.open(spec.host, spec.port);
    await conn.bind(spec.bindDn, password);
    connections.set(client, conn);
  }
  const first = new Map([...connections].slice(0, 1));
  const deadline = (args: Record<string, unknown>): number => now() + numberArg(args, "seconds") * 1000;

  const handlers: Record<string, Handler> = {
    /** Adds entries one by one on the first connection: the tree (slapd only) or the engines. */
    entries: (args) => {
      const list: Entry[] = args.which === "tree" ? treeEntries(spec.suffix) : engineEntries(spec.suffix);
      return drive(first, {
        job: (_, k) => {
          const e = list[k];
          return e ? addJob({ type: "add", dn: e.dn, attributes: e.attributes }) : null;
        },
        deadline: null,
        keepLatencies: false,
      });
    },
    /** Adds content entries `from` .. `to` - 1, the clients taking the next index as they get free. */
    load: (args) => {
      let next = numberArg(args, "from");
      const to = numberArg(args, "to");
      return drive(connections, {
        job: () => (next < to ? addJob(loadOp(spec.suffix, next++)) : null),
        deadline: null,
        keepLatencies: false,
      });
    },
    /** The write mix for `seconds`, or `perClient` writes per client. */
    write: (args) => {
      const run = stringArg(args, "run");
      const perClient = typeof args.perClient === "number" ? args.perClient : Infinity;
      return drive(connections, {
        job: (client, k) => (k < perClient ? addJob(writeOp(spec.suffix, run, client, k)) : null),
        deadline: typeof args.seconds === "number" ? deadline(args) : null,
        keepLatencies: true,
      });
    },
    /** Searches of `kind` for `seconds`; equality searches pick one of the `loaded` entries at random. */
    search: (args) => {
      const kind = stringArg(args, "kind") as SearchKind;
      const loaded = numberArg(args, "loaded");
      const check = expect(expectedEntries(kind));
      return drive(connections, {
        job: () => {
          const s = searchSpec(spec.suffix, kind, Math.floor(Math.random() * loaded));
          return { encode: (id) => encodeSearch(id, s), check };
        },
        deadline: deadline(args),
        keepLatencies: true,
      });
    },
    exit: () => {
      setImmediate(() => exit(0));
      return Promise.resolve(null);
    },
  };

  createInterface({ input: process.stdin }).on("line", (line) => {
    let command: Command;
    try {
      command = JSON.parse(line) as Command;
    } catch {
      return;
    }
    const handler = handlers[command.cmd];
    if (!handler) {
      write({ seq: command.seq, ok: false, error: `unknown command '${command.cmd}'` });
      return;
    }
    handler(command.args ?? {}).then(
      (result) => write({ seq: command.seq, ok: true, result: result as RunReport | null }),
      (err: unknown) => write({ seq: command.seq, ok: false, error: (err as Error).message ?? String(err) }),
    );
  });
  write({ event: "ready", pid: process.pid });
}

main().catch((err: unknown) => {
  process.stderr.write(`agent failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
});
