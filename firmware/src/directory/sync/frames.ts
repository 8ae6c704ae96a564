// The frames of the synchronous-replication link between the Service Manager (SM) and a standby, as plain
// data, and the SyncPeer interface through which both links (tcp-link.ts, memory-link.ts) hand them to the
// application. Layouts: docs/sync-wire.md, pinned by firmware/test/sync-codec-golden.test.ts.

export const SYNC_VERSION = 1;
export const NONCE_BYTES = 16;
/** The largest value of a u53 field (epochs, CSNs): JavaScript numbers hold it exactly. */
export const MAX_U53 = Number.MAX_SAFE_INTEGER;
/** The default largest frame a session accepts or sends (a changes payload can be big). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

export type SyncRole = "sm" | "standby";

/** The kind byte of every frame (frame offset 0). */
export const FrameKind = {
  hello: 1,
  ready: 2,
  changes: 3,
  lease: 4,
  durable: 5,
  "takeover-request": 6,
  release: 7,
  check: 8,
  "check-reply": 9,
} as const;

/** Every frame carries `epoch`: the SM's manager epoch as the sender knows it. */
export type SyncFrame =
  // either side, the first frame it sends: who it is and its fresh random nonce
  | { kind: "hello"; epoch: number; node: number; nonce: Uint8Array; role: SyncRole }
  // either side, the second frame, sent once the peer's hello checked: its tag covers both nonces, so it
  // proves that the sender holds the key now (a hello alone can be a replay)
  | { kind: "ready"; epoch: number }
  // SM -> standby: an opaque packed directory message
  | { kind: "changes"; epoch: number; payload: Uint8Array }
  // SM -> standby: lease number `seq`, valid for validMs (from when, docs/failover.md); headCsn = the SM's last CSN
  | { kind: "lease"; epoch: number; seq: number; headCsn: number; validMs: number }
  // standby -> SM: everything through csn is durable here; leaseSeq = the last lease seq received
  | { kind: "durable"; epoch: number; csn: number; leaseSeq: number }
  // standby -> SM: caught up, holding a lease, higher priority: hand over to me
  | { kind: "takeover-request"; epoch: number; node: number; priority: number }
  // SM -> standby: I stopped taking writes, everything through csn is acknowledged: take over
  | { kind: "release"; epoch: number; csn: number }
  // SM -> standby: I stalled; answer with this seq if you are still my standby and not taking over
  | { kind: "check"; epoch: number; seq: number }
  // standby -> SM: still your standby, answering check `seq`
  | { kind: "check-reply"; epoch: number; seq: number };

/** The frames the application sends and receives; hello and ready belong to the session's handshake. */
export type SyncAppFrame = Exclude<SyncFrame, { kind: "hello" | "ready" }>;

/** Which side sends each application frame; a frame from the other side closes the connection. */
export const SENT_BY: Readonly<Record<SyncAppFrame["kind"], SyncRole>> = {
  changes: "sm",
  lease: "sm",
  release: "sm",
  check: "sm",
  durable: "standby",
  "takeover-request": "standby",
  "check-reply": "standby",
};

/** One end of the link as its hello presents it. */
export interface SyncEndpoint {
  node: number;
  /** the SM's manager epoch as this side knows it */
  epoch: number;
}

/** The close reason a peer reports when the other end closed the connection (on both links). */
export const PEER_CLOSED_REASON = "eof: the peer closed the connection";

/**
 * One authenticated SM-standby connection as the application sees it. `send` throws a RangeError for a
 * frame its side may not send or that does not fit the wire, and drops frames once the peer is closed.
 * Frames that arrive before the first onFrame callback wait for it; a callback registered after the close
 * is called at once with the reason. `close` calls the onClose callbacks with `reason` as given.
 */
export interface SyncPeer {
  readonly peerNode: number;
  readonly peerEpoch: number;
  send(frame: SyncAppFrame): void;
  onFrame(cb: (frame: SyncAppFrame) => void): void;
  onClose(cb: (reason: string) => void): void;
  close(reason: string): void;
}
