// System test under random loss: a 10-board lab (manager b1), loss of 0, 5 and 20% on the ports of every
// board but the sender, set after the group formed. Board 4 sends 30 messages of mixed sizes (0 B to 1 MB)
// while board 9 sends 12 at the same time; every other board delivers each exactly once, in order, intact.
import test from "ava";
import { setTimeout as sleep } from "node:timers/promises";
import { GroupUnderTest } from "./group-under-test.js";
import { assertAllSent, assertDeliveredExactlyOnceInOrder, sizes, submitBatch } from "./messages.js";

const mainSender = 4;
const secondSender = 9;

for (const percent of [0, 5, 20]) {
  test.serial(
    `${percent}% loss on the recipients' ports: exactly once, in order, at every member`,
    async (t) => {
      const group = await GroupUnderTest.start(t);
      const boards = group.boardIndexes;
      for (const b of boards) if (b !== mainSender) await group.lab.fault(b, { kind: "loss", percent });

      const started = Date.now();
      const [first, second] = await Promise.all([
        submitBatch(group, mainSender, sizes(30)),
        submitBatch(group, secondSender, sizes(12).reverse()),
      ]);
      const [firstResults, secondResults] = await Promise.all([first.results, second.results]);
      t.log(`both batches acknowledged in ${Date.now() - started} ms`);
      assertAllSent(t, first, firstResults);
      assertAllSent(t, second, secondResults);

      const messages = [...first.messages, ...second.messages];
      t.true(
        await group.waitDeliveries(
          mainSender,
          30,
          boards.filter((b) => b !== mainSender),
          5000,
        ),
      );
      t.true(
        await group.waitDeliveries(
          secondSender,
          12,
          boards.filter((b) => b !== secondSender),
          5000,
        ),
      );
      await sleep(300); // a duplicate would show up now: the group is idle apart from heartbeats
      assertDeliveredExactlyOnceInOrder(t, group, messages, boards);

      const statuses = await group.statuses();
      const resent = [mainSender, secondSender].map((b) => statuses.get(b)!.rmtp.counters.resentFrames);
      const naks = boards.reduce((sum, b) => sum + statuses.get(b)!.rmtp.counters.naksSent, 0);
      t.log(
        `frames re-sent by b${mainSender}/b${secondSender} (probes included): ${resent.join("/")}; NAKs ${naks}`,
      );
      if (percent > 0) t.true(naks > 0 && resent[0]! > 0, "the loss made members ask for re-sends");
      for (const b of boards) {
        t.deepEqual(group.eventsOf(b, "member-evicted"), [], `board ${b}: no eviction`);
        t.deepEqual(group.eventsOf(b, "gap"), [], `board ${b}: no gap`);
        t.is(statuses.get(b)!.rmtp.members.length, boards.length, `board ${b}: membership intact`);
      }
    },
  );
}
