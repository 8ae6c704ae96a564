// Manager takeover for SM/BSM failover: a member that an external election chooses becomes the manager
// (becomeManager) and sends within a few ms when every member is alive (fast settle); a manager steps down
// (stepDown, or on hearing a higher epoch with an external election) and follows the next one. Whole groups
// run on the in-memory network with a virtual clock; the election rules are checked on one node.
import test from "ava";
import type { ExecutionContext } from "ava";
import { FrameType, Role } from "../src/rmtp/codec/frames.js";
import type { AnnounceFrame, HelloFrame } from "../src/rmtp/codec/frames.js";
import { RmtpNode } from "../src/rmtp/core/node.js";
import type { Election, NodeAction, NodeEvent } from "../src/rmtp/core/types.js";
import { SimGroup, payloadOf, testParams, type SimMember } from "./helpers/sim-group.js";

type EventOf<E extends NodeEvent["event"]> = Extract<NodeEvent, { event: E }>;

function eventsOf<E extends NodeEvent["event"]>(m: SimMember, name: E): Array<EventOf<E>> {
  return m.events.filter((e): e is EventOf<E> => e.event === name);
}

function deliveredIds(m: SimMember, source: number): number[] {
  return m.deliveries.filter((d) => d.source === source).map((d) => d.messageId);
}

/**
 * The member's node outcomes in the order it produced them: event names, and `sent@<epoch>` for each
 * message acknowledged with the epoch the node was in when it drained that acknowledgement.
 */
function recordOutcomes(m: SimMember): string[] {
  const node = m.endpoint.node;
  const drain = node.drain.bind(node);
  const order: string[] = [];
  node.drain = (): NodeAction[] => {
    const actions = drain();
    for (const a of actions) {
      if (a.kind === "sent") order.push(`sent@${node.status().epoch}`);
      if (a.kind === "event") order.push(a.detail.event);
    }
    return actions;
  };
  return order;
}

function expectOnce(t: ExecutionContext, members: SimMember[], source: number, ids: number[]): void {
  for (const m of members) t.deepEqual(deliveredIds(m, source), ids, `${m.name}: messages of b${source}`);
}

test("a member takes over from a crashed manager: every member follows, and its first message is acknowledged within a few ms", async (t) => {
  const params = testParams();
  const g = SimGroup.build(5, params, 11, "external");
  t.true((await g.settle(g.member(4).endpoint.send(payloadOf(0, 2000)))).ok);
  g.stop(1);
  g.run(150);
  // Within b4's granted window: every member gets it in the old epoch, but nobody acknowledges it there.
  const duringTakeover = g.member(4).endpoint.send(payloadOf(1, 5000));
  g.run(20);
  const live = [2, 3, 4, 5, 6].map((id) => g.member(id));
  expectOnce(
    t,
    live.filter((m) => m.id !== 4),
    4,
    [1, 2],
  );

  const next = g.member(2);
  const epoch = next.endpoint.status().epoch + 1;
  const before = next.events.length;
  next.endpoint.becomeManager(epoch, "elected");
  t.deepEqual(
    next.events.slice(before).map((e) => e.event),
    ["epoch-changed", "became-manager", "admitted"],
  );
  const first = await g.settle(next.endpoint.send(payloadOf(2, 100)));
  t.true(first.ok, first.ok ? "" : first.error.message);
  if (first.ok) {
    t.log(`becomeManager to ack(last) of the first message: ${first.value.elapsedMs} virtual ms`);
    t.true(
      first.value.elapsedMs < 20,
      `${first.value.elapsedMs} ms (the old settle: ${2 * params.helloIntervalMs} ms)`,
    );
  }
  for (const m of live) {
    const status = m.endpoint.status();
    t.is(status.epoch, epoch, m.name);
    t.like(status.manager, { id: 2, self: m.id === 2 });
    t.true(status.admitted, m.name);
  }
  t.deepEqual(eventsOf(next, "became-manager"), [{ event: "became-manager", epoch, cause: "elected" }]);
  t.like(next.endpoint.status(), { election: "external", previousMembers: [1, 2, 3, 4, 5, 6] });
  expectOnce(
    t,
    live.filter((m) => m.id !== 2),
    2,
    [1],
  );

  // A member's new stream waits for the previous members that come back, but not for the crashed manager
  // (another node announced the new epoch): sent 20 ms before becomeManager, acknowledged soon after it.
  const during = await g.settle(duringTakeover);
  t.true(during.ok, during.ok ? "" : during.error.message);
  if (during.ok) {
    t.log(`the member's message during the takeover: ${during.value.elapsedMs} virtual ms`);
    t.true(
      during.value.elapsedMs < 20 + 20,
      `${during.value.elapsedMs} ms (waiting for the crashed manager: ${params.memberTimeoutMs} ms)`,
    );
  }
  g.run(300);
  expectOnce(
    t,
    live.filter((m) => m.id !== 4),
    4,
    [1, 2],
  );
});

