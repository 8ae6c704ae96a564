// Whole-group behaviour of the RMTP state machines on the in-memory network with a virtual clock:
// exactly-once in-order delivery under loss, abort, eviction of a dead member, manager restart, several
// senders, timeouts. The same machines run over UDP in the virtual lab tests (hil-tests/).
import test from "ava";
import { SimGroup, payloadOf, testParams } from "./helpers/sim-group.js";
import { RmtpSendError } from "../src/rmtp/io/endpoint.js";

const sizes = [0, 1, 1337, 1338, 1339, 5000, 100_000, 30, 2 * 1338, 64];

function expectAllDelivered(
  t: import("ava").ExecutionContext,
  g: SimGroup,
  sender: number,
  count: number,
): void {
  for (const m of g.members.values()) {
    if (m.id === sender) continue;
    const fromSender = m.deliveries.filter((d) => d.source === sender);
    t.is(fromSender.length, count, `member ${m.name} delivered ${fromSender.length} of ${count}`);
    fromSender.forEach((d, i) => {
      t.is(d.messageId, i + 1, `member ${m.name} message order`);
      t.true(
        d.payload.equals(payloadOf(i, sizes[i % sizes.length]!)),
        `member ${m.name} message ${i + 1} payload`,
      );
    });
  }
}

for (const loss of [0, 0.05, 0.2]) {
  test(`9 members: every message delivered exactly once and in order at ${loss * 100}% loss`, async (t) => {
    const g = SimGroup.build(8, testParams(), 7);
    for (let id = 2; id <= 9; id++) g.setLoss(id, loss);
    const sender = g.member(3);
    const count = 40;
    const sends = Array.from({ length: count }, (_, i) =>
      sender.endpoint.send(payloadOf(i, sizes[i % sizes.length]!)),
    );
    const all = await g.settle(Promise.all(sends), 120_000);
    t.true(all.ok, all.ok ? "" : all.error.message);
    g.run(500);
    expectAllDelivered(t, g, 3, count);
    for (const m of g.members.values())
      t.deepEqual(
        m.events.filter((e) => e.event === "member-evicted"),
        [],
      );
  });
}

test("abort: the promise rejects after every member acknowledged it and nobody delivers the message", async (t) => {
  const g = SimGroup.build(4);
  const sender = g.member(2).endpoint;
  const big = sender.submit(payloadOf(0, 2_000_000));
  g.run(3);
  t.is(sender.abort(big.messageId), "aborting");
  const outcome = await g.settle(big.done);
  t.false(outcome.ok);
  if (!outcome.ok) t.is((outcome.error as RmtpSendError).failure, "aborted");
  const next = await g.settle(sender.send(payloadOf(1, 10)));
  t.true(next.ok);
  for (const m of g.members.values()) {
    if (m.id === 2) continue;
    t.deepEqual(
      m.deliveries.map((d) => d.messageId),
      [2],
      `${m.name} delivered only the message after the abort`,
    );
    t.true(
      m.events.some((e) => e.event === "remote-abort"),
      `${m.name} saw the abort`,
    );
  }
});

test("a recipient that dies mid-transfer is evicted and the others finish within the eviction bound", async (t) => {
  const params = testParams({ evictAfterMs: 800, memberTimeoutMs: 1500 });
  const g = SimGroup.build(8, params);
  const sender = g.member(2).endpoint;
  const started = g.clock.now();
  const done = sender.send(payloadOf(0, 3_000_000));
  g.clock.advance(1);
  await g.kill(5);
  const outcome = await g.settle(done);
  t.true(outcome.ok);
  const elapsed = g.clock.now() - started;
  t.true(elapsed < params.evictAfterMs + 1000, `took ${elapsed} virtual ms`);
  const evictions = g.member(1).events.filter((e) => e.event === "member-evicted");
  t.is(evictions.length, 1);
  t.like(evictions[0], { name: "b5" });
  for (const m of g.members.values()) if (m.id !== 2) t.is(m.deliveries.length, 1);
});

