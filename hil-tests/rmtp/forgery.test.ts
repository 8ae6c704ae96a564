// System test of frame authentication and anti-replay on a 10-board lab, with injector.ts running inside
// board 10's namespace: frames signed with a wrong or unknown key, truncated frames and garbage, and
// genuine frames captured from the group and multicast again verbatim. Every daemon counts and logs each
// one (`frame-rejected` with its reason), none of them changes the group, and the group still delivers.
import test, { type ExecutionContext } from "ava";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import type { Counters } from "../../firmware/src/rmtp/core/types.js";
import { logEvents } from "./daemon-log.js";
import { GroupUnderTest, pollUntil, within } from "./group-under-test.js";
import type { ForgeReport, ReplayReport } from "./injector.js";
import {
  assertAllSent,
  assertDeliveredExactlyOnceInOrder,
  submitBatch,
  type SentMessage,
} from "./messages.js";

const injector = fileURLToPath(new URL("./injector.js", import.meta.url));
const injectorBoard = 10;
const sender = 4;

async function counters(group: GroupUnderTest): Promise<Map<number, Counters>> {
  const all = await group.statuses();
  return new Map([...all].map(([b, s]) => [b, s.rmtp.counters]));
}

/** Polls until each board's counter rose by the expected amount; returns the rises seen. */
async function waitRise(
  group: GroupUnderTest,
  before: Map<number, Counters>,
  expected: (board: number) => Partial<Counters>,
): Promise<Map<number, Partial<Counters>>> {
  const rises = async (): Promise<Map<number, Partial<Counters>>> => {
    const now = await counters(group);
    return new Map(
      group.boardIndexes.map((b) => {
        const keys = Object.keys(expected(b)) as Array<keyof Counters>;
        return [b, Object.fromEntries(keys.map((k) => [k, now.get(b)![k] - before.get(b)![k]]))];
      }),
    );
  };
  const done = (r: Map<number, Partial<Counters>>): boolean =>
    group.boardIndexes.every((b) => JSON.stringify(r.get(b)) === JSON.stringify(expected(b)));
  return pollUntil(rises, done, 3000);
}

function assertRejectionsLogged(t: ExecutionContext, group: GroupUnderTest, reasons: string[]): void {
  const from = group.lab.board(injectorBoard).address;
  for (const b of group.boardIndexes) {
    const logged = new Set(
      logEvents(group, b, "frame-rejected")
        .filter((r) => r.from === from)
        .map((r) => r.reason),
    );
    t.deepEqual(
      reasons.filter((r) => !logged.has(r)),
      [],
      `board ${b} logged frame-rejected for each reason`,
    );
  }
}

/** The daemons still run, the group is unchanged, and a new message reaches everyone exactly once. */
async function assertGroupStillWorks(
  t: ExecutionContext,
  group: GroupUnderTest,
  epoch: number,
  earlier: SentMessage[],
): Promise<void> {
  const boards = await group.lab.status();
  t.deepEqual(
    boards.filter((b) => b.daemon !== "running").map((b) => b.name),
    [],
    "every daemon still runs",
  );
  const formed = await group.waitFormed(2000);
  t.true(
    [...formed.values()].every((s) => s.rmtp.epoch === epoch),
    `everyone is still at epoch ${epoch}`,
  );
  t.deepEqual(group.eventsOf(1, "member-left"), [], "the forged LEAVE removed nobody");
  const next = await submitBatch(group, sender, [20_000]);
  assertAllSent(t, next, await next.results);
  const messages = [...earlier, ...next.messages];
  const others = group.boardIndexes.filter((b) => b !== sender);
  t.true(await group.waitDeliveries(sender, messages.length, others, 5000));
  assertDeliveredExactlyOnceInOrder(t, group, messages, group.boardIndexes);
}

test.serial("frames with a wrong or unknown key, truncated frames and garbage are rejected", async (t) => {
  const group = await GroupUnderTest.start(t);
  const epoch = (await group.status(1)).rmtp.epoch;
  const before = await counters(group);
  const { group: address } = group.lab.describe();
  const { stdout } = await group.lab.runInBoard(injectorBoard, [
    process.execPath,
    injector,
    "forge",
    ...["--group", address, "--address", group.lab.board(injectorBoard).address],
    ...["--epoch", String(epoch), "--source", String(sender), "--victim", "3"],
  ]);
  const sent = JSON.parse(stdout) as ForgeReport;
  t.log(`injected ${JSON.stringify(sent)}`);
  const expected = {
    authFailures: sent.wrongKey + sent.unknownKey,
    rejectedFrames: sent.truncated + sent.garbage,
    replayedFrames: 0,
    messagesDelivered: 0,
  };
  const rises = await waitRise(group, before, () => expected);
  for (const b of group.boardIndexes) t.deepEqual(rises.get(b), expected, `board ${b} counters`);
  assertRejectionsLogged(t, group, ["auth", "unknown-key", "truncated", "magic"]);
  await assertGroupStillWorks(t, group, epoch, []);
});

test.serial("genuine frames captured from the group and sent again are refused as replayed", async (t) => {
  const group = await GroupUnderTest.start(t);
  const epoch = (await group.status(1)).rmtp.epoch;
  const { group: address } = group.lab.describe();
  const child = group.lab.spawnInBoard(
    injectorBoard,
    [
      process.execPath,
      injector,
      "replay",
      "--group",
      address,
      "--address",
      group.lab.board(injectorBoard).address,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  t.teardown(() => child.kill());
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> =>
    String((await within(lines.next(), 5000, "injector output")).value);
  t.is(await nextLine(), "capturing");

  const captured = await submitBatch(group, sender, [100_000, 0, 1338]);
  assertAllSent(t, captured, await captured.results);
  const others = group.boardIndexes.filter((b) => b !== sender);
  t.true(await group.waitDeliveries(sender, 3, others, 5000));
  const types = new Set<string>();
  while (!["1", "6", "7"].every((type) => types.has(type)))
    types.add((await nextLine()).replace("type ", ""));

  const before = await counters(group);
  child.stdin!.write("replay\n");
  let last = await nextLine();
  while (last.startsWith("type ")) last = await nextLine();
  const report = JSON.parse(last) as ReplayReport;
  t.log(`replayed ${report.replayed} frames, by type ${JSON.stringify(report.byType)}`);
  t.true((report.byType["1"] ?? 0) >= 77, "the replay holds the DATA frames of the three messages");
  t.true((report.byType["7"] ?? 0) > 0 && (report.byType["6"] ?? 0) > 0, "and ANNOUNCEs and HELLOs");

  // A daemon never hears its own frames (no multicast loopback), so its replays of them are new to it and
  // dropped as its own; every other replayed frame must be refused.
  const expected = (b: number): Partial<Counters> => ({
    replayedFrames: report.replayed - (report.bySource[String(b)] ?? 0),
    authFailures: 0,
    messagesDelivered: 0,
  });
  const rises = await waitRise(group, before, expected);
  for (const b of group.boardIndexes) t.deepEqual(rises.get(b), expected(b), `board ${b} counters`);
  assertRejectionsLogged(t, group, ["replayed"]);
  await assertGroupStillWorks(t, group, epoch, captured.messages);
});
