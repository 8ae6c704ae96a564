// The directory's LDAP service on ldapjs (plain LDAP and LDAPS): bind, search, compare, add, delete and
// modify against a directory backend; the SM's backend writes, an SE's answers writes with a referral to the
// SM. ldapjs is hardened at its edge: every connection's bytes pass a PDU guard first, parser exceptions
// close only that connection, connections are capped and idle ones closed, and no error reaches the process.
import type { Socket } from "node:net";
import ldapjs from "ldapjs";
import type { DirectoryUser } from "../../config/load.js";
import type { Logger } from "../../log/logger.js";
import type { TreeContext } from "../core/apply-op.js";
import { projection, search } from "../core/search.js";
import type { OverlayView } from "../core/view.js";
import {
  LdapError,
  ResultCode,
  type ChangeOp,
  type Entry,
  type Modification,
  type Scope,
} from "../model/types.js";
import { AccessPolicy, type Access } from "./access.js";
import { fromLdapjsFilter } from "./ldapjs-filter.js";
import { PduGuard } from "./pdu-guard.js";
import { rootDse } from "./root-dse.js";
import { encodeSearchEntry } from "./search-entry.js";
import { sendEntries } from "./search-sender.js";
import { MAX_INT } from "../codec/ber.js";

/** Read for every request, so a failover unit can switch the view and the write path with its role. */
export interface DirectoryBackend {
  ctx: TreeContext;
  view: OverlayView;
  /** The SM's write path; an SE has none and refers writers to `referral()`. */
  write?: (op: ChangeOp) => Promise<unknown>;
  referral?: () => string | undefined;
}

export interface LdapServiceOptions {
  address: string;
  port: number;
  tls?: { port: number; cert: Buffer; key: Buffer };
  users: readonly DirectoryUser[];
  anonymousRead: boolean;
  sizeLimit: number;
  timeLimitSeconds: number;
  maxConnections: number;
  maxPduBytes?: number;
  idleTimeoutMs?: number;
  log: Logger;
}

/* The parts of ldapjs's request and response objects this adapter uses. */
interface Conn extends Socket {
  parser: { write(data: Buffer): void };
}
interface Req {
  connection: Conn;
  messageId: number;
  dn: { toString(): string };
  credentials?: string | Buffer;
  authentication?: string;
  scope?: string | number;
  filter?: unknown;
  sizeLimit?: number;
  timeLimit?: number;
  attributes?: string[];
  typesOnly?: boolean;
  attribute?: string;
  value?: unknown;
  changes?: Array<{ operation: string | number; modification: { type: string; values: unknown[] } }>;
}
interface Res {
  status: number;
  errorMessage: string;
  matchedDN: string;
  attributes: string[];
  end(status?: number | boolean): void;
  send(entry: { dn: string; attributes: Record<string, string[]> }): void;
  addReferral(uri: string): void;
}
type Handler = (req: Req, res: Res, next: () => void) => void;
interface LdapjsServer {
  maxConnections: number;
  newConnection(c: Socket): void;
  bind(dn: string, h: Handler): void;
  search(dn: string, h: Handler): void;
  compare(dn: string, h: Handler): void;
  add(dn: string, h: Handler): void;
  modify(dn: string, h: Handler): void;
  del(dn: string, h: Handler): void;
  modifyDN(dn: string, h: Handler): void;
  on(event: string, f: (err: Error) => void): void;
  listen(port: number, host: string, cb: () => void): void;
  close(cb: () => void): void;
  address(): { port: number } | string | null;
}

/**
 * A search works at most 8 ms per turn of the event loop, well inside the 50 ms between VRRP adverts, and
 * waits for a client that has more than 1 MiB unread.
 */
const searchSlices = { sliceMs: 8, highWaterBytes: 1 << 20 };

const scopes: Record<string, Scope> = {
  base: "base",
  one: "one",
  sub: "sub",
  "0": "base",
  "1": "one",
  "2": "sub",
};

function textOf(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString("utf8") : String(v);
}

function fail(res: Res, err: unknown, log: Logger, op: string): void {
  if (err instanceof LdapError) {
    res.status = err.code;
    res.errorMessage = err.message;
    res.matchedDN = err.matchedDn;
  } else {
    const message = err instanceof Error ? err.message : String(err);
    log.warn("ldap-operation-error", { op, message });
    res.status = ResultCode.other;
    res.errorMessage = message;
  }
  res.end();
}

