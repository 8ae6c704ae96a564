// Tests of the sans-I/O sync session (docs/sync-wire.md): the hello/ready handshake, frames both ways with the
// stream cut at every byte or coalesced into one chunk, tampered records, wrong and rotated keys, records
// replayed or reordered within a connection and replayed from another one, the size limit (checked on the
// length field alone), every handshake and direction rule with correctly tagged records made here from the
// document's definition, misuse, and a seeded property: a damaged stream in random chunks yields a prefix of
// the right events and then one error, and never throws.
import test from "ava";
import { createHmac } from "node:crypto";
import { DEFAULT_MAX_FRAME_BYTES, type SyncAppFrame } from "../src/directory/sync/frames.js";
import {
  SyncSession,
  SyncSessionError,
  type SessionEvent,
  type SyncSessionErrorReason,
} from "../src/directory/sync/session.js";
import { Keyring } from "../src/rmtp/codec/keyring.js";
import { Rng } from "./helpers/rng.js";

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i);
const OTHER_KEY = Uint8Array.from({ length: 32 }, (_, i) => 0xff - i);
const keyring = new Keyring([{ id: 7, secret: KEY }], 7);
const SM_NONCE = Buffer.from(Array.from({ length: 16 }, (_, i) => i));
const STANDBY_NONCE = Buffer.from(Array.from({ length: 16 }, (_, i) => 0x10 + i));
const BOTH = Buffer.concat([SM_NONCE, STANDBY_NONCE]);
const hex = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");

interface Options {
  keyring?: Keyring;
  maxFrameBytes?: number;
  nonce?: Buffer;
}

const newSm = (o: Options = {}) =>
  new SyncSession({ role: "sm", node: 1, epoch: 42, keyring, nonce: SM_NONCE, ...o });
const newStandby = (o: Options = {}) =>
  new SyncSession({ role: "standby", node: 2, epoch: 41, keyring, nonce: STANDBY_NONCE, ...o });

function sent(events: SessionEvent[]): Buffer {
  const e = events[0];
  if (e?.type !== "send") throw new Error(`expected a send event, got ${JSON.stringify(events)}`);
  return e.bytes;
}

/** Two sessions through their handshake, and the bytes each side wrote. */
function handshake(sm = newSm(), standby = newStandby()) {
  const smHello = sm.start();
  const standbyHello = standby.start();
  const smReady = sent(sm.receive(standbyHello));
  const standbyReady = sent(standby.receive(smHello));
  const smEvents = sm.receive(standbyReady);
  const standbyEvents = standby.receive(smReady);
  return { sm, standby, smHello, standbyHello, smReady, standbyReady, smEvents, standbyEvents };
}

function errorOf(events: SessionEvent[]): SyncSessionError | undefined {
  const last = events.at(-1);
  return last?.type === "error" ? last.error : undefined;
}

/** A record made from the document's definition: length, seq, key id, frame, then the tag over context + all that. */
function record(frame: string, seq: number, context: Buffer, keyId = 7, key = KEY): Buffer {
  const body = hex(frame);
  const head = Buffer.alloc(13);
  head.writeUInt32BE(body.length + 25, 0);
  head.writeUInt32BE(Math.floor(seq / 2 ** 32), 4);
  head.writeUInt32BE(seq % 2 ** 32, 8);
  head.writeUInt8(keyId, 12);
  const signed = Buffer.concat([head, body]);
  const tag = createHmac("sha256", key).update(context).update(signed).digest().subarray(0, 16);
  return Buffer.concat([signed, tag]);
}

const fromSm = (frame: string, seq: number) => record(frame, seq, Buffer.concat([hex("01"), BOTH]));
const fromStandby = (frame: string, seq: number) => record(frame, seq, Buffer.concat([hex("02"), BOTH]));
const E = "000000000000002a";
const HELLO_SM = `01 ${E} 01 01 0001 ${SM_NONCE.toString("hex")}`;
const HELLO_STANDBY = `01 ${E} 01 02 0002 ${STANDBY_NONCE.toString("hex")}`;