test("a manager restart (new epoch) completes in-flight messages without duplicates", async (t) => {
  const g = SimGroup.build(6);
  const sender = g.member(4).endpoint;
  const sends = Array.from({ length: 20 }, (_, i) => sender.send(payloadOf(i, sizes[i % sizes.length]!)));
  g.run(2);
  await g.member(1).endpoint.close();
  await g.kill(1);
  g.run(300);
  g.add(1, 2);
  const all = await g.settle(Promise.all(sends));
  t.true(all.ok, all.ok ? "" : all.error.message);
  g.run(500);
  for (const m of g.members.values()) {
    if (m.id === 4 || m.id === 1) continue;
    t.deepEqual(
      m.deliveries.map((d) => d.messageId),
      Array.from({ length: 20 }, (_, i) => i + 1),
      `${m.name}`,
    );
    t.true(m.events.some((e) => e.event === "epoch-changed" && e.to === 2));
  }
  const later = await g.settle(sender.send(payloadOf(99, 3000)));
  t.true(later.ok);
});

test("after a manager restart, senders wait for the previous members, so one that rejoins late misses nothing", async (t) => {
  const g = SimGroup.build(6);
  const sender = g.member(4).endpoint;
  const first = await g.settle(sender.send(payloadOf(0, sizes[0]!)));
  t.true(first.ok);
  await g.member(1).endpoint.close();
  await g.kill(1);
  g.setLoss(6, 1);
  g.add(1, 2);
  const sends = Array.from({ length: 9 }, (_, i) =>
    sender.send(payloadOf(i + 1, sizes[(i + 1) % sizes.length]!)),
  );
  g.run(600);
  g.setLoss(6, 0);
  const all = await g.settle(Promise.all(sends));
  t.true(all.ok, all.ok ? "" : all.error.message);
  g.run(500);
  const late = g.member(6);
  t.deepEqual(
    late.deliveries.map((d) => d.messageId),
    Array.from({ length: 10 }, (_, i) => i + 1),
  );
  t.deepEqual(
    late.events.filter((e) => e.event === "gap"),
    [],
  );
});

test("a member away past the eviction bound while a stream finished reports the gap when it is back", async (t) => {
  const g = SimGroup.build(8);
  const sender = g.member(5).endpoint;
  const first = await g.settle(sender.send(payloadOf(0, 3000)));
  t.true(first.ok);
  g.setLoss(8, 1);
  await g.member(1).endpoint.close();
  await g.kill(1);
  g.add(1, 2);
  const sends = Array.from({ length: 6 }, (_, i) => sender.send(payloadOf(i + 1, 3000 + i)));
  const all = await g.settle(Promise.all(sends));
  t.true(all.ok, all.ok ? "" : all.error.message);
  g.run(2 * testParams().memberTimeoutMs);
  g.setLoss(8, 0);
  g.run(1000);
  const back = g.member(8);
  t.deepEqual(
    back.deliveries.map((d) => d.messageId),
    [1],
  );
  t.like(
    back.events.filter((e) => e.event === "gap"),
    [{ event: "gap", source: 5, reason: "missed" }],
  );
});

test("several senders at once: each sender's messages arrive in its order at every member", async (t) => {
  const g = SimGroup.build(6, testParams(), 3);
  for (let id = 2; id <= 7; id++) g.setLoss(id, 0.05);
  const senders = [2, 3, 4, 1];
  const sends = senders.flatMap((s) =>
    Array.from({ length: 15 }, (_, i) => g.member(s).endpoint.send(payloadOf(i, sizes[i % sizes.length]!))),
  );
  const all = await g.settle(Promise.all(sends), 120_000);
  t.true(all.ok, all.ok ? "" : all.error.message);
  g.run(500);
  for (const m of g.members.values()) {
    for (const s of senders) {
      if (s === m.id) continue;
      t.deepEqual(
        m.deliveries.filter((d) => d.source === s).map((d) => d.messageId),
        Array.from({ length: 15 }, (_, i) => i + 1),
      );
    }
  }
});

test("without a manager a send times out", async (t) => {
  const g = new SimGroup(testParams({ sendTimeoutMs: 500 }));
  const lonely = g.add(2);
  g.run(100);
  const outcome = await g.settle(lonely.endpoint.send(payloadOf(0, 10)));
  t.false(outcome.ok);
  if (!outcome.ok) t.is((outcome.error as RmtpSendError).failure, "timeout");
});

test("a message larger than maxMessageBytes is refused at once", (t) => {
  const g = SimGroup.build(2, testParams({ maxMessageBytes: 1000 }));
  t.throws(() => g.member(2).endpoint.submit(Buffer.alloc(1001)), { instanceOf: RangeError });
});
