// The sync link over TCP (docs/sync-wire.md): SyncServer on the SM accepts standbys, connectSync on a
// standby dials the SM. Each connection runs a SyncSession with TCP_NODELAY; only a connection whose
// handshake completes within timeoutMs reaches the application, as a SyncPeer. Whatever a peer sends, the
// connection is closed with a logged reason and the server goes on.
import { connect, createServer, type Server, type Socket } from "node:net";
import type { Keyring } from "../../rmtp/codec/keyring.js";
import type { Logger } from "../../log/logger.js";
import { RateLimitedLog } from "../../log/rate-limited-log.js";
import type { SyncAppFrame, SyncEndpoint, SyncPeer, SyncRole } from "./frames.js";
import { PeerEvents, SyncSession, type SyncSessionErrorReason } from "./session.js";

/** SyncServer's default timeoutMs: the handshake's limit, and the longest a graceful close waits for the peer. */
export const DEFAULT_TIMEOUT_MS = 5000;

export type SyncLinkErrorReason =
  | SyncSessionErrorReason
  /** no handshake within timeoutMs */
  | "timeout"
  /** the peer closed the connection */
  | "eof"
  /** the socket failed (connection refused, reset...) */
  | "socket";

/** Why a connection ended before or after its handshake; the close reason string is its message. */
export class SyncLinkError extends Error {
  constructor(
    readonly reason: SyncLinkErrorReason,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = "SyncLinkError";
  }
}

interface LinkOptions {
  keyring: Keyring;
  self: SyncEndpoint;
  maxFrameBytes?: number;
  timeoutMs: number;
  log: Logger;
}

/** Where a connection comes from and whom it reports to. */
interface Side {
  role: SyncRole;
  /** the other end as "address:port", for the log */
  remote: string;
  /** failed handshakes are logged through this, keyed by the other end's address */
  rejects: RateLimitedLog;
  established(peer: SyncPeer): void;
  failed(error: SyncLinkError): void;
}

function newSession(role: SyncRole, o: LinkOptions): SyncSession {
  const { keyring, maxFrameBytes, self } = o;
  return new SyncSession({ role, node: self.node, epoch: self.epoch, keyring, maxFrameBytes });
}

/** One TCP connection: its session, its handshake timer, and its peer once the handshake is done. */
class Connection {
  private readonly session: SyncSession;
  private readonly timer: NodeJS.Timeout;
  private peer: TcpPeer | undefined;
  private done = false;

  constructor(
    private readonly socket: Socket,
    private readonly side: Side,
    private readonly o: LinkOptions,
  ) {
    socket.setNoDelay(true);
    this.session = newSession(side.role, o);
    this.timer = setTimeout(() => this.fail("timeout", `no handshake within ${o.timeoutMs} ms`), o.timeoutMs);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("end", () => this.fail("eof", "the peer closed the connection"));
    socket.on("error", (err) => this.fail("socket", err.message));
    socket.on("close", () => this.fail("eof", "the connection closed"));
    socket.write(this.session.start());
  }

  write(frame: SyncAppFrame): void {
    this.socket.write(this.session.send(frame));
  }

  /** Closes from this side: a peer's graceful close (queued frames go out first), else a plain drop. */
  shutdown(reason: string): void {
    if (this.peer !== undefined) {
      this.peer.close(reason);
      return;
    }
    this.done = true;
    clearTimeout(this.timer);
    this.socket.destroy();
  }

  /** The peer's close(): ends the stream, and destroys it if the other side does not close in time. */
  end(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.o.log.info("sync-peer-closed", { peer: this.peer?.peerNode, remote: this.side.remote, reason });
    this.socket.end();
    const linger = setTimeout(() => this.socket.destroy(), this.o.timeoutMs).unref();
    this.socket.once("close", () => clearTimeout(linger));
  }

  private receive(chunk: Buffer): void {
    for (const event of this.session.receive(chunk)) {
      if (this.done) return;
      switch (event.type) {
        case "send":
          this.socket.write(event.bytes);
          break;
        case "established":
          clearTimeout(this.timer);
          this.peer = new TcpPeer(event.peerNode, event.peerEpoch, this);
          this.o.log.info("sync-peer-established", {
            peer: event.peerNode,
            peerEpoch: event.peerEpoch,
            remote: this.side.remote,
          });
          this.side.established(this.peer);
          break;
        case "frame":
          this.peer?.events.deliver(event.frame);
          break;
        case "error":
          this.fail(event.error.reason, event.error.detail);
          break;
      }
    }
  }