const smFrames: SyncAppFrame[] = [
  { kind: "changes", epoch: 42, payload: Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 0xff)) },
  { kind: "lease", epoch: 42, seq: 1, headCsn: 2 ** 40, validMs: 400 },
  { kind: "changes", epoch: 42, payload: Buffer.alloc(0) },
  { kind: "release", epoch: 42, csn: 2 ** 40 },
];
const standbyFrames: SyncAppFrame[] = [
  { kind: "durable", epoch: 42, csn: 2 ** 40, leaseSeq: 1 },
  { kind: "takeover-request", epoch: 42, node: 2, priority: 250 },
];

test("the handshake: each side's ready answers the peer's hello, and the peer's ready establishes it", (t) => {
  const h = handshake();
  t.is(h.smHello.readUInt32BE(4) + h.smHello.readUInt32BE(8), 0, "hello is record 0");
  t.is(h.smReady.readUInt32BE(8), 1, "ready is record 1");
  t.deepEqual(h.smEvents, [{ type: "established", peerNode: 2, peerEpoch: 41 }]);
  t.deepEqual(h.standbyEvents, [{ type: "established", peerNode: 1, peerEpoch: 42 }]);
});

test("frames cross both ways after the handshake", (t) => {
  const { sm, standby } = handshake();
  for (const frame of smFrames) t.deepEqual(standby.receive(sm.send(frame)), [{ type: "frame", frame }]);
  for (const frame of standbyFrames) t.deepEqual(sm.receive(standby.send(frame)), [{ type: "frame", frame }]);
});

/** The SM's whole stream (hello, ready, frames) and what a standby with the standard nonce makes of it. */
function smStream() {
  const { sm, smHello, smReady } = handshake();
  const stream = Buffer.concat([smHello, smReady, ...smFrames.map((f) => sm.send(f))]);
  const standby = newStandby();
  standby.start();
  return {
    stream,
    expected: standby.receive(stream),
    boundaries: [smHello.length, smHello.length + smReady.length],
  };
}

test("the whole stream in one chunk gives the ready, the establishment and every frame in order", (t) => {
  const { expected } = smStream();
  t.deepEqual(
    expected.map((e) => e.type),
    ["send", "established", "frame", "frame", "frame", "frame"],
  );
  t.deepEqual(
    expected.flatMap((e) => (e.type === "frame" ? [e.frame] : [])),
    smFrames,
  );
});

test("the stream cut at every byte, or in random chunks, gives the same events", (t) => {
  const { stream, expected } = smStream();
  const standby = newStandby();
  standby.start();
  const events: SessionEvent[] = [];
  for (let i = 0; i < stream.length; i++) events.push(...standby.receive(stream.subarray(i, i + 1)));
  t.deepEqual(events, expected);
  const rng = new Rng(0x5e55);
  for (let round = 0; round < 50; round++) {
    const s = newStandby();
    s.start();
    const got: SessionEvent[] = [];
    for (let at = 0; at < stream.length;) {
      const n = rng.range(1, 200);
      got.push(...s.receive(stream.subarray(at, at + n)));
      at += n;
    }
    t.deepEqual(got, expected, `round ${round}`);
  }
});

test("a tampered tag, frame, sequence number or length field fails", (t) => {
  const { sm } = handshake();
  const lease = sm.send(smFrames[1]!);
  const cases: [string, number, SyncSessionErrorReason][] = [
    ["the tag's last byte", lease.length - 1, "auth"],
    ["the tag's first byte", lease.length - 16, "auth"],
    ["a frame byte", 20, "auth"],
    ["the kind byte", 13, "auth"],
    ["a sequence number byte", 11, "auth"],
    ["the high byte of the length", 0, "oversize"],
  ];
  for (const [what, at, reason] of cases) {
    const { standby } = handshake();
    const tampered = Buffer.from(lease);
    tampered[at]! ^= 0x80;
    t.is(errorOf(standby.receive(tampered))?.reason, reason, what);
  }
});

test("a hello under another key with the same id fails auth; an unknown key id fails unknown-key", (t) => {
  const wrong = new Keyring([{ id: 7, secret: OTHER_KEY }], 7);
  const sm = newSm();
  sm.start();
  t.like(errorOf(sm.receive(newStandby({ keyring: wrong }).start())), { reason: "auth" });
  const unknown = new Keyring([{ id: 9, secret: KEY }], 9);
  const sm2 = newSm();
  sm2.start();
  t.like(errorOf(sm2.receive(newStandby({ keyring: unknown }).start())), {
    reason: "unknown-key",
    detail: "key id 9",
  });
});