test("the old manager, resumed with its state, steps down on hearing the new epoch and gets no ack(last) in its old one", async (t) => {
  const g = SimGroup.build(5, testParams(), 11, "external");
  g.stop(1);
  g.run(150);
  g.member(2).endpoint.becomeManager(2, "elected");
  g.run(200);
  // Back after less than memberTimeoutMs, so it evicts nobody: still the manager of epoch 1, it sends at once.
  const old = g.member(1);
  const outcomes = recordOutcomes(old);
  g.resume(1);
  t.true(old.endpoint.node.isManager);
  t.is(old.endpoint.status().epoch, 1);
  const stale = await g.settle(old.endpoint.send(payloadOf(3, 3000)));
  t.true(stale.ok, stale.ok ? "" : stale.error.message);
  t.deepEqual(outcomes, ["stepped-down", "epoch-changed", "admitted", "sent@2"]);
  const steppedDown = eventsOf(old, "stepped-down");
  t.is(steppedDown.length, 1);
  t.is(steppedDown[0]?.epoch, 1);
  t.regex(steppedDown[0]?.cause ?? "", /epoch 2$/);
  t.log(`the old manager stepped down: ${steppedDown[0]?.cause}`);
  t.like(old.endpoint.status(), { epoch: 2, manager: { id: 2, self: false } });
  g.run(300);
  const others = [2, 3, 4, 5, 6].map((id) => g.member(id));
  expectOnce(t, others, 1, [1]);
  for (const m of others) t.like(m.endpoint.status(), { epoch: 2, manager: { id: 2 } });
  t.deepEqual(eventsOf(g.member(2), "stepped-down"), []);
});

test("a previous member that is gone holds the new manager's first message for at most two HELLO intervals", async (t) => {
  const params = testParams();
  const g = SimGroup.build(4, params, 5, "external");
  g.stop(1);
  await g.kill(5);
  g.run(100);
  const next = g.member(2);
  next.endpoint.becomeManager(2, "elected");
  const first = await g.settle(next.endpoint.send(payloadOf(0, 100)));
  t.true(first.ok);
  if (first.ok) {
    t.true(first.value.elapsedMs >= 2 * params.helloIntervalMs, `${first.value.elapsedMs} ms`);
    t.true(first.value.elapsedMs < 2 * params.helloIntervalMs + 20, `${first.value.elapsedMs} ms`);
  }
  g.run(100);
  expectOnce(
    t,
    [3, 4].map((id) => g.member(id)),
    2,
    [1],
  );
});

for (const loss of [0, 0.05]) {
  test(`stepDown, then another node's becomeManager: every message of every sender delivered once, in order, at ${loss * 100}% loss`, async (t) => {
    const g = SimGroup.build(5, testParams(), 13, "external");
    for (let id = 1; id <= 6; id++) g.setLoss(id, loss);
    const sizes = [1, 1339, 100_000, 0, 5000, 64];
    const count = 12;
    const submit = (s: number) =>
      Array.from({ length: count }, (_, i) =>
        g.member(s).endpoint.send(payloadOf(i, sizes[i % sizes.length]!)),
      );
    const sends = [1, 3, 4].flatMap(submit);
    g.run(3);
    const old = g.member(1);
    old.endpoint.stepDown("handover");
    t.false(old.endpoint.node.isManager);
    t.deepEqual(eventsOf(old, "stepped-down"), [{ event: "stepped-down", epoch: 1, cause: "handover" }]);
    g.run(30);
    g.member(2).endpoint.becomeManager(2, "handover");
    sends.push(...submit(2));
    const all = await g.settle(Promise.all(sends), 60_000);
    t.true(all.ok, all.ok ? "" : all.error.message);
    g.run(500);
    const everything = Array.from({ length: count }, (_, i) => i + 1);
    for (const m of g.members.values()) {
      t.is(m.endpoint.status().epoch, 2, m.name);
      for (const s of [1, 2, 3, 4]) {
        if (s === m.id) continue;
        const got = m.deliveries.filter((d) => d.source === s);
        for (const d of got)
          t.true(d.payload.equals(payloadOf(d.messageId - 1, sizes[(d.messageId - 1) % sizes.length]!)));
        const ids = got.map((d) => d.messageId);
        if (loss > 0 && m.id === 1 && s === 2 && ids.length < count) {
          // The new manager does not wait for the previous one: if that one comes late, it misses the first
          // messages and is told so by a gap, never gets one twice.
          t.deepEqual(
            ids,
            everything.filter((id) => ids.includes(id)),
            "in order, once",
          );
          t.true(eventsOf(m, "gap").some((e) => e.source === 2));
          continue;
        }
        t.deepEqual(ids, everything, `${m.name}: messages of b${s}`);
      }
    }
    t.like(old.endpoint.status().manager, { id: 2, self: false });
    t.true(eventsOf(old, "epoch-changed").some((e) => e.from === 1 && e.to === 2));
  });
}

