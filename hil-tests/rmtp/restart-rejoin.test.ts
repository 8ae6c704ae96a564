// After a manager restart, a member cut off while the new epoch forms (well within the 2 s after which a
// silent member is evicted) still gets every message: senders wait for the previous epoch's members to be
// re-admitted before they start their new streams (docs/rmtp.md, "Epochs").
import test from "ava";
import { GroupUnderTest } from "./group-under-test.js";
import { assertAllSent, assertDeliveredExactlyOnceInOrder, sizes, submitBatch } from "./messages.js";

const manager = 1;
const sender = 5;
const absent = 8;

test("a member cut off while the manager restarts still gets the messages re-sent in the new epoch", async (t) => {
  const group = await GroupUnderTest.start(t);
  const framesBefore = (await group.status(sender)).rmtp.counters.dataFramesSent;
  const submitting = submitBatch(
    group,
    sender,
    sizes(12).map((bytes, i) => (i % 4 === 1 ? 1_000_000 : bytes)),
  );
  await group.waitDataFramesSent(sender, framesBefore, 100);
  await group.lab.fault(absent, { kind: "cut" });
  const cutAt = Date.now();
  await group.lab.fault(manager, { kind: "kill" });
  await group.lab.fault(manager, { kind: "restart" });
  const batch = await submitting;
  await group.connect(manager);
  await group.waitFormed(
    10_000,
    group.boardIndexes.filter((b) => b !== absent),
  );
  await group.lab.fault(absent, { kind: "restore" });
  t.log(`board ${absent} was cut for ${Date.now() - cutAt} ms`);
  assertAllSent(t, batch, await batch.results);
  await group.waitFormed(5000);
  await group.waitDeliveries(sender, batch.messages.length, [absent], 3000);
  t.log(`board ${absent} gaps: ${JSON.stringify(group.eventsOf(absent, "gap"))}`);
  assertDeliveredExactlyOnceInOrder(t, group, batch.messages, group.boardIndexes);
});