test("keys rotate: each record names its key, and a receiver takes every key in its keyring", (t) => {
  const both = [
    { id: 7, secret: KEY },
    { id: 8, secret: OTHER_KEY },
  ];
  const sm = newSm({ keyring: new Keyring(both, 8) });
  const standby = newStandby({ keyring: new Keyring(both, 7) });
  const h = handshake(sm, standby);
  t.is(h.smHello[12], 8);
  t.is(h.standbyHello[12], 7);
  t.is(h.smEvents[0]?.type, "established");
  t.is(h.standbyEvents[0]?.type, "established");
  t.deepEqual(standby.receive(sm.send(smFrames[1]!)), [{ type: "frame", frame: smFrames[1] }]);
  const old = newStandby({ keyring: new Keyring([both[0]!], 7) });
  old.start();
  t.like(errorOf(old.receive(h.smHello)), { reason: "unknown-key" });
});

test("a record of this connection sent again, or out of order, fails sequence", (t) => {
  const { sm, standby } = handshake();
  const durable = standby.send(standbyFrames[0]!);
  t.deepEqual(sm.receive(durable), [{ type: "frame", frame: standbyFrames[0] }]);
  t.like(errorOf(sm.receive(durable)), { reason: "sequence", detail: "record 2, expected 3" });

  const h = handshake();
  h.standby.send(standbyFrames[0]!);
  const second = h.standby.send(standbyFrames[1]!);
  t.like(errorOf(h.sm.receive(second)), { reason: "sequence", detail: "record 3, expected 2" });
});

test("a record replayed from another connection fails auth, even at the right sequence number", (t) => {
  const a = handshake();
  const recorded = a.standby.send(standbyFrames[0]!);
  const b = handshake(
    newSm({ nonce: Buffer.alloc(16, 0xaa) }),
    newStandby({ nonce: Buffer.alloc(16, 0xbb) }),
  );
  t.is(b.smEvents[0]?.type, "established");
  t.like(errorOf(b.sm.receive(recorded)), { reason: "auth" });
});

test("a replayed hello is answered, but the replayed ready fails auth: the connection is never established", (t) => {
  const old = handshake();
  const sm = newSm({ nonce: Buffer.alloc(16, 0xcc) });
  sm.start();
  const events = sm.receive(Buffer.concat([old.standbyHello, old.standbyReady]));
  t.deepEqual(
    events.map((e) => e.type),
    ["send", "error"],
  );
  t.like(errorOf(events), { reason: "auth" });
});

test("the length field alone decides a frame over the limit, before anything else arrives", (t) => {
  const { standby } = handshake();
  const length = Buffer.alloc(4);
  length.writeUInt32BE(DEFAULT_MAX_FRAME_BYTES + 1 + 25);
  t.like(errorOf(standby.receive(length)), {
    reason: "oversize",
    detail: `a frame of ${DEFAULT_MAX_FRAME_BYTES + 1} bytes, over ${DEFAULT_MAX_FRAME_BYTES}`,
  });
  const ok = handshake().standby;
  length.writeUInt32BE(DEFAULT_MAX_FRAME_BYTES + 25);
  t.deepEqual(ok.receive(length), [], "a frame of exactly the limit is awaited");
  length.writeUInt32BE(0xffffffff);
  t.like(errorOf(handshake().standby.receive(length)), { reason: "oversize" });
  length.writeUInt32BE(24);
  t.like(errorOf(handshake().standby.receive(length)), {
    reason: "length",
    detail: "length 24 is less than 25",
  });
});

test("before the handshake ends the limit is a hello's 29 bytes", (t) => {
  const sm = newSm();
  sm.start();
  t.like(errorOf(sm.receive(hex("00000037"))), {
    reason: "oversize",
    detail: "a frame of 30 bytes, over 29 before the handshake's end",
  });
  const sm2 = newSm();
  sm2.start();
  sm2.receive(newStandby().start());
  t.like(errorOf(sm2.receive(hex("00000037"))), { reason: "oversize" });
});

