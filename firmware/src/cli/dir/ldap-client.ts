// The LDAP client of `iss dir`: ldapjs 3.0.7's Client behind promises that speak the directory model (Entry,
// Modification, ChangeOp). A failed operation rejects with DirError (operation, DN, result code, the server's
// message and any referral URLs). ldapjs drops a result's referral URLs when it turns the result into an
// error, so the client reads them from ldapjs's message parser before that (ldapjs is pinned to 3.0.7).
import ldapjs from "ldapjs";
import type { EventEmitter } from "node:events";
import type { ChangeOp, Entry, Modification, Scope } from "../../directory/model/types.js";
import { readableDn } from "./readable-dn.js";
import { referralCode, resultName } from "./result-names.js";
import { canonicalDn } from "./tree-order.js";

export interface ConnectOptions {
  uri: string;
  bindDn?: string;
  password?: string;
  /** PEM certificate(s) to trust for ldaps:// */
  ca?: Buffer;
  timeoutMs?: number;
}

export interface SearchOptions {
  scope: Scope;
  filter: string;
  attributes: string[];
  sizeLimit: number;
}

/** An LDAP result other than success, for one operation on one DN. */
export class DirError extends Error {
  constructor(
    readonly operation: string,
    readonly dn: string,
    readonly code: number,
    readonly serverMessage: string,
    readonly referrals: string[] = [],
  ) {
    super(`${operation} ${dn}: ${resultName(code)} (${code}): ${serverMessage}`);
    this.name = "DirError";
  }
}

interface LdapjsError {
  name: string;
  code: unknown;
  message: string;
}

interface ResultMessage {
  messageId: number;
  status?: number;
  referrals?: string[];
}

interface Tracker {
  parser: EventEmitter;
  fetch(
    id: number,
  ): { message: Record<"entry" | "object" | "baseObject", { toString(): string } | undefined> } | undefined;
}

interface EntryPojo {
  objectName: string;
  attributes: { type: string; values: string[] }[];
}

const transportErrors = new Set(["ConnectionError", "TimeoutError", "Error"]);

export class DirClient {
  /** Referral URLs of the last referral result per request DN (ldapjs's canonical string). */
  private readonly referrals = new Map<string, string[]>();

  private constructor(
    private readonly client: ldapjs.Client,
    readonly uri: string,
  ) {
    const tracker = (client as unknown as { _tracker: Tracker })._tracker;
    tracker.parser.prependListener("message", (m: ResultMessage) => {
      if (m.status !== referralCode || !m.referrals || m.referrals.length === 0) return;
      const request = tracker.fetch(m.messageId)?.message;
      const dn = request?.entry ?? request?.object ?? request?.baseObject;
      if (dn !== undefined) this.referrals.set(dn.toString(), m.referrals);
    });
  }

  /** Connects (and binds when bindDn is given); rejects with a readable Error or a DirError of the bind. */
  static async open(options: ConnectOptions): Promise<DirClient> {
    const timeout = options.timeoutMs ?? 10_000;
    const client = ldapjs.createClient({
      url: options.uri,
      connectTimeout: timeout,
      timeout,
      ...(options.ca ? { tlsOptions: { ca: [options.ca] } } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      const failed = (err: unknown): void => {
        client.removeAllListeners();
        client.on("error", () => undefined);
        client.destroy();
        reject(new Error(`cannot connect to ${options.uri}: ${(err as Error)?.message ?? String(err)}`));
      };
      client.once("connect", () => {
        client.off("connectError", failed).off("setupError", failed).off("connectTimeout", failed);
        resolve();
      });
      client.once("connectError", failed).once("setupError", failed).once("connectTimeout", failed);
      client.on("error", failed);
    });
    client.removeAllListeners("error");
    client.on("error", () => undefined);
    const dir = new DirClient(client, options.uri);
    if (options.bindDn !== undefined) {
      const bindDn = options.bindDn;
      await dir
        .call<void>("bind", bindDn, (done) => client.bind(bindDn, options.password ?? "", done))
        .catch((err: unknown) => {
          dir.close();
          throw err;
        });
    }
    return dir;
  }

  /** Runs a search; calls onEntry for every entry as it arrives; resolves with continuation references.
   *  `operation` names it in errors (`get`, `export`). */
  search(
    base: string,
    options: SearchOptions,
    onEntry: (entry: Entry) => void,
    operation = "search",
  ): Promise<string[]> {
    return new Promise<string[]>((resolve, reject) => {
      const references: string[] = [];
      const fail = (err: unknown): void => reject(this.error(operation, base, err));
      try {
        this.client.search(
          base,
          {
            scope: options.scope,
            filter: options.filter,
            attributes: options.attributes,
            sizeLimit: options.sizeLimit,
          },
          (err, res) => {
            if (err) return fail(err);
            res.on("searchEntry", (e: { pojo: EntryPojo }) => onEntry(toEntry(e.pojo)));
            res.on("searchReference", (r: { uris: string[] }) => references.push(...r.uris));
            res.on("error", fail);
            res.on("end", () => resolve(references));
          },
        );
      } catch (err) {
        fail(err);
      }
    });
  }

  add(entry: Entry): Promise<void> {
    return this.call("add", entry.dn, (done) => this.client.add(entry.dn, entry.attributes, done));
  }

  delete(dn: string): Promise<void> {
    return this.call("delete", dn, (done) => this.client.del(dn, done));
  }

  modify(dn: string, modifications: Modification[]): Promise<void> {
    const changes = modifications.map(
      (m) =>
        new ldapjs.Change({
          operation: m.operation,
          modification: new ldapjs.Attribute({ type: m.attribute, values: m.values }),
        }),
    );
    return this.call("modify", dn, (done) => this.client.modify(dn, changes, done));
  }

  apply(op: ChangeOp): Promise<void> {
    if (op.type === "add") return this.add({ dn: op.dn, attributes: op.attributes });
    if (op.type === "delete") return this.delete(op.dn);
    return this.modify(op.dn, op.modifications);
  }

  close(): void {
    this.client.unbind(() => undefined);
    this.client.destroy();
  }

  private call<T>(
    operation: string,
    dn: string,
    start: (done: (err: unknown, r?: T) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      try {
        start((err, result) => (err ? reject(this.error(operation, dn, err)) : resolve(result as T)));
      } catch (err) {
        reject(this.error(operation, dn, err));
      }
    });
  }

  private error(operation: string, dn: string, err: unknown): Error {
    const e = err as LdapjsError;
    if (typeof e.code !== "number" || transportErrors.has(e.name))
      return new Error(`${operation} ${dn}: ${e.message ?? String(err)}`);
    const referrals = e.code === referralCode ? (this.referrals.get(canonicalDn(dn)) ?? []) : [];
    return new DirError(operation, dn, e.code, e.message, referrals);
  }
}

function toEntry(pojo: EntryPojo): Entry {
  const attributes: Entry["attributes"] = {};
  for (const a of pojo.attributes) (attributes[a.type] ??= []).push(...a.values);
  return { dn: readableDn(pojo.objectName), attributes };
}
