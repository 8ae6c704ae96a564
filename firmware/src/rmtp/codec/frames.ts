// RMTP frame types as plain data: what the codec encodes and decodes and what the state machines exchange.
// The byte layout of every frame is documented in docs/rmtp-wire.md and pinned by
// firmware/test/rmtp-codec-golden.test.ts.

export const MAGIC = 0x524d; // "RM"
export const VERSION = 1;
export const HEADER_BYTES = 26;
export const TAG_BYTES = 16;
export const MAX_NAK_RANGES = 64;
export const MAX_NAME_BYTES = 32;

export const FrameType = {
  Data: 1,
  Abort: 2,
  Ack: 3,
  Nak: 4,
  Grant: 5,
  Hello: 6,
  Announce: 7,
  Leave: 8,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const DataFlag = {
  Init: 0x01,
  Last: 0x02,
  AckRequest: 0x04,
  Resend: 0x08,
} as const;

export const Role = { Sm: 1, Bsm: 2, Se: 3, Tool: 4 } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Fields every frame carries in its header. The packet number and key id are set by the encoder. */
export interface Header {
  epoch: number;
  source: number;
  incarnation: number;
}

/** A stream is one sender incarnation's sequence space within one manager epoch. */
export interface StreamRef {
  streamSource: number;
  streamIncarnation: number;
}

export interface DataFrame extends Header {
  type: typeof FrameType.Data;
  flags: number;
  seq: number;
  messageId: number;
  messageBytes: number;
  ackedThrough: number;
  payload: Uint8Array;
}

export interface AbortFrame extends Header {
  type: typeof FrameType.Abort;
  seq: number;
  messageId: number;
  ackedThrough: number;
}

export interface AckFrame extends Header, StreamRef {
  type: typeof FrameType.Ack;
  cumulative: number;
}

export interface NakRange {
  start: number;
  count: number;
}

export interface NakFrame extends Header, StreamRef {
  type: typeof FrameType.Nak;
  ranges: NakRange[];
}

export interface GrantFrame extends Header, StreamRef {
  type: typeof FrameType.Grant;
  ackedThrough: number;
  grantThrough: number;
  window: number;
}

export interface HelloFrame extends Header {
  type: typeof FrameType.Hello;
  role: Role;
  name: string;
}

export interface AnnouncedMember {
  id: number;
  incarnation: number;
}

export interface AnnounceFrame extends Header {
  type: typeof FrameType.Announce;
  membershipVersion: number;
  members: AnnouncedMember[];
}

export interface LeaveFrame extends Header {
  type: typeof FrameType.Leave;
}

export type Frame =
  DataFrame | AbortFrame | AckFrame | NakFrame | GrantFrame | HelloFrame | AnnounceFrame | LeaveFrame;

/** Bytes of a DATA frame that are not payload: header, DATA fields and tag. */
export const DATA_FIELDS_BYTES = 20;
export const DATA_OVERHEAD = HEADER_BYTES + DATA_FIELDS_BYTES + TAG_BYTES;
