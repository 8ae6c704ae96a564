// Types for the parts of the `unix-dgram` npm package (CommonJS, no typings of its own) that sd_notify uses.
declare module "unix-dgram" {
  import type { EventEmitter } from "node:events";

  export interface UnixDgramSocket extends EventEmitter {
    /** Sends one datagram to the socket at `path`; the callback gets an error, or one for congestion (EAGAIN). */
    send(buf: Buffer, offset: number, length: number, path: string, callback?: (err?: Error) => void): void;
    close(): void;
  }

  export function createSocket(type: "unix_dgram"): UnixDgramSocket;
}
