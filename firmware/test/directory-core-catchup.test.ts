// The SM's catch-up answer (core/catchup.ts): the changes after a replica's CSN in messages of at most
// changesPerMessage, one empty message for a replica that is up to date, and a full refresh in chunks when
// the change log no longer reaches back (or the replica is ahead). Each answer, fed to a replica, makes it
// equal to the SM's store.
import test from "ava";
import type { DirectoryMessage } from "../src/directory/codec/messages.js";
import { answerCatchup, type CatchupAnswer } from "../src/directory/core/catchup.js";
import { DirectoryReplica } from "../src/directory/core/replica.js";
import type { DirectoryStore } from "../src/directory/store/store.js";
import {
  commitOps,
  contentOp,
  contents,
  ctx,
  engineOps,
  memoryStore,
  newView,
  treeOps,
} from "./helpers/directory-sim-fixture.js";

const limits = { changesPerMessage: 10, entriesPerChunk: 7 };
const node = 5;

/** An SM store with 4 + 4 + 17 = 25 changes and 25 entries. */
async function smStore(changeLogSize: number): Promise<DirectoryStore> {
  const store = memoryStore(changeLogSize);
  const content = Array.from({ length: 17 }, (_, i) => contentOp(`c${i}`, ["se-http1"]));
  await commitOps(store, [...treeOps(), ...engineOps(), ...content]);
  return store;
}

const changeCsns = (answer: CatchupAnswer) =>
  [...answer.messages].map((m) => (m.kind === "changes" ? m.changes.map((c) => c.csn) : []));

/** A changes answer's messages (a refresh's are read from the store as they are taken: take them once). */
const changesOf = (answer: CatchupAnswer): DirectoryMessage[] =>
  answer.kind === "changes" ? answer.messages : [];

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Runs an answer through a replica on a store that holds the first `have` changes of the SM's. */
async function replay(
  sm: DirectoryStore,
  have: number,
  messages: DirectoryMessage[],
): Promise<DirectoryStore> {
  const store = memoryStore();
  await commitOps(
    store,
    (sm.changesSince(0, have) ?? []).map((c) => c.op),
  );
  const view = newView(store);
  const replica = new DirectoryReplica(ctx, view, { node, catchupRetryMs: 2000, statusIntervalMs: 1000 });
  for (const m of messages) {
    for (const a of replica.onMessage(m, 0)) {
      if (a.kind === "commit") await store.commit(a.changes, a.writes);
      if (a.kind === "replace") await store.replaceAll(a.entries, a.csn);
    }
  }
  return store;
}

test("changes after the replica's CSN in messages of at most changesPerMessage", async (t) => {
  const sm = await smStore(100);
  const answer = answerCatchup(sm, ctx.suffix.key, node, 3, 25, 1, limits);
  t.is(answer.kind, "changes");
  t.deepEqual(changeCsns(answer), [range(4, 13), range(14, 23), range(24, 25)]);
  if (answer.kind === "changes") t.is(answer.changes, 22);
  for (const m of answer.messages) {
    t.like(m, { kind: "changes", target: node, head: 25 });
  }
  t.deepEqual(contents(await replay(sm, 3, changesOf(answer))), contents(sm));
});

test("an exact multiple of changesPerMessage needs no trailing empty message; head is at least the last CSN", async (t) => {
  const sm = await smStore(100);
  const answer = answerCatchup(sm, ctx.suffix.key, node, 5, 20, 1, limits);
  t.deepEqual(changeCsns(answer), [range(6, 15), range(16, 25)]);
  t.deepEqual(
    changesOf(answer).map((m) => (m.kind === "changes" ? m.head : -1)),
    [20, 25],
    "the SM's head, or the last CSN sent when that is further (committed, multicast not yet sent)",
  );
});

test("a replica that is up to date gets one empty message with the head", async (t) => {
  const sm = await smStore(100);
  const answer = answerCatchup(sm, ctx.suffix.key, node, 25, 25, 1, limits);
  t.deepEqual(answer, {
    kind: "changes",
    messages: [{ kind: "changes", head: 25, target: node, changes: [] }],
    changes: 0,
  });
});

test("a trimmed change log answers with a full refresh in chunks", async (t) => {
  const sm = await smStore(10);
  t.is(sm.oldestCsn(), 16);
  const answer = answerCatchup(sm, ctx.suffix.key, node, 14, 25, 9, limits);
  t.is(answer.kind, "refresh");
  if (answer.kind !== "refresh") return;
  t.is(answer.entries, 25);
  t.is(answer.csn, 25);
  t.is(answer.count, 4);
  const messages = [...answer.messages];
  t.deepEqual(
    messages.map((m) => (m.kind === "refresh" ? [m.chunk, m.last, m.entries.length] : [])),
    [
      [0, false, 7],
      [1, false, 7],
      [2, false, 7],
      [3, true, 4],
    ],
  );
  for (const m of messages) t.like(m, { kind: "refresh", target: node, refreshId: 9, csn: 25 });
  const entries = messages.flatMap((m) => (m.kind === "refresh" ? m.entries : []));
  t.deepEqual(
    entries,
    contents(sm).map((x) => x.entry),
    "every entry once, in key order",
  );
  const replica = await replay(sm, 0, messages);
  t.deepEqual(contents(replica), contents(sm));
  t.is(replica.lastCsn(), 25);

  const justInLog = answerCatchup(sm, ctx.suffix.key, node, 15, 25, 10, limits);
  t.is(justInLog.kind, "changes", "the log still reaches back to have + 1");
});

test("a replica ahead of the SM is refreshed; an empty SM refreshes in one empty last chunk", async (t) => {
  const sm = await smStore(100);
  t.is(answerCatchup(sm, ctx.suffix.key, node, 26, 25, 1, limits).kind, "refresh");
  const empty = answerCatchup(memoryStore(), ctx.suffix.key, node, 3, 0, 2, limits);
  t.like(empty, { kind: "refresh", entries: 0, csn: 0, count: 1 });
  t.deepEqual(
    [...empty.messages],
    [{ kind: "refresh", target: node, refreshId: 2, csn: 0, chunk: 0, last: true, entries: [] }],
  );
});
