// System test of eviction on a 10-board lab: board 7's daemon is SIGKILLed while board 3 sends a large
// message. The send still completes, delayed by at most the eviction bound (rmtp.evictAfterMs from the
// generated config) plus one manager tick and a scheduling margin over an undisturbed send of the same
// size; the manager evicts exactly board 7, and every other board delivers the message once.
import test from "ava";
import { randomBytes } from "node:crypto";
import { logEvents } from "./daemon-log.js";
import { GroupUnderTest, pollUntil, sha256 } from "./group-under-test.js";
import { assertAllSent, assertDeliveredExactlyOnceInOrder, submitBatch } from "./messages.js";

const manager = 1;
const sender = 3;
const victim = 7;
const messageBytes = 6_000_000;
/**
 * The bound is the undisturbed send time (measured just before, under the same load) plus the eviction
 * bound plus one manager tick: the manager notices a lagging member on its ticks, which come at least every
 * announceIntervalMs, and evicts it evictAfterMs later (a silent one memberTimeoutMs after it was last
 * heard, 2000 ms too). On top, 1 s for scheduling: 10 daemons, the test and possibly a second lab share
 * 2 cores. The eviction is timed by the manager's own log line, from the moment the lab confirmed the
 * victim gone: under load, confirming the kill (a `ip netns pids` call) alone took seconds in CI.
 */
const schedulingMarginMs = 1000;
/**
 * The undisturbed send is measured alone, but the send with the kill may share the two cores with another
 * test file's lab (AVA runs two files at once): a CI run saw it take 4667 ms against 1335 + 2000 ms, and
 * one beside a failover test's lab (5 daemons and 4 LDAP clients) 11769 ms against 4191 + 3250 ms. The send
 * time may therefore triple; the stall itself is bounded tightly by the eviction check below.
 */
const loadFactor = 3;

test("a recipient killed mid-transfer is evicted and does not stall the others beyond the bound", async (t) => {
  const group = await GroupUnderTest.start(t);
  const { evictAfterMs, announceIntervalMs } = group.rmtpConfig(manager);
  const survivors = group.boardIndexes.filter((b) => b !== victim);

  const baselinePayload = randomBytes(messageBytes);
  const baselineStart = Date.now();
  const baselineId = await group.submit(sender, baselinePayload);
  await group.result(sender, baselineId);
  const baselineMs = Date.now() - baselineStart;

  const payload = randomBytes(messageBytes);
  // Read before the submission: read after it, on a loaded machine the answer can come once the whole
  // message is out (a CI run waited 20 s for frames that had all been sent already).
  const framesBefore = (await group.freshStatus(sender)).rmtp.counters.dataFramesSent;
  const started = Date.now();
  const messageId = await group.submit(sender, payload);
  const result = group.result(sender, messageId);
  // The send has started (the kill must come mid-transfer); beside another 10-board lab that may take seconds.
  await group.waitDataFramesSent(sender, framesBefore, 100, 20_000);
  const killSentAfter = Date.now();
  await group.lab.fault(victim, { kind: "kill" });
  const killedBy = Date.now();
  const sent = await result;
  const elapsedMs = Date.now() - started;
  const boundMs = loadFactor * baselineMs + evictAfterMs + announceIntervalMs + schedulingMarginMs;
  t.log(`undisturbed ${baselineMs} ms; with the kill ${elapsedMs} ms (bound ${boundMs} ms)`);
  t.is(sent.messageId, messageId);
  t.deepEqual(
    group.deliveredFrom(victim, sender).map((d) => d.messageId),
    [baselineId],
    "the victim died before it had the whole message",
  );
  t.true(elapsedMs <= boundMs, `the send took ${elapsedMs} ms, bound ${boundMs} ms`);

  const evictionBoundMs = evictAfterMs + announceIntervalMs + schedulingMarginMs;
  const evictions = await pollUntil(
    () => group.events.get(manager)!.filter((e) => e.event.event === "member-evicted"),
    (e) => e.length > 0,
    evictionBoundMs + (killedBy - killSentAfter),
  );
  t.deepEqual(
    evictions.map((e) => (e.event.event === "member-evicted" ? e.event.name : "")),
    [`b${victim}`],
    "the manager evicted exactly the killed board",
  );
  const logged = logEvents(group, manager, "member-evicted");
  t.deepEqual(
    logged.map((r) => r.name),
    [`b${victim}`],
    "the manager's log shows the eviction",
  );
  const evictedAt = Date.parse(logged[0]?.ts ?? "");
  const evictedAfterMs = evictedAt - killedBy;
  t.log(
    `the kill took ${killedBy - killSentAfter} ms to confirm; the manager logged the eviction ` +
      `${evictedAfterMs} ms after that: ${JSON.stringify(evictions[0]?.event)}`,
  );
  t.true(
    evictedAfterMs <= evictionBoundMs,
    `evicted ${evictedAfterMs} ms after the kill, bound ${evictionBoundMs} ms`,
  );
  const managerStatus = await group.status(manager);
  t.is(managerStatus.rmtp.counters.evictions, 1);
  t.false(managerStatus.rmtp.members.some((m) => m.id === victim));

  const after = await submitBatch(group, sender, [50_000]);
  assertAllSent(t, after, await after.results);
  await group.waitFormed(3000, survivors);
  const messages = [
    { source: sender, messageId: baselineId, bytes: messageBytes, sha256: sha256(baselinePayload) },
    { source: sender, messageId, bytes: messageBytes, sha256: sha256(payload) },
  ];
  t.true(
    await group.waitDeliveries(
      sender,
      3,
      survivors.filter((b) => b !== sender),
      5000,
    ),
  );
  assertDeliveredExactlyOnceInOrder(t, group, [...messages, ...after.messages], survivors);
});
