// One rtnetlink socket (the `netlink` package's RawNetlinkSocket) with what the switch needs on top: dumps,
// and batched requests: many messages in one sendmsg, each with NLM_F_ACK, answered one ack per sequence
// number. A batch is cut so that its acks always fit the receive buffer (a lost ack would be a request of
// unknown outcome).
import { Protocol, RawNetlinkSocket } from "netlink";
import {
  decodeAck,
  decodeMessages,
  encodeMessage,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  type NlAck,
  type NlMessage,
} from "../codec/nlmsg.js";
import type { Request } from "../core/requests.js";
import { errnoName } from "./errno.js";

/** At most this many requests or bytes in one sendmsg. */
const batchRequests = 128;
const batchBytes = 64 * 1024;
const bufferBytes = 4 * 1024 * 1024;
const timeoutMs = 10_000;

type Waiter = (m: NlMessage) => boolean;

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
  private readonly waiters = new Map<number, Waiter>();
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private failure: Error | undefined;

  constructor() {
    this.socket = new RawNetlinkSocket(Protocol.ROUTE, {
      recvBufferSize: bufferBytes,
      sendBufferSize: bufferBytes,
    });
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
      const waiter = this.waiters.get(m.seq);
      if (waiter?.(m)) this.waiters.delete(m.seq);
    }
  }

  private fail(err: Error): void {
    this.failure = err;
    for (const [seq, waiter] of this.waiters) {
      this.waiters.delete(seq);
      waiter({ type: NLMSG_ERROR, flags: 0, seq, port: 0, payload: Buffer.alloc(0) });
    }
  }

  private nextSeq(): number {
    this.seq = (this.seq % 0x7fffffff) + 1;
    return this.seq;
  }

  private send(buf: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(buf, { port: 0 }, (err?: Error) => (err ? reject(err) : resolve())),
    );
  }

  private withTimeout<T>(what: string, work: Promise<T>, seqs: readonly number[]): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        for (const s of seqs) this.waiters.delete(s);
        reject(new Error(`${what}: no answer from the kernel within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  /** Every message of a dump of `type`. */
  async dump(type: number, payload: Buffer, what: string): Promise<NlMessage[]> {
    if (this.failure) throw this.failure;
    const seq = this.nextSeq();
    const parts: NlMessage[] = [];
    const done = new Promise<NlMessage[]>((resolve, reject) => {
      this.waiters.set(seq, (m) => {
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
      });
    });
    await this.send(encodeMessage({ type, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, payload }));
    return this.withTimeout(what, done, [seq]);
  }

  /** Sends every request, in order, in as few sendmsg calls as fit; the kernel's ack for each, in order. */
  async batch(requests: readonly Request[]): Promise<NlAck[]> {
    const acks: NlAck[] = [];
    for (let i = 0; i < requests.length;) {
      const chunk: Buffer[] = [];
      const pending: Promise<NlAck>[] = [];
      const seqs: number[] = [];
      let bytes = 0;
      while (i < requests.length && chunk.length < batchRequests) {
        const r = requests[i] as Request;
        const seq = this.nextSeq();
        const msg = encodeMessage({
          type: r.type,
          flags: r.flags | NLM_F_REQUEST | NLM_F_ACK,
          seq,
          payload: r.payload,
        });
        if (chunk.length > 0 && bytes + msg.length > batchBytes) break;
        chunk.push(msg);
        seqs.push(seq);
        bytes += msg.length;
        pending.push(
          new Promise<NlAck>((resolve) =>
            this.waiters.set(seq, (m) => {
              if (m.type !== NLMSG_ERROR) return false;
              resolve(
                m.payload.length > 0
                  ? decodeAck(m)
                  : { errno: 5, message: this.failure?.message ?? "socket failed" },
              );
              return true;
            }),
          ),
        );
        i++;
      }
      if (this.failure) throw this.failure;
      await this.send(Buffer.concat(chunk));
      acks.push(...(await this.withTimeout("batch", Promise.all(pending), seqs)));
    }
    return acks;
  }

  close(): void {
    this.socket.close();
  }
}
