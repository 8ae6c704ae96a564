// The search sender over a real TCP connection: a long search yields to the event loop between slices
// (a timer keeps firing), the size limit, a client that goes away mid-search, and a slow reader.
import { once } from "node:events";
import { createServer, connect, type Socket } from "node:net";
import test from "ava";
import { sendEntries } from "../src/directory/ldap/search-sender.js";
import { ResultCode, type Entry } from "../src/directory/model/types.js";

function* entries(count: number, pauseEvery = 0): Generator<Entry | null> {
  for (let i = 0; i < count; i++) {
    if (pauseEvery > 0 && i % pauseEvery === 0) yield null;
    yield { dn: `cn=e${i},dc=example`, attributes: { cn: [`e${i}`] } };
  }
}

/** A connected pair: the server's socket (what the sender writes to) and the client's. */
async function pair(): Promise<{ server: Socket; client: Socket; close: () => void }> {
  const listener = createServer();
  listener.listen(0, "127.0.0.1");
  await once(listener, "listening");
  const address = listener.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  const accepted = once(listener, "connection") as Promise<[Socket]>;
  const client = connect(address.port, "127.0.0.1");
  const [server] = await accepted;
  /* A client destroyed mid-search resets the connection: the sender sees it as closed. */
  for (const s of [server, client]) s.on("error", () => undefined);
  return {
    server,
    client,
    close: () => {
      server.destroy();
      client.destroy();
      listener.close();
    },
  };
}

/** Slow encoding: about 20 µs of work per entry. */
function slowEncode(entry: Entry): Buffer {
  const until = performance.now() + 0.02;
  while (performance.now() < until);
  return Buffer.from(`${entry.dn}\n`);
}

test("a long search yields between slices: a 10 ms timer keeps firing while 20,000 entries go out", async (t) => {
  const { server, client, close } = await pair();
  t.teardown(close);
  let received = 0;
  client.on("data", (d: Buffer) => (received += d.length));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = performance.now();
  const outcome = await sendEntries(server, entries(20_000), slowEncode, {
    sizeLimit: Infinity,
    sliceMs: 5,
    highWaterBytes: 1 << 20,
  });
  const ms = performance.now() - started;
  clearInterval(timer);
  t.deepEqual(outcome, { code: ResultCode.success, message: "", sent: 20_000 });
  t.log(`${ms.toFixed(0)} ms, the timer fired ${ticks} times`);
  t.true(ms > 300, `the encoding took ${ms.toFixed(0)} ms`);
  t.true(ticks >= ms / 10 / 3, `${ticks} timer ticks in ${ms.toFixed(0)} ms`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.true(received > 0);
});

test("pause points alone (a scan that matches nothing) yield too", async (t) => {
  const { server, close } = await pair();
  t.teardown(close);
  function* scan(): Generator<Entry | null> {
    for (let i = 0; i < 400; i++) {
      const until = performance.now() + 1;
      while (performance.now() < until);
      yield null;
    }
  }
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const outcome = await sendEntries(server, scan(), slowEncode, {
    sizeLimit: 10,
    sliceMs: 5,
    highWaterBytes: 1 << 20,
  });
  clearInterval(timer);
  t.deepEqual(outcome, { code: ResultCode.success, message: "", sent: 0 });
  t.true(ticks >= 10, `${ticks} timer ticks over a 400 ms scan`);
});

test("the size limit ends the search with sizeLimitExceeded after exactly that many entries", async (t) => {
  const { server, client, close } = await pair();
  t.teardown(close);
  let text = "";
  client.setEncoding("utf8").on("data", (d: string) => (text += d));
  const outcome = await sendEntries(server, entries(100, 7), (e) => Buffer.from(`${e.dn}\n`), {
    sizeLimit: 30,
    sliceMs: 5,
    highWaterBytes: 1 << 20,
  });
  t.deepEqual(outcome, { code: ResultCode.sizeLimitExceeded, message: "more than 30 entries", sent: 30 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.is(text.split("\n").filter(Boolean).length, 30);
});

test("a client that goes away mid-search ends it as closed, and the generator is closed", async (t) => {
  const { server, client, close } = await pair();
  t.teardown(close);
  let finished = false;
  function* results(): Generator<Entry | null> {
    try {
      yield* entries(1_000_000);
    } finally {
      finished = true;
    }
  }
  setTimeout(() => client.destroy(), 30);
  const outcome = await sendEntries(server, results(), slowEncode, {
    sizeLimit: Infinity,
    sliceMs: 5,
    highWaterBytes: 64 * 1024,
  });
  t.is(outcome, "closed");
  t.true(finished);
});

test("a reader that does not read holds the sender at the high-water mark", async (t) => {
  const { server, client, close } = await pair();
  t.teardown(close);
  client.pause();
  const big = (e: Entry): Buffer => Buffer.alloc(4096, e.dn);
  const sending = sendEntries(server, entries(100_000), big, {
    sizeLimit: Infinity,
    sliceMs: 1,
    highWaterBytes: 256 * 1024,
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const queued = server.writableLength;
  t.true(queued < 8 << 20, `${queued} bytes queued while the client read nothing`);
  client.resume();
  const outcome = await sending;
  t.deepEqual(outcome, { code: ResultCode.success, message: "", sent: 100_000 });
});
