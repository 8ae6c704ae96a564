// KNOWN BUG, kept as test.failing until it is fixed (then make it a plain test): after a manager restart,
// a member that is not re-admitted before a sender's new stream starts is not among the members the new
// manager waits for, so frames it misses are released without it and it never delivers the messages
// re-sent in the new epoch, although rmtp.result reports them acknowledged. Here board 8's port is cut
// while the manager restarts and restored as soon as the others formed the new epoch (well within the
// 2 s after which a silent member is evicted); with 5% random loss, one lost HELLO does the same.
import test from "ava";
import { GroupUnderTest } from "./group-under-test.js";
import { assertAllSent, assertDeliveredExactlyOnceInOrder, sizes, submitBatch } from "./messages.js";

const manager = 1;
const sender = 5;
const absent = 8;

test.failing(
  "a member cut off while the manager restarts still gets the messages re-sent in the new epoch",
  async (t) => {
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
  },
);
