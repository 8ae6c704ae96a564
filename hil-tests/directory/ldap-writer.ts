// A write-stream client for the directory's system tests, run inside a board's namespace: keeps
// `--clients` LDAP connections busy with adds of content locations, then paired modifies that replace two
// attributes together (issContentSize and description must always agree: a half-applied modify shows), and
// prints one JSON line per operation: {op, dn, outcome: "acked" | "refused" | "unknown", code?, size?, sent, at}.
// "unknown" means the connection broke before an answer, or the server answered busy (51), unavailable
// (52) or other (80), which an SM also says of a write it stored but could not see acknowledged (it lost
// its role meanwhile): the write may or may not have happened.
// Usage: node ldap-writer.js URI BIND_DN PASSWORD_FILE PREFIX COUNT CLIENTS
import { readFileSync } from "node:fs";
import ldapjs from "ldapjs";

const [uri = "", bindDn = "", passwordFile = "", prefix = "w", countText = "100", clientsText = "4"] =
  process.argv.slice(2);
const suffix = bindDn.slice(bindDn.indexOf(",") + 1);
const password = readFileSync(passwordFile, "utf8").trim();
const count = Number(countText);
const outcomeUnknown = new Set([51, 52, 80]);
let next = 0;
let stopping = false;
process.on("SIGTERM", () => (stopping = true));

interface Result {
  code: number;
  message: string;
}

function emit(record: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ ...record, at: Date.now() }) + "\n");
}

/** Pending callbacks per client: a broken connection fails them (ldapjs may never call back then). */
const pending = new WeakMap<ldapjs.Client, Set<(err: Error) => void>>();

function call(client: ldapjs.Client, f: (cb: (err: Error | null) => void) => void): Promise<Result> {
  return new Promise((resolve, reject) => {
    const waiting = pending.get(client);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    const timer = setTimeout(() => {
      waiting?.delete(fail);
      reject(new Error("no answer within 20 s"));
    }, 20_000);
    waiting?.add(fail);
    f((err) => {
      clearTimeout(timer);
      waiting?.delete(fail);
      if (!err) resolve({ code: 0, message: "" });
      else if (typeof (err as { code?: unknown }).code === "number") {
        resolve({ code: (err as unknown as { code: number }).code, message: err.message });
      } else reject(err);
    });
  });
}

async function connect(): Promise<ldapjs.Client> {
  const client = ldapjs.createClient({ url: uri, connectTimeout: 5000, reconnect: false });
  const waiting = new Set<(err: Error) => void>();
  pending.set(client, waiting);
  const broken = (why: string) => (): void => {
    for (const fail of [...waiting]) fail(new Error(why));
    waiting.clear();
  };
  client.on("error", broken("connection error"));
  client.on("close", broken("connection closed"));
  client.on("connectError", broken("connect failed"));
  const r = await call(client, (cb) => client.bind(bindDn, password, cb));
  if (r.code !== 0) throw new Error(`bind failed: ${r.code} ${r.message}`);
  return client;
}

/** Connects and binds, retrying every 100 ms while the server is down (nothing was sent yet). */
async function connected(): Promise<ldapjs.Client | undefined> {
  while (!stopping) {
    try {
      return await connect();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return undefined;
}

async function worker(): Promise<void> {
  let client: ldapjs.Client | undefined;
  while (!stopping) {
    client ??= await connected();
    if (!client) break;
    const i = next++;
    if (i >= count) break;
    const dn = `issContentId=${prefix}-${i},ou=content,${suffix}`;
    const steps: Array<{ op: string; size: number; run: (c: ldapjs.Client) => Promise<Result> }> = [
      {
        op: "add",
        size: i,
        run: (c) =>
          call(c, (cb) =>
            c.add(
              dn,
              {
                objectClass: "issContentLocation",
                issContentId: `${prefix}-${i}`,
                issContentServer: `cn=b1,ou=switches,${suffix}`,
                issServerKind: "cache",
                issContentState: "active",
                issContentSize: String(i),
                description: `size ${i}`,
              },
              cb,
            ),
          ),
      },
      {
        op: "modify",
        size: i + 1_000_000,
        run: (c) =>
          call(c, (cb) =>
            c.modify(
              dn,
              [
                new ldapjs.Change({
                  operation: "replace",
                  modification: new ldapjs.Attribute({
                    type: "issContentSize",
                    values: [String(i + 1_000_000)],
                  }),
                }),
                new ldapjs.Change({
                  operation: "replace",
                  modification: new ldapjs.Attribute({
                    type: "description",
                    values: [`size ${i + 1_000_000}`],
                  }),
                }),
              ],
              cb,
            ),
          ),
      },
    ];
    for (const step of steps) {
      if (!client) break;
      const sent = Date.now();
      try {
        const r = await step.run(client);
        emit({
          op: step.op,
          dn,
          size: step.size,
          outcome: r.code === 0 ? "acked" : outcomeUnknown.has(r.code) ? "unknown" : "refused",
          code: r.code,
          sent,
        });
        if (r.code !== 0) break;
      } catch (err) {
        emit({ op: step.op, dn, size: step.size, outcome: "unknown", error: String(err), sent });
        client.destroy();
        client = undefined;
        break;
      }
    }
  }
  client?.unbind();
}

await Promise.all(Array.from({ length: Number(clientsText) }, () => worker()));
emit({ done: true, issued: Math.min(next, count) });