/** ldapjs logs through a bunyan-shaped object; its chatter goes to debug, its warnings to warn. */
function ldapjsLog(log: Logger): Record<string, (...args: unknown[]) => void> {
  const quiet = (): void => undefined;
  const warn = (...args: unknown[]): void => log.debug("ldapjs", { detail: args.map(String).join(" ") });
  return { trace: quiet, debug: quiet, info: quiet, warn, error: warn, child: () => ldapjsLog(log) };
}

export class DirectoryLdapService {
  private readonly servers: LdapjsServer[] = [];
  private readonly access = new WeakMap<object, Access>();
  private readonly policy: AccessPolicy;
  private readonly sockets = new Set<Socket>();
  readonly ports: number[] = [];

  private constructor(
    private readonly backend: DirectoryBackend,
    private readonly o: LdapServiceOptions,
  ) {
    this.policy = new AccessPolicy(backend.ctx.schema, o.users, o.anonymousRead);
  }

  static async start(backend: DirectoryBackend, o: LdapServiceOptions): Promise<DirectoryLdapService> {
    const service = new DirectoryLdapService(backend, o);
    await service.listen(o.port);
    if (o.tls) await service.listen(o.tls.port, { certificate: o.tls.cert, key: o.tls.key });
    return service;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private async listen(port: number, tls?: { certificate: Buffer; key: Buffer }): Promise<void> {
    const server = ldapjs.createServer({
      log: ldapjsLog(this.o.log),
      ...(tls ?? {}),
      connectionRouter: (socket: Socket) => this.accept(server, socket),
    } as ldapjs.ServerOptions) as unknown as LdapjsServer;
    server.maxConnections = this.o.maxConnections;
    server.on("error", (err) => this.o.log.debug("ldap-parse-error", { message: err.message }));
    server.on("clientError", (err) => this.o.log.debug("ldap-client-error", { message: err.message }));
    this.mount(server);
    await new Promise<void>((resolve) => server.listen(port, this.o.address, resolve));
    const addr = server.address();
    this.ports.push(typeof addr === "object" && addr ? addr.port : port);
    this.servers.push(server);
  }

  /** Hands a new connection to ldapjs, then puts the PDU guard and exception barrier in front of its parser. */
  private accept(server: LdapjsServer, socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.setTimeout(this.o.idleTimeoutMs ?? 300_000);
    // ldapjs writes a search's entries and its result separately: with Nagle on, the result waits for the
    // client's delayed ACK (40 ms per search measured by the benchmark).
    socket.setNoDelay(true);
    server.newConnection(socket);
    const conn = socket as Conn;
    const guard = new PduGuard(this.o.maxPduBytes ?? 4 << 20);
    socket.removeAllListeners("data");
    socket.on("data", (data: Buffer) => {
      const { pdus, refused } = guard.feed(data);
      for (const pdu of pdus) {
        if (socket.destroyed) return;
        try {
          conn.parser.write(pdu);
        } catch (err) {
          this.o.log.debug("ldap-parser-exception", { from: socket.remoteAddress, message: String(err) });
          socket.destroy();
        }
      }
      if (refused !== undefined) {
        this.o.log.debug("ldap-connection-refused", { from: socket.remoteAddress, reason: refused });
        socket.destroy();
      }
    });
  }

  /** The server's size limit binds everyone but writers (like slapd's rootdn), so `iss dir export` works. */
  private sizeLimit(req: Req): number {
    const asked = req.sizeLimit || Infinity;
    return this.accessOf(req) === "write" ? asked : Math.min(asked, this.o.sizeLimit);
  }

  private accessOf(req: Req): Access {
    return this.access.get(req.connection) ?? this.policy.anonymous;
  }

  private guarded(
    op: string,
    need: "read" | "write" | "bind",
    body: (req: Req, res: Res) => unknown,
  ): Handler {
    return (req, res) => {
      if (!Number.isInteger(req.messageId) || req.messageId < 0 || req.messageId > MAX_INT) {
        // RFC 4511 4.1.1: messageID is 0..maxInt; ldapjs decodes longer INTEGERs as negative numbers
        this.o.log.debug("ldap-connection-refused", { reason: `messageID ${req.messageId} out of range` });
        req.connection.destroy();
        return;
      }
      try {
        if (need !== "bind") AccessPolicy.require(this.accessOf(req), need);
        const r = body(req, res);
        if (r instanceof Promise) r.catch((err: unknown) => fail(res, err, this.o.log, op));
      } catch (err) {
        fail(res, err, this.o.log, op);
      }
    };
  }

  private writeOrRefer(res: Res, op: ChangeOp): Promise<void> | void {
    const write = this.backend.write;
    if (!write) {
      const uri = this.backend.referral?.();
      if (!uri)
        throw new LdapError(ResultCode.unavailable, "this replica knows no Service Manager to refer to");
      res.addReferral(`${uri.replace(/\/$/, "")}/${encodeURIComponent(op.dn)}`);
      res.status = ResultCode.referral;
      res.errorMessage = "writes go to the Service Manager";
      res.end();
      return;
    }
    return write(op).then(() => res.end(ResultCode.success));
  }

  private mount(server: LdapjsServer): void {
    const { ctx } = this.backend;
    server.bind(
      "",
      this.guarded("bind", "bind", (req, res) => {
        this.access.delete(req.connection);
        if (req.authentication !== undefined && req.authentication !== "simple") {
          throw new LdapError(ResultCode.authMethodNotSupported, "only simple bind is supported");
        }
        const password = Buffer.isBuffer(req.credentials)
          ? req.credentials
          : Buffer.from(req.credentials ?? "", "utf8");
        this.access.set(req.connection, this.policy.bind(req.dn.toString(), password));
        res.end(ResultCode.success);
      }),
    );
    server.search(
      "",
      this.guarded("search", "read", (req, res) => {
        const base = req.dn.toString();
        const scope = scopes[String(req.scope)] ?? "base";
        if (base === "" && scope === "base") {
          res.attributes = [];
          res.send(rootDse(ctx));
          res.end(ResultCode.success);
          return;
        }
        const filter = fromLdapjsFilter(req.filter as Parameters<typeof fromLdapjsFilter>[0]);
        const sizeLimit = this.sizeLimit(req);
        const seconds = Math.min(req.timeLimit || this.o.timeLimitSeconds, this.o.timeLimitSeconds);
        const project = projection(ctx.schema, req.attributes ?? [], req.typesOnly === true);
        const conn = req.connection;
        const results = search(
          ctx,
          this.backend.view,
          { base, scope, filter, deadline: Date.now() + seconds * 1000 },
          Date.now,
        );
        const encode = (entry: Entry): Buffer => encodeSearchEntry(req.messageId, entry.dn, project(entry));
        return sendEntries(conn, results, encode, { sizeLimit, ...searchSlices })
          .catch((err: unknown) => {
            if (!(err instanceof LdapError) || err.code !== ResultCode.timeLimitExceeded) throw err;
            return { code: err.code, message: err.message };
          })
          .then((outcome) => {
            if (outcome === "closed") return;
            res.status = outcome.code;
            res.errorMessage = outcome.message;
            res.end();
          });
      }),
    );
    server.compare(
      "",
      this.guarded("compare", "read", (req, res) => {
        const dn = ctx.schema.dn(req.dn.toString());
        const entry = this.backend.view.get(dn.key);
        if (!entry) throw new LdapError(ResultCode.noSuchObject, `no entry ${dn.display}`);
        const equal = ctx.schema.compare(entry, req.attribute ?? "", textOf(req.value));
        res.end(equal ? ResultCode.compareTrue : ResultCode.compareFalse);
      }),
    );
    server.add(
      "",
      this.guarded("add", "write", (req, res) => {
        const list = (req as unknown as { attributes: Array<{ type: string; values: unknown[] }> })
          .attributes;
        const attributes: Record<string, string[]> = {};
        for (const a of list) attributes[a.type] = [...(attributes[a.type] ?? []), ...a.values.map(textOf)];
        return this.writeOrRefer(res, { type: "add", dn: req.dn.toString(), attributes });
      }),
    );
    server.modify(
      "",
      this.guarded("modify", "write", (req, res) => {
        const modifications: Modification[] = (req.changes ?? []).map((c) => ({
          operation: modOperation(c.operation),
          attribute: c.modification.type,
          values: c.modification.values.map(textOf),
        }));
        return this.writeOrRefer(res, { type: "modify", dn: req.dn.toString(), modifications });
      }),
    );
    server.del(
      "",
      this.guarded("delete", "write", (req, res) =>
        this.writeOrRefer(res, { type: "delete", dn: req.dn.toString() }),
      ),
    );
    server.modifyDN(
      "",
      this.guarded("modrdn", "write", () => {
        throw new LdapError(ResultCode.unwillingToPerform, "renaming entries is not supported");
      }),
    );
  }
}

function modOperation(op: string | number): Modification["operation"] {
  switch (String(op)) {
    case "add":
    case "0":
      return "add";
    case "delete":
    case "1":
      return "delete";
    case "replace":
    case "2":
      return "replace";
    default:
      throw new LdapError(ResultCode.protocolError, `unknown modify operation ${String(op)}`);
  }
}
