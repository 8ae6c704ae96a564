// One rtnetlink socket (the `netlink` package's RawNetlinkSocket) with what the switch needs on top: dumps,
// and batched requests: as many messages in one sendmsg as the socket buffers allow, only the last one with
// NLM_F_ACK. The kernel handles a datagram's messages in order and answers a failed request with an error
// whatever its flags, so the last one's ack is a barrier: every error before it has arrived, and a request
// with no error succeeded. A batch is cut so that an error for each of its requests fits the receive buffer
// (a lost error would leave a request of unknown outcome; an overrun fails the session instead). Operations
// run one at a time, in the order they were asked for.
import { Protocol, RawNetlinkSocket } from "netlink";
import {
  decodeAck,
  decodeMessages,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  encodeMessage,
  messageSize,
  writeMessage,
  type NlAck,
  type NlMessage,
} from "../codec/nlmsg.js";
import type { Request } from "../core/requests.js";
import { errnoName } from "./errno.js";

const bufferBytes = 4 * 1024 * 1024;
/** What one error answer may take of the receive buffer besides the echoed request (skb and ext ack). */
const errorOverhead = 1024;
const timeoutMs = 10_000;
const maxSeq = 0x7fffffff;

/** Handles the messages whose sequence number is in first..last; true when it expects no more. */
interface Waiter {
  first: number;
  last: number;
  on(m: NlMessage): boolean;
}

export class NetlinkError extends Error {
  constructor(
    readonly errno: number,
    what: string,
  ) {
    super(`${what}: ${errnoName(errno)}`);
  }
}

export class NetlinkSession {
  private readonly socket: RawNetlinkSocket;
  private waiters: Waiter[] = [];
  private seq = Math.floor(Math.random() * 0x7fff0000);
  private failure: Error | undefined;
  /** The last operation: each waits for the one before (the kernel runs one dump per socket at a time). */
  private queue: Promise<unknown> = Promise.resolve();
  /** Bytes of one sendmsg, and of the error answers a batch may cause. */
  private readonly sendBudget: number;
  private readonly errorBudget: number;

  /** `buffers`: the socket buffer size asked for (the kernel caps it at net.core.[rw]mem_max). */
  constructor(buffers = bufferBytes) {
    this.socket = new RawNetlinkSocket(Protocol.ROUTE, { recvBufferSize: buffers, sendBufferSize: buffers });
    this.sendBudget = Math.floor(this.socket.getSendBufferSize() / 2);
    this.errorBudget = Math.floor(this.socket.getRecvBufferSize() / 2);
    this.socket.on("message", (buf: Buffer) => this.receive(buf));
    this.socket.on("error", (err: Error) => this.fail(err));
  }

  private receive(buf: Buffer): void {
    let messages: NlMessage[];
    try {
      messages = decodeMessages(buf);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    for (const m of messages) {
      const waiter = this.waiters.find((w) => m.seq >= w.first && m.seq <= w.last);
      if (waiter?.on(m)) this.drop(waiter);
    }
  }

  private drop(waiter: Waiter): void {
    this.waiters = this.waiters.filter((w) => w !== waiter);
  }

  private fail(err: Error): void {
    this.failure = err;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters)
      w.on({ type: NLMSG_ERROR, flags: 0, seq: w.last, port: 0, payload: Buffer.alloc(0) });
  }

  /** `count` consecutive sequence numbers; the first. */
  private nextSeqs(count: number): number {
    if (this.seq + count > maxSeq) this.seq = 0;
    const first = this.seq + 1;
    this.seq += count;
    return first;
  }

  private send(buf: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(buf, { port: 0 }, (err?: Error) => (err ? reject(err) : resolve())),
    );
  }

  private async exchange<T>(what: string, buf: Buffer, waiter: Waiter, answer: Promise<T>): Promise<T> {
    if (this.failure) throw this.failure;
    this.waiters.push(waiter);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.drop(waiter);
        reject(new Error(`${what}: no answer from the kernel within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      await this.send(buf);
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
      this.drop(waiter);
    }
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Every message of a dump of `type`. */
  dump(type: number, payload: Buffer, what: string): Promise<NlMessage[]> {
    return this.serial(() => this.dumpNow(type, payload, what));
  }

  private dumpNow(type: number, payload: Buffer, what: string): Promise<NlMessage[]> {
    const seq = this.nextSeqs(1);
    const parts: NlMessage[] = [];
    let on: Waiter["on"] = () => true;
    const answer = new Promise<NlMessage[]>((resolve, reject) => {
      on = (m) => {
        if (m.type === NLMSG_DONE) resolve(parts);
        else if (m.type === NLMSG_ERROR) {
          const ack = m.payload.length > 0 ? decodeAck(m) : { errno: 5 };
          if (ack.errno === 0) resolve(parts);
          else reject(new NetlinkError(ack.errno, what));
        } else {
          parts.push(m);
          return false;
        }
        return true;
      };
    });
    const buf = encodeMessage({ type, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, payload });
    return this.exchange(what, buf, { first: seq, last: seq, on: (m) => on(m) }, answer);
  }

  private chunkBytes(requests: readonly Request[], from: number, end: number): number {
    let bytes = 0;
    for (let i = from; i < end; i++) bytes += messageSize((requests[i] as Request).payload.length);
    return bytes;
  }

  /** How many of `requests`, from `from` on, go in one sendmsg. */
  private chunkEnd(requests: readonly Request[], from: number): number {
    let bytes = 0;
    let errors = 0;
    let i = from;
    for (; i < requests.length; i++) {
      const len = messageSize((requests[i] as Request).payload.length);
      if (i > from && (bytes + len > this.sendBudget || errors + errorOverhead + len > this.errorBudget))
        break;
      bytes += len;
      errors += errorOverhead + len;
    }
    return i;
  }

  /** Sends every request, in order, in as few sendmsg calls as fit; the kernel's answer for each, in order. */
  batch(requests: readonly Request[]): Promise<NlAck[]> {
    return this.serial(() => this.batchNow(requests));
  }

  private async batchNow(requests: readonly Request[]): Promise<NlAck[]> {
    const acks: NlAck[] = requests.map(() => ({ errno: 0 }));
    for (let from = 0; from < requests.length;) {
      const end = this.chunkEnd(requests, from);
      const first = this.nextSeqs(end - from);
      const last = first + end - from - 1;
      const buf = Buffer.alloc(this.chunkBytes(requests, from, end));
      for (let k = from, at = 0; k < end; k++) {
        const r = requests[k] as Request;
        const seq = first + k - from;
        const flags = r.flags | NLM_F_REQUEST | (seq === last ? NLM_F_ACK : 0);
        at = writeMessage(buf, at, { type: r.type, flags, seq, payload: r.payload });
      }
      const base = from;
      let on: Waiter["on"] = () => true;
      const answer = new Promise<void>((resolve) => {
        on = (m) => {
          if (m.type !== NLMSG_ERROR) return false;
          if (m.payload.length === 0) {
            const lost = {
              errno: 5,
              message: `outcome unknown: ${this.failure?.message ?? "socket failed"}`,
            };
            for (let k = base; k < end; k++) if (acks[k]?.errno === 0) acks[k] = lost;
          } else {
            const ack = decodeAck(m);
            if (ack.errno !== 0) acks[base + m.seq - first] = ack;
          }
          if (m.seq !== last) return false;
          resolve();
          return true;
        };
      });
      await this.exchange("batch", buf, { first, last, on: (m) => on(m) }, answer);
      from = end;
    }
    return acks;
  }

  close(): void {
    this.socket.close();
  }
}
