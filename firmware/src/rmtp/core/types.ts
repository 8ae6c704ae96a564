// Types shared by the RMTP state machines: tuning parameters, the outbox they write frames into, the
// node-level actions a driver carries out, deliveries and counters.
import type { Frame, Role } from "../codec/frames.js";

export interface RmtpParams {
  frameBytes: number;
  maxMessageBytes: number;
  helloIntervalMs: number;
  announceIntervalMs: number;
  memberTimeoutMs: number;
  evictAfterMs: number;
  sendTimeoutMs: number;
  window: { initial: number; min: number; max: number };
  minRtoMs: number;
  maxRtoMs: number;
  nakRetryMs: number;
  ackDelayMs: number;
  ackRepeatMs: number;
}

export const defaultTimingParams = {
  minRtoMs: 15,
  maxRtoMs: 250,
  nakRetryMs: 10,
  ackDelayMs: 1,
  ackRepeatMs: 50,
} as const;

/**
 * Who decides which node is the manager. "static": the configured Service Manager, which moves its epoch past
 * a higher one a member reports. "external": a controller (VRRP election) calls becomeManager/stepDown, and
 * a manager that learns of a higher epoch steps down.
 */
export type Election = "static" | "external";

export interface Address {
  address: string;
  port: number;
}

export interface Identity {
  id: number;
  name: string;
  role: Role;
  incarnation: number;
}

/** Where the state machines put the frames they want sent; the node stamps headers and routes them. */
export interface Outbox {
  multicast(frame: FrameBody): void;
  toManager(frame: FrameBody): void;
}

/** A frame without the header fields the node fills in (epoch, source, incarnation). */
export type FrameBody = DistributiveOmit<Frame, "epoch" | "source" | "incarnation">;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface Delivery {
  source: number;
  sourceName: string;
  incarnation: number;
  messageId: number;
  payload: Buffer;
}

export interface SendResult {
  messageId: number;
  bytes: number;
  frames: number;
  resentFrames: number;
  elapsedMs: number;
}

export type SendFailure = "aborted" | "timeout";

export type NodeEvent =
  | { event: "admitted"; epoch: number; manager: string }
  | { event: "evicted-self"; epoch: number }
  | { event: "epoch-changed"; from: number; to: number; cause: string }
  | { event: "manager-lost"; epoch: number; silentMs: number }
  | { event: "member-joined"; id: number; name: string; incarnation: number; rejoined: boolean }
  | { event: "member-left"; id: number; name: string }
  | { event: "member-evicted"; id: number; name: string; reason: string }
  | { event: "became-manager"; epoch: number; cause: string }
  | { event: "stepped-down"; epoch: number; cause: string }
  | {
      event: "gap";
      source: number;
      sourceName: string;
      reason: "joined-late" | "missed";
      resumeAfter: number;
    }
  | { event: "remote-abort"; source: number; messageId: number }
  | { event: "message-dropped"; source: number; messageId: number; reason: string };

export type NodeAction =
  | { kind: "frame"; frame: Frame; to: "group" | Address }
  | { kind: "deliver"; delivery: Delivery }
  | { kind: "sent"; result: SendResult }
  | { kind: "send-failed"; messageId: number; failure: SendFailure; detail: string }
  | { kind: "event"; detail: NodeEvent };

export interface Counters {
  framesSent: number;
  framesReceived: number;
  dataFramesSent: number;
  dataFramesReceived: number;
  resentFrames: number;
  probes: number;
  acksSent: number;
  naksSent: number;
  grantsSent: number;
  messagesSent: number;
  messagesDelivered: number;
  bytesDelivered: number;
  duplicateFrames: number;
  staleEpochFrames: number;
  rejectedFrames: number;
  authFailures: number;
  replayedFrames: number;
  evictions: number;
  gaps: number;
  aborts: number;
}

export function zeroCounters(): Counters {
  return {
    framesSent: 0,
    framesReceived: 0,
    dataFramesSent: 0,
    dataFramesReceived: 0,
    resentFrames: 0,
    probes: 0,
    acksSent: 0,
    naksSent: 0,
    grantsSent: 0,
    messagesSent: 0,
    messagesDelivered: 0,
    bytesDelivered: 0,
    duplicateFrames: 0,
    staleEpochFrames: 0,
    rejectedFrames: 0,
    authFailures: 0,
    replayedFrames: 0,
    evictions: 0,
    gaps: 0,
    aborts: 0,
  };
}
