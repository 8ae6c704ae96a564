// One LDAP connection of the load generator: a plain TCP socket with Nagle off and one request in flight,
// as a simple synchronous LDAP client keeps it. A request resolves with the final LDAPResult and the
// number of SearchResultEntry PDUs before it; an LDAP error is a result, not a rejection.
import { connect, type Socket } from "node:net";
import { encodeBind, encodeUnbind, pduLength, readResponse, Op } from "./ldap-wire.js";

export interface Result {
  resultCode: number;
  diagnostic: string;
  entries: number;
}

interface InFlight {
  messageId: number;
  entries: number;
  resolve: (r: Result) => void;
  reject: (err: Error) => void;
}

export class LdapConnection {
  private nextId = 1;
  private inFlight: InFlight | null = null;
  private rest: Buffer = Buffer.alloc(0);
  private closed: Error | null = null;
  /** Request bytes written, for the catch-up figure. */
  bytesSent = 0;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("connection closed by the server")));
  }

  static open(host: string, port: number, timeoutMs = 5000): Promise<LdapConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`ldap://${host}:${port}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new LdapConnection(socket));
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`ldap://${host}:${port}: ${err.message}`));
      });
    });
  }

  /** Sends the PDU that `encode` makes with the next message ID and waits for its final result. */
  request(encode: (messageId: number) => Buffer): Promise<Result> {
    if (this.closed) return Promise.reject(this.closed);
    if (this.inFlight) return Promise.reject(new Error("one request at a time on a connection"));
    const messageId = this.nextId++;
    const pdu = encode(messageId);
    this.bytesSent += pdu.length;
    return new Promise((resolve, reject) => {
      this.inFlight = { messageId, entries: 0, resolve, reject };
      this.socket.write(pdu);
    });
  }

  async bind(dn: string, password: string): Promise<void> {
    const r = await this.request((id) => encodeBind(id, dn, password));
    if (r.resultCode !== 0) throw new Error(`bind as ${dn} failed: ${r.resultCode} ${r.diagnostic}`);
  }

  close(): void {
    if (!this.closed) this.socket.end(encodeUnbind(this.nextId++));
    this.closed ??= new Error("connection closed");
  }

  private onData(chunk: Buffer): void {
    let buf = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    try {
      for (let n = pduLength(buf, 0); n > 0; n = pduLength(buf, 0)) {
        this.onPdu(buf.subarray(0, n));
        buf = buf.subarray(n);
      }
    } catch (err) {
      this.fail(err as Error);
      this.socket.destroy();
      return;
    }
    this.rest = buf;
  }

  private onPdu(pdu: Buffer): void {
    const r = readResponse(pdu);
    const f = this.inFlight;
    if (f === null || r.messageId !== f.messageId) {
      if (r.messageId === 0) throw new Error(`notice of disconnection: ${r.resultCode} ${r.diagnostic}`);
      throw new Error(`unexpected response to message ${r.messageId}`);
    }
    if (r.op === Op.SearchResultEntry) {
      f.entries++;
      return;
    }
    if (r.resultCode === null) return;
    this.inFlight = null;
    f.resolve({ resultCode: r.resultCode, diagnostic: r.diagnostic, entries: f.entries });
  }

  private fail(err: Error): void {
    this.closed ??= err;
    const f = this.inFlight;
    this.inFlight = null;
    f?.reject(err);
  }
}
