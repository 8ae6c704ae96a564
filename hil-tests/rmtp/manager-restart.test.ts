// System test of a manager restart on a 10-board lab: board 1's daemon (the SM) is SIGKILLed and started
// again while board 5 has 20 messages in flight. The restarted manager takes a higher epoch (persisted in
// its data dir), every member adopts it (status and `epoch-changed`), the in-flight messages complete, and
// everything sent before, during and after the restart is delivered exactly once, in order, everywhere.
import test from "ava";
import { setTimeout as sleep } from "node:timers/promises";
import { assertEachRunOnceInOrder, daemonRuns } from "./daemon-log.js";
import { GroupUnderTest } from "./group-under-test.js";
import { assertAllSent, assertDeliveredExactlyOnceInOrder, sizes, submitBatch } from "./messages.js";

const manager = 1;
const sender = 5;

test("a manager restart moves everyone to a higher epoch without losing or duplicating messages", async (t) => {
  const group = await GroupUnderTest.start(t);
  const boards = group.boardIndexes;
  const members = boards.filter((b) => b !== manager);
  const oldEpoch = (await group.status(manager)).rmtp.epoch;

  const before = await submitBatch(group, sender, sizes(5));
  assertAllSent(t, before, await before.results);

  // The manager is stopped and killed while these messages are still being handed to board 5 and sent
  // (every fourth is 1 MB, about 5 MB in all): some are partly sent, some not yet submitted when it dies.
  const framesBefore = (await group.status(sender)).rmtp.counters.dataFramesSent;
  const submitting = submitBatch(
    group,
    sender,
    sizes(20).map((bytes, i) => (i % 4 === 1 ? 1_000_000 : bytes)),
  );
  await group.waitDataFramesSent(sender, framesBefore, 100);
  // Frozen first, so that no acknowledgement completes between the check below and its death.
  await group.lab.fault(manager, { kind: "stop" });
  await group.lab.fault(manager, { kind: "kill" });
  const unconfirmed = (await group.freshStatus(sender)).rmtp.pendingMessages;
  t.log(`manager killed with ${unconfirmed} of board ${sender}'s messages unacknowledged`);
  t.true(unconfirmed > 0, "messages were in flight when the manager died");
  await group.lab.fault(manager, { kind: "restart" });
  const during = await submitting;
  await group.connect(manager);
  const restartedAt = Date.now();
  const formed = await group.waitFormed(10_000);
  t.log(`group formed again ${Date.now() - restartedAt} ms after the restart`);
  const newEpoch = formed.get(manager)!.rmtp.epoch;
  t.true(newEpoch > oldEpoch, `epoch ${oldEpoch} -> ${newEpoch}`);
  assertAllSent(t, during, await during.results);

  const after = await submitBatch(group, sender, sizes(10));
  assertAllSent(t, after, await after.results);

  const messages = [...before.messages, ...during.messages, ...after.messages];
  const recipients = members.filter((b) => b !== sender);
  t.true(await group.waitDeliveries(sender, messages.length, recipients, 15_000));
  await sleep(300);
  assertDeliveredExactlyOnceInOrder(t, group, messages, recipients);

  for (const b of members) {
    const seen = group.events.get(b)!.map((e) => e.event.event);
    t.log(
      `b${b}: ${[...new Set(seen)].map((n) => `${n} x${seen.filter((s) => s === n).length}`).join(", ")}`,
    );
    t.true(
      group.eventsOf(b, "epoch-changed").some((e) => e.event === "epoch-changed" && e.to === newEpoch),
      `board ${b} reported epoch-changed to ${newEpoch}`,
    );
  }
  const runs = assertEachRunOnceInOrder(t, group, manager, sender);
  t.is(runs.length, 2, "board 1's log shows two daemon runs");
  for (const m of after.messages)
    t.true(runs[1]!.includes(m.messageId), `new manager delivered ${m.messageId}`);
  const started = daemonRuns(group, manager)[1]!.find((r) => r.event === "started");
  t.is(started?.epoch, newEpoch, "the new run logged the new epoch");
});