test("maxFrameBytes bounds what a session sends and takes", (t) => {
  const { sm, standby } = handshake(newSm({ maxFrameBytes: 1000 }), newStandby({ maxFrameBytes: 1000 }));
  const fits: SyncAppFrame = { kind: "changes", epoch: 42, payload: Buffer.alloc(991) };
  t.deepEqual(standby.receive(sm.send(fits)), [{ type: "frame", frame: fits }]);
  t.throws(() => sm.send({ kind: "changes", epoch: 42, payload: Buffer.alloc(992) }), {
    instanceOf: RangeError,
    message: "a changes of 1001 bytes is over 1000",
  });
  const big = handshake(newSm(), newStandby({ maxFrameBytes: 1000 }));
  const record = big.sm.send({ kind: "changes", epoch: 42, payload: Buffer.alloc(992) });
  t.like(errorOf(big.standby.receive(record.subarray(0, 4))), { reason: "oversize" });
  for (const bad of [28, 1.5, 2 ** 32 - 25])
    t.throws(() => newSm({ maxFrameBytes: bad }), { instanceOf: RangeError }, `maxFrameBytes ${bad}`);
});

test("handshake rules: hello first, the other role, ready second, neither again later", (t) => {
  const cases: [string, Buffer, string][] = [
    [
      "a ready first",
      record(`02 ${E}`, 0, Buffer.concat([hex("01"), SM_NONCE])),
      "the first frame is ready, not hello",
    ],
    [
      "a hello from another standby",
      record(HELLO_STANDBY, 0, Buffer.concat([hex("02"), STANDBY_NONCE])),
      "the peer is also standby",
    ],
    [
      "a lease second",
      Buffer.concat([
        record(HELLO_SM, 0, Buffer.concat([hex("01"), SM_NONCE])),
        fromSm(`04 ${E} 00000001 ${E} 00000064`, 1),
      ]),
      "lease instead of ready",
    ],
    ["a hello after the handshake", handshakeWith(fromSm(HELLO_SM, 2)), "hello after the handshake"],
    ["a ready after the handshake", handshakeWith(fromSm(`02 ${E}`, 2)), "ready after the handshake"],
  ];
  for (const [what, bytes, detail] of cases) {
    const standby = newStandby();
    standby.start();
    t.like(errorOf(standby.receive(bytes)), { reason: "handshake", detail }, what);
  }
});

/** The SM's hello and ready as records made here, then `more`: what a standby needs to be established first. */
function handshakeWith(more: Buffer): Buffer {
  return Buffer.concat([
    record(HELLO_SM, 0, Buffer.concat([hex("01"), SM_NONCE])),
    fromSm(`02 ${E}`, 1),
    more,
  ]);
}

test("records made from the document's definition are accepted (the session tags as documented)", (t) => {
  const standby = newStandby();
  standby.start();
  const events = standby.receive(handshakeWith(fromSm(`07 ${E} 0000000000000005`, 2)));
  t.deepEqual(events.slice(1), [
    { type: "established", peerNode: 1, peerEpoch: 42 },
    { type: "frame", frame: { kind: "release", epoch: 42, csn: 5 } },
  ]);
  const sm = newSm();
  sm.start();
  sm.receive(record(HELLO_STANDBY, 0, Buffer.concat([hex("02"), STANDBY_NONCE])));
  t.deepEqual(sm.receive(fromStandby(`02 ${E}`, 1)), [{ type: "established", peerNode: 2, peerEpoch: 42 }]);
});

