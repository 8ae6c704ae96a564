// Tests of the sync link on real TCP (127.0.0.1, ephemeral ports) and of its in-memory twin
// (docs/sync-wire.md): handshake and frames both ways; a garbage client, a wrong-key client, a silent
// client and one that stops mid-handshake are closed with a logged reason, never reach the application,
// and the server still serves a good client; an authenticated peer that replays a record or announces an
// oversized frame is closed with that reason; connectSync's timeout and refusal; close reasons on both
// sides. The same SyncPeer behaviour (order, direction rules, frames before onFrame, close reasons, send
// after close) is checked on both links, then the twin's partition and cut.
import test, { type ExecutionContext } from "ava";
import { connect, createServer } from "node:net";
import { isDeepStrictEqual } from "node:util";
import { Logger, type LogRecord } from "../src/log/logger.js";
import { PEER_CLOSED_REASON, type SyncAppFrame, type SyncPeer } from "../src/directory/sync/frames.js";
import { MemorySyncLink } from "../src/directory/sync/memory-link.js";
import { SyncSession } from "../src/directory/sync/session.js";
import { connectSync, SyncLinkError, SyncServer } from "../src/directory/sync/tcp-link.js";
import { Keyring } from "../src/rmtp/codec/keyring.js";

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i);
const keyring = new Keyring([{ id: 7, secret: KEY }], 7);
const wrongKeyring = new Keyring([{ id: 7, secret: KEY.map((b) => b ^ 1) }], 7);
const HANDSHAKE_MS = 400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Values pushed by callbacks, taken in order by a test; next() fails after `ms`. */
class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: ((item: T) => void)[] = [];
  readonly push = (item: T): void => {
    const waiter = this.waiters.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  };

  get size(): number {
    return this.items.length;
  }

  next(ms = 5000): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nothing arrived within ${ms} ms`)), ms);
      this.waiters.push((item) => {
        clearTimeout(timer);
        resolve(item);
      });
    });
  }
}

function capture(name: string) {
  const logs: LogRecord[] = [];
  return { logs, log: new Logger(name, (r) => logs.push(r), "debug") };
}

async function startServer(t: ExecutionContext) {
  const { logs, log } = capture("sm");
  const server = await SyncServer.listen({
    address: "127.0.0.1",
    port: 0,
    keyring,
    self: { node: 1, epoch: 42 },
    timeoutMs: HANDSHAKE_MS,
    log,
  });
  t.teardown(() => server.close());
  const peers = new Inbox<SyncPeer>();
  server.onPeer(peers.push);
  return { server, logs, peers };
}

function connectStandby(port: number, ring = keyring) {
  const { logs, log } = capture("standby");
  const peer = connectSync({
    address: "127.0.0.1",
    port,
    keyring: ring,
    self: { node: 2, epoch: 41 },
    timeoutMs: 1000,
    log,
  });
  return { peer, logs };
}

function frames(peer: SyncPeer): Inbox<SyncAppFrame> {
  const inbox = new Inbox<SyncAppFrame>();
  peer.onFrame(inbox.push);
  return inbox;
}

function closes(peer: SyncPeer): Inbox<string> {
  const inbox = new Inbox<string>();
  peer.onClose(inbox.push);
  return inbox;
}

/** A raw TCP client; resolves when the server closes it, with what it received. */
function rawClient(port: number, write?: Buffer) {
  const socket = connect({ host: "127.0.0.1", port });
  const received: Buffer[] = [];
  socket.on("data", (d: Buffer) => received.push(d));
  socket.on("error", () => undefined);
  if (write) socket.write(write);
  const closed = new Promise<Buffer>((resolve) => socket.on("close", () => resolve(Buffer.concat(received))));
  return { socket, closed };
}

/** Waits until the log has a record of `event` whose reason starts with `prefix`; returns the reason. */
async function logged(logs: LogRecord[], event: string, prefix: string, ms = 3000): Promise<string> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(10)) {
    const r = logs.find((l) => l.event === event && String(l.reason).startsWith(prefix));
    if (r) return String(r.reason);
  }
  throw new Error(`no ${event} with a reason starting "${prefix}" in ${JSON.stringify(logs)}`);
}

/** Compares frames with isDeepStrictEqual: AVA's deepEqual takes seconds on a payload of megabytes. */
function same(t: ExecutionContext, got: SyncAppFrame[], expected: SyncAppFrame[], message?: string): void {
  t.true(isDeepStrictEqual(got, expected), message ?? JSON.stringify(got.map((f) => f.kind)));
}

const big: SyncAppFrame = {
  kind: "changes",
  epoch: 42,
  payload: Buffer.alloc(3 << 20).map((_, i) => (i * 7) & 0xff),
};
const lease: SyncAppFrame = { kind: "lease", epoch: 42, seq: 3, headCsn: 1234, validMs: 500 };
const release: SyncAppFrame = { kind: "release", epoch: 42, csn: 1234 };
const durable: SyncAppFrame = { kind: "durable", epoch: 42, csn: 1234, leaseSeq: 3 };
const takeover: SyncAppFrame = { kind: "takeover-request", epoch: 42, node: 2, priority: 200 };

test("a standby connects, both sides authenticate, and frames cross both ways in order", async (t) => {
  const { server, logs, peers } = await startServer(t);
  const standby = connectStandby(server.port);
  const client = await standby.peer;
  const sm = await peers.next();
  t.deepEqual([client.peerNode, client.peerEpoch, sm.peerNode, sm.peerEpoch], [1, 42, 2, 41]);
  const atStandby = frames(client);
  const atSm = frames(sm);
  sm.send(big);
  sm.send(lease);
  sm.send(release);
  client.send(durable);
  client.send(takeover);
  same(t, [await atStandby.next(), await atStandby.next(), await atStandby.next()], [big, lease, release]);
  t.deepEqual([await atSm.next(), await atSm.next()], [durable, takeover]);
  t.like(
    logs.find((l) => l.event === "sync-peer-established"),
    { peer: 2, peerEpoch: 41 },
  );
  t.like(
    standby.logs.find((l) => l.event === "sync-peer-established"),
    { peer: 1, peerEpoch: 42 },
  );
});

test("a garbage client is closed with a logged reason; the server goes on serving", async (t) => {
  const { server, logs, peers } = await startServer(t);
  const http = rawClient(server.port, Buffer.from("GET / HTTP/1.1\r\nHost: sm\r\n\r\n"));
  const hello = await http.closed;
  t.is(hello.length, 58, "the client got the server's hello and nothing more");
  t.regex(await logged(logs, "sync-handshake-failed", "oversize"), /^oversize: a frame of 1195725831 bytes/);
  const junk = Buffer.alloc(58, 0x5a);
  junk.writeUInt32BE(54, 0);
  await rawClient(server.port, junk).closed;
  await logged(logs, "sync-handshake-failed", "unknown-key");
  const tagged = Buffer.from(junk);
  tagged[12] = 7;
  await rawClient(server.port, tagged).closed;
  await logged(logs, "sync-handshake-failed", "malformed: kind: kind 90");
  t.is(peers.size, 0, "no garbage client reached the application");
  await connectStandby(server.port).peer;
  t.is((await peers.next()).peerNode, 2);
});

test("a client with the wrong key is refused on both sides and never reaches the application", async (t) => {
  const { server, logs, peers } = await startServer(t);
  const error = await t.throwsAsync(connectStandby(server.port, wrongKeyring).peer, {
    instanceOf: SyncLinkError,
  });
  t.true(["auth", "eof", "socket"].includes(error.reason), error.message);
  await logged(logs, "sync-handshake-failed", "auth: bad tag on record 0 (key id 7)");
  t.is(peers.size, 0);
  await connectStandby(server.port).peer;
  t.is((await peers.next()).peerNode, 2);
});

test("a silent client, and one that stops after its hello, are closed after the handshake timeout", async (t) => {
  const { server, logs, peers } = await startServer(t);
  const start = Date.now();
  const silent = rawClient(server.port);
  const hello = new SyncSession({ role: "standby", node: 3, epoch: 1, keyring }).start();
  const halfway = rawClient(server.port, hello);
  await silent.closed;
  const received = await halfway.closed;
  const took = Date.now() - start;
  t.true(took >= HANDSHAKE_MS - 50 && took < HANDSHAKE_MS + 2000, `closed after ${took} ms`);
  t.is(received.length, 58 + 38, "the half-way client got the server's hello and ready");
  await logged(logs, "sync-handshake-failed", `timeout: no handshake within ${HANDSHAKE_MS} ms`);
  t.is(logs.filter((l) => l.event === "sync-handshake-failed").length, 2);
  t.is(peers.size, 0);
});

test("connectSync rejects with timeout when the server never answers, and with socket when refused", async (t) => {
  const mute = createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve));
  const port = (mute.address() as { port: number }).port;
  const { log } = capture("standby");
  const o = { address: "127.0.0.1", port, keyring, self: { node: 2, epoch: 1 }, timeoutMs: 300, log };
  const timeout = await t.throwsAsync(connectSync(o), { instanceOf: SyncLinkError });
  t.is(timeout.message, "timeout: no handshake within 300 ms");
  await new Promise<void>((resolve) => mute.close(() => resolve()));
  const refused = await t.throwsAsync(connectSync(o), { instanceOf: SyncLinkError });
  t.is(refused.reason, "socket");
  t.regex(refused.message, /ECONNREFUSED/);
});

/** A standby that speaks the session on a raw socket, so the test can write records the link would not. */
async function rawStandby(port: number) {
  const session = new SyncSession({ role: "standby", node: 2, epoch: 41, keyring });
  const { socket, closed } = rawClient(port, session.start());
  await new Promise<void>((resolve) =>
    socket.on("data", (chunk: Buffer) => {
      for (const e of session.receive(chunk)) {
        if (e.type === "send") socket.write(e.bytes);
        if (e.type === "established") resolve();
      }
    }),
  );
  return { session, socket: socket, closed };
}

test("an authenticated peer that replays a record is closed with sequence; the first copy was delivered", async (t) => {
  const { server, peers } = await startServer(t);
  const raw = await rawStandby(server.port);
  const sm = await peers.next();
  const atSm = frames(sm);
  const closed = closes(sm);
  const record = raw.session.send(durable);
  raw.socket.write(Buffer.concat([record, record]));
  t.deepEqual(await atSm.next(), durable);
  t.is(await closed.next(), "sequence: record 2, expected 3");
  await raw.closed;
  t.is(atSm.size, 0);
});

test("an authenticated peer that announces an oversized frame is closed at once with oversize", async (t) => {
  const { server, logs, peers } = await startServer(t);
  const raw = await rawStandby(server.port);
  const sm = await peers.next();
  const closed = closes(sm);
  raw.socket.write(Buffer.from("ffffffff", "hex"));
  t.is(await closed.next(), "oversize: a frame of 4294967270 bytes, over 67108864");
  await raw.closed;
  t.like(
    logs.find((l) => l.event === "sync-peer-closed"),
    { level: "warn", peer: 2 },
  );
});

test("close reasons: the closing side gets its own, the other eof; SyncServer.close closes its peers", async (t) => {
  const { server, peers } = await startServer(t);
  const first = await connectStandby(server.port).peer;
  const sm1 = await peers.next();
  const [firstClosed, sm1Closed] = [closes(first), closes(sm1)];
  first.close("standby stopping");
  t.is(await firstClosed.next(), "standby stopping");
  t.is(await sm1Closed.next(), PEER_CLOSED_REASON);

  const second = await connectStandby(server.port).peer;
  const sm2 = await peers.next();
  const [secondClosed, sm2Closed] = [closes(second), closes(sm2)];
  await server.close();
  t.is(await sm2Closed.next(), "server closed");
  t.is(await secondClosed.next(), PEER_CLOSED_REASON);
});

// ---- The SyncPeer contract, on both links ---------------------------------------------------------------

interface Link {
  sm: SyncPeer;
  standby: SyncPeer;
}

async function tcpLink(t: ExecutionContext): Promise<Link> {
  const { server, peers } = await startServer(t);
  const standby = await connectStandby(server.port).peer;
  return { sm: await peers.next(), standby };
}

function memoryLink(_t: ExecutionContext): Promise<Link> {
  const link = new MemorySyncLink({ sm: { node: 1, epoch: 42 }, standby: { node: 2, epoch: 41 } });
  return Promise.resolve({ sm: link.sm, standby: link.standby });
}

for (const [name, make] of [
  ["tcp", tcpLink],
  ["memory", memoryLink],
] as const) {
  test(`${name} link: peers, order, frames before onFrame, send rules, close and send after close`, async (t) => {
    const { sm, standby } = await make(t);
    t.deepEqual([sm.peerNode, sm.peerEpoch, standby.peerNode, standby.peerEpoch], [2, 41, 1, 42]);
    sm.send(lease);
    sm.send(big);
    await sleep(50);
    const atStandby = frames(standby);
    same(t, [await atStandby.next(), await atStandby.next()], [lease, big], "frames waited for onFrame");
    t.throws(() => sm.send(durable), { instanceOf: RangeError, message: "the sm does not send durable" });
    t.throws(() => standby.send(lease), {
      instanceOf: RangeError,
      message: "the standby does not send lease",
    });
    const atSm = frames(sm);
    standby.send(durable);
    standby.send(takeover);
    t.deepEqual([await atSm.next(), await atSm.next()], [durable, takeover]);

    const [smClosed, standbyClosed] = [closes(sm), closes(standby)];
    sm.send(release);
    sm.close("stepping down");
    t.is(await smClosed.next(), "stepping down");
    t.deepEqual(await atStandby.next(), release, "what was sent before the close arrives");
    t.is(await standbyClosed.next(), PEER_CLOSED_REASON);
    sm.send(release);
    standby.send(durable);
    sm.close("again");
    const late = closes(sm);
    t.is(await late.next(), "stepping down", "a late onClose hears the reason at once");
    await sleep(50);
    t.is(atSm.size + atStandby.size + smClosed.size + standbyClosed.size, 0, "nothing after the close");
  });
}

test("memory link: delivery is asynchronous and frames are copies", async (t) => {
  const link = new MemorySyncLink({ sm: { node: 1, epoch: 42 }, standby: { node: 2, epoch: 41 } });
  const got: SyncAppFrame[] = [];
  link.standby.onFrame((f) => got.push(f));
  const payload = Buffer.from("abc");
  link.sm.send({ kind: "changes", epoch: 42, payload });
  t.is(got.length, 0);
  payload[0] = 0x7a;
  await Promise.resolve();
  t.deepEqual(got, [{ kind: "changes", epoch: 42, payload: Buffer.from("abc") }]);
  const small = new MemorySyncLink({
    sm: { node: 1, epoch: 1 },
    standby: { node: 2, epoch: 1 },
    maxFrameBytes: 100,
  });
  t.throws(() => small.sm.send({ kind: "changes", epoch: 1, payload: Buffer.alloc(92) }), {
    instanceOf: RangeError,
  });
});

test("memory link: a partition drops frames both ways, in flight included, and tells nobody", async (t) => {
  const link = new MemorySyncLink({ sm: { node: 1, epoch: 42 }, standby: { node: 2, epoch: 41 } });
  const [atSm, atStandby] = [frames(link.sm), frames(link.standby)];
  const [smClosed, standbyClosed] = [closes(link.sm), closes(link.standby)];
  link.sm.send(lease);
  link.partition();
  link.standby.send(durable);
  link.sm.close("lease expired");
  await sleep(20);
  t.is(atSm.size + atStandby.size + standbyClosed.size, 0);
  t.is(await smClosed.next(), "lease expired");
});

test("memory link: a cut drops frames in flight and closes both ends with its reason", async (t) => {
  const link = new MemorySyncLink({ sm: { node: 1, epoch: 42 }, standby: { node: 2, epoch: 41 } });
  const atStandby = frames(link.standby);
  const [smClosed, standbyClosed] = [closes(link.sm), closes(link.standby)];
  link.sm.send(lease);
  link.cut("power");
  t.is(await smClosed.next(), "power");
  t.is(await standbyClosed.next(), "power");
  link.sm.send(lease);
  await sleep(20);
  t.is(atStandby.size, 0);
});
