// System test of abort (fig 6) on a 10-board lab: board 6 starts a 15 MB message and aborts it
// mid-transfer through rmtp.abort; rmtp.result rejects with "aborted", no board delivers it, every other
// board reports the remote-abort (event and log line), and the next message reaches everyone exactly once.
import test from "ava";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { logEvents } from "./daemon-log.js";
import { GroupUnderTest, pollUntil } from "./group-under-test.js";
import { assertAllSent, assertDeliveredExactlyOnceInOrder, submitBatch } from "./messages.js";

const sender = 6;

test("an abort mid-transfer reaches every member and the next message is delivered everywhere", async (t) => {
  const group = await GroupUnderTest.start(t);
  const others = group.boardIndexes.filter((b) => b !== sender);

  const big = await group.submit(sender, randomBytes(15_000_000));
  const outcome = group.result(sender, big).then(
    () => "acknowledged",
    (err: Error) => err.message,
  );
  const framesOut = await group.waitDataFramesSent(sender, 0, 500);
  const aborted = await group.abort(sender, big);
  t.is(aborted.outcome, "aborting", `${framesOut} of ~11,200 frames were out when the abort was asked`);
  t.regex(await outcome, /aborted/, "rmtp.result rejects with the abort");

  const sawAbort = (b: number): boolean =>
    group.eventsOf(b, "remote-abort").some((e) => e.event === "remote-abort" && e.messageId === big);
  t.true(
    await pollUntil(
      () => others.every(sawAbort),
      (ok) => ok,
      3000,
    ),
    "every member saw the abort",
  );
  for (const b of others) {
    t.true(
      logEvents(group, b, "remote-abort").some((r) => r.messageId === big && r.source === sender),
      `board ${b} logged the remote-abort`,
    );
  }

  const next = await submitBatch(group, sender, [10_000]);
  assertAllSent(t, next, await next.results);
  t.true(await group.waitDeliveries(sender, 1, others, 5000));
  await sleep(200);
  assertDeliveredExactlyOnceInOrder(t, group, next.messages, group.boardIndexes);
  const counters = (await group.status(sender)).rmtp.counters;
  t.is(counters.aborts, 1);
  t.is(counters.messagesSent, 1, "only the message after the abort counts as sent");
});