  private fail(reason: SyncLinkErrorReason, detail: string): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.socket.destroy();
    const error = new SyncLinkError(reason, detail);
    const remote = this.side.remote;
    if (this.peer === undefined) {
      const key = remote.slice(0, remote.lastIndexOf(":"));
      this.side.rejects.warn(key, "sync-handshake-failed", { remote, reason: error.message });
      this.side.failed(error);
      return;
    }
    const level = reason === "eof" ? "info" : "warn";
    this.o.log[level]("sync-peer-closed", { peer: this.peer.peerNode, remote, reason: error.message });
    this.peer.events.finish(error.message);
  }
}

class TcpPeer implements SyncPeer {
  readonly events = new PeerEvents();

  constructor(
    readonly peerNode: number,
    readonly peerEpoch: number,
    private readonly connection: Connection,
  ) {}

  send(frame: SyncAppFrame): void {
    if (!this.events.closed) this.connection.write(frame);
  }

  onFrame(cb: (frame: SyncAppFrame) => void): void {
    this.events.onFrame(cb);
  }

  onClose(cb: (reason: string) => void): void {
    this.events.onClose(cb);
  }

  close(reason: string): void {
    if (this.events.finish(reason)) this.connection.end(reason);
  }
}

export interface SyncServerOptions {
  address: string;
  /** 0 for an ephemeral port (then read `port`) */
  port: number;
  keyring: Keyring;
  self: SyncEndpoint;
  maxFrameBytes?: number;
  /** handshake timeout per connection, default DEFAULT_TIMEOUT_MS */
  timeoutMs?: number;
  log: Logger;
}

/** The SM side: accepts standbys and hands each authenticated one to the onPeer callbacks. */
export class SyncServer {
  private readonly connections = new Set<Connection>();
  private readonly peerCallbacks: ((peer: SyncPeer) => void)[] = [];

  private constructor(
    private readonly server: Server,
    private readonly o: SyncServerOptions,
  ) {
    const rejects = new RateLimitedLog(o.log);
    const link = { ...o, timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS };
    server.on("connection", (socket) => {
      const side: Side = {
        role: "sm",
        remote: `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`,
        rejects,
        established: (peer) => {
          for (const cb of this.peerCallbacks) cb(peer);
        },
        failed: () => undefined,
      };
      const connection = new Connection(socket, side, link);
      this.connections.add(connection);
      socket.on("close", () => this.connections.delete(connection));
    });
    server.on("error", (err) => o.log.warn("sync-server-error", { message: err.message }));
  }

  /** Throws a RangeError for a node id, epoch or maxFrameBytes that no session can use. */
  static async listen(o: SyncServerOptions): Promise<SyncServer> {
    newSession("sm", { ...o, timeoutMs: 0 }).start();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port, o.address, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const s = new SyncServer(server, o);
    o.log.info("sync-listening", { address: o.address, port: s.port });
    return s;
  }

  /** The bound port. */
  get port(): number {
    const address = this.server.address();
    return typeof address === "object" && address !== null ? address.port : this.o.port;
  }

  onPeer(cb: (peer: SyncPeer) => void): void {
    this.peerCallbacks.push(cb);
  }

  /** Stops listening and closes every connection; peers are closed with reason "server closed". */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.shutdown("server closed");
    await closed;
  }
}

export interface ConnectSyncOptions {
  address: string;
  port: number;
  keyring: Keyring;
  self: SyncEndpoint;
  /** for the connection and the handshake together */
  timeoutMs: number;
  maxFrameBytes?: number;
  log: Logger;
  /** Shared by a caller that dials again and again, so failed handshakes are logged once per interval. */
  rejects?: RateLimitedLog;
}

/**
 * The standby side: dials the SM; resolves with the peer once authenticated, else rejects with SyncLinkError
 * (or, before any socket exists, with the RangeError of a node id, epoch or maxFrameBytes no session can use).
 */
export function connectSync(o: ConnectSyncOptions): Promise<SyncPeer> {
  return new Promise((resolve, reject) => {
    newSession("standby", o).start(); // throws a RangeError for bad options before any socket exists
    const side: Side = {
      role: "standby",
      remote: `${o.address}:${o.port}`,
      rejects: o.rejects ?? new RateLimitedLog(o.log),
      established: resolve,
      failed: reject,
    };
    new Connection(connect({ host: o.address, port: o.port }), side, o);
  });
}