test("a frame only the receiver's role sends fails direction; a frame that does not decode fails malformed", (t) => {
  const cases: [string, Buffer, SyncSessionErrorReason, string][] = [
    [
      "a durable from the SM",
      fromSm(`05 ${E} 0000000000000005 00000001`, 2),
      "direction",
      "durable from the sm",
    ],
    [
      "a takeover-request from the SM",
      fromSm(`06 ${E} 0002 01`, 2),
      "direction",
      "takeover-request from the sm",
    ],
    ["a check-reply from the SM", fromSm(`09 ${E} 00000001`, 2), "direction", "check-reply from the sm"],
    ["kind 10", fromSm(`0a ${E}`, 2), "malformed", "kind: kind 10 at offset 0"],
    [
      "a lease of 23 bytes",
      fromSm(`04 ${E} 00000001 ${E} 0000`, 2),
      "malformed",
      "truncated: lease of 23 bytes, expected 25",
    ],
  ];
  for (const [what, bytes, reason, detail] of cases) {
    const standby = newStandby();
    standby.start();
    t.like(errorOf(standby.receive(handshakeWith(bytes))), { reason, detail }, what);
  }
  const sm = newSm();
  sm.start();
  t.like(
    errorOf(sm.receive(record(`01 ${E} 03`, 0, hex("02")))),
    { reason: "malformed" },
    "a first frame that does not decode",
  );
  const sm2 = newSm();
  sm2.start();
  sm2.receive(record(HELLO_STANDBY, 0, Buffer.concat([hex("02"), STANDBY_NONCE])));
  sm2.receive(fromStandby(`02 ${E}`, 1));
  t.like(errorOf(sm2.receive(fromStandby(`03 ${E} 00`, 2))), {
    reason: "direction",
    detail: "changes from the standby",
  });
});

test("after an error the session stays failed; misuse throws", (t) => {
  const sm = newSm();
  t.throws(() => sm.receive(Buffer.alloc(1)), { message: "start() the session before it receives bytes" });
  sm.start();
  t.throws(() => sm.start(), { message: "the session has started already" });
  t.throws(() => sm.send(smFrames[1]!), { message: "the session is hello, not open" });
  const first = errorOf(sm.receive(hex("00000000")));
  t.like(first, { reason: "length" });
  t.deepEqual(sm.receive(newStandby().start()), [{ type: "error", error: first! }]);
  t.throws(() => sm.send(smFrames[1]!), { message: "the session is failed, not open" });
  const { standby } = handshake();
  t.throws(() => standby.send(smFrames[1]!), {
    instanceOf: RangeError,
    message: "the standby does not send lease",
  });
  t.throws(() => newSm({ nonce: Buffer.alloc(15) }), { instanceOf: RangeError });
  t.true(first instanceof SyncSessionError);
});

test("a damaged stream in random chunks gives a prefix of the right events, then one error, and never throws (seed 0x5e5510, 3000 cases)", (t) => {
  const { stream, expected, boundaries } = smStream();
  const rng = new Rng(0x5e5510);
  for (let i = 0; i < 3000; i++) {
    const damaged = Buffer.from(stream);
    const kind = rng.below(3);
    let bytes = damaged;
    if (kind === 0) damaged[rng.below(damaged.length)]! ^= 1 << rng.below(8);
    else if (kind === 1) bytes = damaged.subarray(0, rng.below(damaged.length));
    else {
      const at = rng.pick([0, ...boundaries, rng.below(damaged.length)]);
      bytes = Buffer.concat([damaged.subarray(0, at), rng.bytes(rng.range(1, 40)), damaged.subarray(at)]);
    }
    const standby = newStandby();
    standby.start();
    const events: SessionEvent[] = [];
    try {
      for (let at = 0; at < bytes.length && errorOf(events) === undefined;) {
        const n = rng.range(1, 500);
        events.push(...standby.receive(bytes.subarray(at, at + n)));
        at += n;
      }
    } catch (e) {
      t.fail(`case ${i}: receive threw ${String(e)}`);
      return;
    }
    const error = errorOf(events);
    const good = error ? events.slice(0, -1) : events;
    if (good.some((e) => e.type === "error") || !isPrefix(good, expected)) {
      t.fail(`case ${i} (damage ${kind}): events ${JSON.stringify(events.map((e) => e.type))}`);
      return;
    }
    if (kind === 0 && error === undefined && good.length === expected.length) {
      t.fail(`case ${i}: a flipped bit went unnoticed`);
      return;
    }
  }
  t.pass();
});

function isPrefix(events: SessionEvent[], expected: SessionEvent[]): boolean {
  return events.length <= expected.length && events.every((e, i) => isEqual(e, expected[i]!));
}

function isEqual(a: SessionEvent, b: SessionEvent): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
