// The raw TCP side of the LDAP server fuzz test: a connection (bound first if asked) that sends one case
// after the other; after a case of whole PDUs it sends a sentinel request, whose answer proves the server
// read the case and still serves the connection; a case that is not whole PDUs ends the connection. A case
// the server neither answers nor closes the connection for in time is a hang.
import { connect, type Socket } from "node:net";
import { BerReader, Tag } from "../../src/directory/codec/ber.js";
import { extendedRequest } from "./ldap-fuzz-pdus.js";

/** Splits a byte stream into whole BER elements (the server's responses are well-formed). */
export class PduSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(data: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    const out: Buffer[] = [];
    for (;;) {
      const first = this.pending[1];
      if (first === undefined) return out;
      const n = first & 0x80 ? first & 0x7f : 0;
      if (this.pending.length < 2 + n) return out;
      const length = n === 0 ? first : this.pending.readUIntBE(2, n);
      const total = 2 + n + length;
      if (this.pending.length < total) return out;
      out.push(this.pending.subarray(0, total));
      this.pending = this.pending.subarray(total);
    }
  }
}

/** The messageID, protocolOp tag and resultCode of a response PDU (resultCode undefined for entries). */
export function readResponse(pdu: Buffer): { messageId: number; op: number; code: number | undefined } {
  const r = new BerReader(pdu);
  r.enter(Tag.Sequence, "LDAPMessage");
  const messageId = r.integer(Tag.Integer, "messageID");
  const op = r.peekTag() ?? 0;
  if (op === 0x64 || op === 0x73) return { messageId, op, code: undefined };
  r.enter(op, "protocolOp");
  return { messageId, op, code: r.integer(Tag.Enumerated, "resultCode") };
}

/** readResponse, or undefined for a response outside its canonical form (ldapjs echoes odd messageIDs). */
function readLenient(pdu: Buffer): ReturnType<typeof readResponse> | undefined {
  try {
    return readResponse(pdu);
  } catch {
    return undefined;
  }
}

/** An extended request no server implements: its answer shows that everything sent before it was read. */
const SENTINEL_ID = 0x7ffffff0;
const sentinel = extendedRequest(SENTINEL_ID, "1.3.6.1.4.1.32473.77.999");

/**
 * Whether `bytes` are whole LDAPMessage PDUs as the server frames them (SEQUENCE, definite length in at
 * most 4 octets, at most maxPduBytes): only then does a request written after them start a PDU of its own.
 */
export function wholePdus(bytes: Buffer, maxPduBytes: number): boolean {
  let at = 0;
  while (at < bytes.length) {
    const first = bytes[at + 1];
    if (bytes[at] !== 0x30 || first === undefined || first === 0x80 || first > 0x84) return false;
    const n = first & 0x80 ? first & 0x7f : 0;
    if (at + 2 + n > bytes.length) return false;
    const length = n === 0 ? first : bytes.readUIntBE(at + 2, n);
    if (length > maxPduBytes) return false;
    at += 2 + n + length;
  }
  return at === bytes.length;
}

/** What became of a case: the server read it and still serves the connection, closed it, or neither. */
export type Outcome = "alive" | "closed" | "hung";

/** One client connection to the server under test, optionally bound first. */
export class FuzzConnection {
  /** Response PDUs to the cases (sentinel answers not counted). */
  responses = 0;
  private readonly splitter = new PduSplitter();
  private closed = false;
  private binding = false;
  private bindCode: number | undefined;
  private waiter: ((o: Outcome) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("connect", () => this.settle("alive"));
    socket.on("data", (data: Buffer) => this.onData(data));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.closed = true;
      this.settle("closed");
    });
  }

  /** Connects and, with `bind`, binds; rejects unless both succeed within timeoutMs each. */
  static async open(port: number, bind: Buffer | undefined, timeoutMs: number): Promise<FuzzConnection> {
    const conn = new FuzzConnection(connect({ host: "127.0.0.1", port }));
    const connected = await conn.wait(timeoutMs, () => undefined);
    if (connected !== "alive") throw new Error(`connecting: ${connected}`);
    if (bind) {
      conn.binding = true;
      const bound = await conn.wait(timeoutMs, () => conn.socket.write(bind));
      if (bound !== "alive" || conn.bindCode !== 0) {
        conn.destroy();
        throw new Error(`binding: ${bound}, result code ${String(conn.bindCode)}`);
      }
    }
    return conn;
  }

  /**
   * Writes one case. Whole PDUs are followed by the sentinel and the case is "alive" once the sentinel is
   * answered; anything else is written last (the connection is half-closed) and ends "closed".
   */
  send(bytes: Buffer, whole: boolean, timeoutMs: number): Promise<Outcome> {
    return this.wait(timeoutMs, () => {
      if (whole) this.socket.write(Buffer.concat([bytes, sentinel]));
      else this.socket.end(bytes);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wait(timeoutMs: number, start: () => void): Promise<Outcome> {
    if (this.closed) return Promise.resolve("closed");
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle("hung"), timeoutMs);
      this.waiter = (o) => {
        clearTimeout(timer);
        resolve(o);
      };
      start();
    });
  }

  private settle(o: Outcome): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.(o);
  }

  private onData(data: Buffer): void {
    for (const pdu of this.splitter.push(data)) {
      const r = readLenient(pdu);
      if (this.binding) {
        this.binding = false;
        this.bindCode = r?.code;
        this.settle("alive");
      } else if (r?.messageId === SENTINEL_ID && r.op === 0x78) this.settle("alive");
      else this.responses++;
    }
  }
}

/**
 * Sends `first` on a fresh connection, then `then` once `afterResponses` response PDUs arrived, and waits
 * until the server closes the connection; resolves with the responses.
 */
export function sendUntilClosed(
  port: number,
  timeoutMs: number,
  first: Buffer,
  then?: { bytes: Buffer; afterResponses: number },
): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const splitter = new PduSplitter();
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("connect", () => socket.write(first));
    socket.on("data", (data: Buffer) => {
      const before = received.length;
      received.push(...splitter.push(data));
      if (then && before < then.afterResponses && received.length >= then.afterResponses)
        socket.write(then.bytes);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}