// The election rules on one manager node, frames in by hand.

const identity = { id: 1, name: "b1", role: Role.Sm, incarnation: 1 };
const from = { address: "10.0.0.2", port: 5405 };

function managerNode(election: Election, epoch = 3): RmtpNode {
  const node = new RmtpNode(identity, testParams(), { managerEpoch: epoch, election });
  node.tick(0);
  node.drain();
  return node;
}

function hello(epoch: number, source = 2): HelloFrame {
  return { type: FrameType.Hello, epoch, source, incarnation: 1, role: Role.Se, name: `b${source}` };
}

function announce(epoch: number, source: number): AnnounceFrame {
  return {
    type: FrameType.Announce,
    epoch,
    source,
    incarnation: 1,
    membershipVersion: 1,
    members: [
      { id: source, incarnation: 1 },
      { id: 1, incarnation: 1 },
    ],
  };
}

function events(actions: NodeAction[]): NodeEvent[] {
  return actions.flatMap((a) => (a.kind === "event" ? [a.detail] : []));
}

test("static election: a manager that hears a HELLO with a higher epoch moves past it", (t) => {
  const node = managerNode("static");
  node.receive(hello(5), from, 10);
  t.deepEqual(events(node.drain()).slice(0, 1), [
    { event: "epoch-changed", from: 3, to: 6, cause: "member b2 knows epoch 5" },
  ]);
  t.true(node.isManager);
  t.is(node.status().epoch, 6);
  t.is(node.status().election, "static");
});

test("external election: a manager that hears a HELLO with a higher epoch steps down and follows only a higher epoch", (t) => {
  const node = managerNode("external");
  node.receive(hello(5), from, 10);
  t.deepEqual(events(node.drain()), [{ event: "stepped-down", epoch: 3, cause: "member b2 knows epoch 5" }]);
  t.false(node.isManager);
  t.is(node.status().epoch, 3);
  t.is(node.status().manager, null);

  const stale = node.counters.staleEpochFrames;
  node.receive(announce(3, 7), from, 20);
  t.deepEqual(events(node.drain()), [], "nobody else may announce the epoch this node gave up");
  t.is(node.counters.staleEpochFrames, stale + 1);
  t.is(node.status().manager, null);

  node.receive(announce(5, 2), from, 30);
  t.deepEqual(
    events(node.drain()).map((e) => e.event),
    ["epoch-changed", "admitted"],
  );
  t.like(node.status(), { epoch: 5, admitted: true, manager: { id: 2, self: false } });
});

for (const election of ["static", "external"] as const) {
  test(`${election} election: a manager that hears an ANNOUNCE of a higher epoch steps down`, (t) => {
    const node = managerNode(election);
    node.receive(announce(4, 2), from, 10);
    t.like(events(node.drain())[0], { event: "stepped-down", epoch: 3 });
    t.false(node.isManager);
    t.like(node.status(), { epoch: 4, manager: { id: 2 } });
  });
}

test("becomeManager refuses an epoch that is not above the current one and a node that already manages; stepDown refuses a member", (t) => {
  const manager = managerNode("external");
  t.throws(() => manager.becomeManager(4, 10, "elected"), { message: /already the manager/ });
  const member = new RmtpNode({ ...identity, id: 3, name: "b3" }, testParams(), { election: "external" });
  member.receive(announce(3, 2), from, 0);
  t.throws(() => member.stepDown(10, "lost"), { message: /not the manager/ });
  t.throws(() => member.becomeManager(3, 10, "elected"), { message: /not above/ });
  member.becomeManager(4, 10, "elected");
  t.true(member.isManager);
});

test("a node that knows no membership waits the whole settle before its first frame", (t) => {
  const params = testParams();
  const node = new RmtpNode({ ...identity, id: 3, name: "b3" }, params, { election: "external" });
  node.becomeManager(1, 0, "elected");
  node.submit(payloadOf(0, 10), 0);
  const data = (actions: NodeAction[]) =>
    actions.filter((a) => a.kind === "frame" && a.frame.type === FrameType.Data).length;
  t.is(data(node.drain()), 0);
  node.tick(2 * params.helloIntervalMs - 1);
  t.is(data(node.drain()), 0);
  t.is(node.nextDeadline(), 2 * params.helloIntervalMs);
  node.tick(2 * params.helloIntervalMs);
  t.is(data(node.drain()), 1);
});
