// Types for the parts of the `raw-socket` npm package (CommonJS, no typings of its own) that the VRRP
// raw transport uses: an AF_INET raw socket with numeric setsockopt and callback-style send.
declare module "raw-socket" {
  import type { EventEmitter } from "node:events";

  export interface SocketOptions {
    protocol?: number;
    addressFamily?: number;
    bufferSize?: number;
  }

  export interface Socket extends EventEmitter {
    setOption(level: number, option: number, value: Buffer | number, length?: number): void;
    send(
      buffer: Buffer,
      offset: number,
      length: number,
      address: string,
      afterCallback: (error: Error | null, bytes: number) => void,
    ): Socket;
    close(): Socket;
    on(event: "message", listener: (buffer: Buffer, source: string) => void): this;
    on(event: "error", listener: (error: Error) => void): this;
    on(event: "close", listener: () => void): this;
  }

  export function createSocket(options?: SocketOptions): Socket;

  const raw: { createSocket: typeof createSocket };
  export default raw;
}
