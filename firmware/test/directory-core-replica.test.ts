// The replica state machine (core/replica.ts) fed messages and clock values by hand: in-order apply with
// staging, duplicates, gaps and the catch-up retry time, a head beyond what it holds, full refresh chunks
// in and out of order, divergence, replica-status reports, and a failed local commit.
import test from "ava";
import type { DirectoryMessage } from "../src/directory/codec/messages.js";
import { DirectoryReplica, type ReplicaAction } from "../src/directory/core/replica.js";
import type { OverlayView } from "../src/directory/core/view.js";
import type { Change, Entry } from "../src/directory/model/types.js";
import type { DirectoryStore } from "../src/directory/store/store.js";
import {
  commitOps,
  contentDn,
  contentOp,
  contents,
  ctx,
  engineOps,
  keyOf,
  memoryStore,
  newView,
  numbered,
  treeOps,
} from "./helpers/directory-sim-fixture.js";

const node = 3;
const params = { node, catchupRetryMs: 2000, statusIntervalMs: 1000 };

interface Fixture {
  store: DirectoryStore;
  view: OverlayView;
  replica: DirectoryReplica;
  /** CSN the store starts at (the tree and four engines). */
  base: number;
}

async function fixture(): Promise<Fixture> {
  const store = memoryStore();
  await commitOps(store, [...treeOps(), ...engineOps()]);
  const view = newView(store);
  return { store, view, replica: new DirectoryReplica(ctx, view, params), base: store.lastCsn() };
}

const adds = (first: number, n: number): Change[] =>
  numbered(
    Array.from({ length: n }, (_, i) => contentOp(`c${first + i}`, ["se-http1"])),
    first,
  );

const changes = (list: Change[], head = list.at(-1)?.csn ?? 0): DirectoryMessage => ({
  kind: "changes",
  head,
  target: 0,
  changes: list,
});

const ofKind = <K extends ReplicaAction["kind"]>(actions: ReplicaAction[], kind: K) =>
  actions.filter((a): a is Extract<ReplicaAction, { kind: K }> => a.kind === kind);

const catchupRequests = (actions: ReplicaAction[]) =>
  ofKind(actions, "send")
    .map((a) => a.message)
    .filter((m) => m.kind === "catchup-request");

const committedCsns = (actions: ReplicaAction[]) =>
  ofKind(actions, "commit").flatMap((a) => a.changes.map((c) => c.csn));

/** Carries out commit actions against the store as se-directory.ts does. */
async function runCommits(f: Fixture, actions: ReplicaAction[]): Promise<void> {
  for (const a of ofKind(actions, "commit")) {
    await f.store.commit(a.changes, a.writes);
    f.view.settle(a.writes);
  }
}

test("changes in order are staged at once (reads see them) and handed out as one commit", async (t) => {
  const f = await fixture();
  const list = adds(f.base + 1, 3);
  const actions = f.replica.onMessage(changes(list), 0);
  t.deepEqual(committedCsns(actions), [f.base + 1, f.base + 2, f.base + 3]);
  t.is(ofKind(actions, "commit").length, 1);
  t.deepEqual(catchupRequests(actions), []);
  t.is(f.replica.appliedCsn, f.base + 3);
  t.is(f.store.lastCsn(), f.base, "nothing is durable before the commit runs");
  t.is(f.view.get(keyOf(contentDn(`c${f.base + 2}`)))?.attributes.issContentId?.[0], `c${f.base + 2}`);
  await runCommits(f, actions);
  t.is(f.store.lastCsn(), f.base + 3);
  t.is(f.view.pendingCount, 0, "the overlay forgets what the store now holds");
});

test("duplicates are ignored, an overlapping message applies only what is new", async (t) => {
  const f = await fixture();
  const list = adds(f.base + 1, 3);
  await runCommits(f, f.replica.onMessage(changes(list), 0));
  t.deepEqual(f.replica.onMessage(changes(list), 10), []);
  const overlapping = [...list.slice(1), ...adds(f.base + 4, 2)];
  const actions = f.replica.onMessage(changes(overlapping), 20);
  t.deepEqual(committedCsns(actions), [f.base + 4, f.base + 5]);
  t.deepEqual(catchupRequests(actions), []);
});

test("a gap asks for a catch-up once, and again only after the retry time; it is logged once", async (t) => {
  const f = await fixture();
  const later = adds(f.base + 3, 1);
  const first = f.replica.onMessage(changes(later), 1000);
  t.deepEqual(committedCsns(first), []);
  t.deepEqual(catchupRequests(first), [{ kind: "catchup-request", node, have: f.base }]);
  t.true(ofKind(first, "log").some((l) => l.event === "change-gap"));
  t.is(f.replica.appliedCsn, f.base, "nothing past the gap is applied");

  const again = f.replica.onMessage(changes(adds(f.base + 4, 1)), 1500);
  t.deepEqual(catchupRequests(again), []);
  t.false(
    ofKind(again, "log").some((l) => l.event === "change-gap"),
    "the same gap is logged once, not per message",
  );
  t.deepEqual(catchupRequests(f.replica.tick(2999)), [], "the retry time has not passed");
  t.deepEqual(catchupRequests(f.replica.tick(3000)), [{ kind: "catchup-request", node, have: f.base }]);
  t.deepEqual(catchupRequests(f.replica.tick(3100)), []);
  t.is(
    f.replica.nextTimer(),
    2999 + 1000,
    "the status report (sent at 2999) is due before the retry at 5000",
  );

  const answer = f.replica.onMessage(changes(adds(f.base + 1, 4), f.base + 4), 3200);
  t.deepEqual(committedCsns(answer), [f.base + 1, f.base + 2, f.base + 3, f.base + 4]);
  t.deepEqual(catchupRequests(answer), []);
  const nextGap = f.replica.onMessage(changes(adds(f.base + 6, 1)), 3300);
  t.is(catchupRequests(nextGap).length, 1, "caught up: the next gap asks at once");
});

test("a head beyond what the replica holds asks for a catch-up (heartbeat with no changes)", async (t) => {
  const f = await fixture();
  t.deepEqual(catchupRequests(f.replica.onMessage(changes([], f.base), 0)), [], "up to date");
  const actions = f.replica.onMessage(changes([], f.base + 7), 100);
  t.deepEqual(catchupRequests(actions), [{ kind: "catchup-request", node, have: f.base }]);
  t.is(f.replica.headCsn, f.base + 7);
  t.deepEqual(catchupRequests(f.replica.onMessage(changes([], f.base + 8), 200)), []);
  t.is(catchupRequests(f.replica.tick(2100)).length, 1);
});

test("requestCatchup (on start, on an RMTP gap) sends what the replica has applied", async (t) => {
  const f = await fixture();
  f.replica.onMessage(changes(adds(f.base + 1, 2)), 0);
  t.deepEqual(catchupRequests(f.replica.requestCatchup(5, "gap")), [
    { kind: "catchup-request", node, have: f.base + 2 },
  ]);
});

function refreshChunks(refreshId: number, csn: number, entries: Entry[], size: number): DirectoryMessage[] {
  const chunks: DirectoryMessage[] = [];
  for (let i = 0; i * size < entries.length; i++) {
    chunks.push({
      kind: "refresh",
      target: node,
      refreshId,
      csn,
      chunk: i,
      last: (i + 1) * size >= entries.length,
      entries: entries.slice(i * size, (i + 1) * size),
    });
  }
  return chunks;
}

async function smEntries(n: number): Promise<{ store: DirectoryStore; entries: Entry[] }> {
  const sm = memoryStore();
  await commitOps(sm, [
    ...treeOps(),
    ...engineOps(),
    ...Array.from({ length: n }, (_, i) => contentOp(`r${i}`, ["se-http2"])),
  ]);
  return { store: sm, entries: contents(sm).map((x) => x.entry) };
}

test("refresh chunks in order are assembled into one replace at the snapshot's CSN", async (t) => {
  const f = await fixture();
  f.replica.onMessage(changes(adds(f.base + 1, 2)), 0);
  const sm = await smEntries(10);
  const chunks = refreshChunks(7, sm.store.lastCsn(), sm.entries, 4);
  t.is(chunks.length, 5);
  const other = { ...chunks[0]!, target: node + 1 } as DirectoryMessage;
  t.deepEqual(f.replica.onMessage(other, 0), [], "a refresh for another node is not ours");
  for (const chunk of chunks.slice(0, -1)) t.deepEqual(f.replica.onMessage(chunk, 10), []);
  const done = f.replica.onMessage(chunks.at(-1)!, 20);
  const replace = ofKind(done, "replace");
  t.is(replace.length, 1);
  t.is(replace[0]?.csn, sm.store.lastCsn());
  t.deepEqual(replace[0]?.entries, contents(sm.store));
  t.is(f.replica.appliedCsn, sm.store.lastCsn());
  t.is(f.view.pendingCount, 0, "the staged changes before the refresh are dropped");
  await f.store.replaceAll(replace[0]!.entries, replace[0]!.csn);
  t.deepEqual(contents(f.store), contents(sm.store));
});

test("a refresh entry whose DN does not parse abandons the refresh and asks again, without throwing", async (t) => {
  const f = await fixture();
  const sm = await smEntries(10);
  const chunks = refreshChunks(9, sm.store.lastCsn(), sm.entries, 4);
  const broken = chunks[1] as Extract<DirectoryMessage, { kind: "refresh" }>;
  const bad = { ...broken, entries: [{ dn: "not a dn", attributes: {} }, ...broken.entries.slice(1)] };
  f.replica.onMessage(chunks[0]!, 0);
  const actions = f.replica.onMessage(bad, 10);
  t.true(ofKind(actions, "log").some((l) => l.event === "refresh-entry-invalid"));
  t.deepEqual(catchupRequests(actions), [{ kind: "catchup-request", node, have: f.base }]);
  const rest = chunks.slice(2).flatMap((c) => f.replica.onMessage(c, 20));
  t.deepEqual(ofKind(rest, "replace"), [], "the abandoned refresh never replaces the store");
});

test("an out-of-order chunk or another refresh's chunk restarts with a catch-up request", async (t) => {
  const f = await fixture();
  const sm = await smEntries(10);
  const chunks = refreshChunks(7, sm.store.lastCsn(), sm.entries, 4);
  f.replica.onMessage(chunks[0]!, 0);
  const skipped = f.replica.onMessage(chunks[2]!, 10);
  t.true(ofKind(skipped, "log").some((l) => l.event === "refresh-chunk-out-of-order"));
  t.deepEqual(catchupRequests(skipped), [{ kind: "catchup-request", node, have: f.base }]);
  const rest = chunks.slice(3).flatMap((c) => f.replica.onMessage(c, 20));
  t.deepEqual(ofKind(rest, "replace"), [], "the abandoned refresh never replaces the store");

  const again = refreshChunks(8, sm.store.lastCsn(), sm.entries, 4);
  f.replica.onMessage(again[0]!, 30);
  const soon = f.replica.onMessage({ ...chunks[1]!, refreshId: 7 } as DirectoryMessage, 40);
  t.is(catchupRequests(soon).length, 0, "the same CSN was asked for 30 ms ago: not asked again");
  f.replica.onMessage(again[0]!, 2040);
  const mixed = f.replica.onMessage({ ...chunks[1]!, refreshId: 7 } as DirectoryMessage, 2050);
  t.is(catchupRequests(mixed).length, 1, "a chunk of refresh 7 in the middle of refresh 8");

  const restart = again.flatMap((c) => f.replica.onMessage(c, 2060));
  t.is(ofKind(restart, "replace").length, 1, "a new chunk 0 starts over");
  t.is(f.replica.appliedCsn, sm.store.lastCsn());
});

test("a change that does not apply means divergence: wipe, ask for everything", async (t) => {
  const f = await fixture();
  const good = adds(f.base + 1, 2);
  const bad: Change = numbered([{ type: "delete", dn: contentDn("never-added") }], f.base + 3)[0]!;
  const after = numbered([contentOp("after", ["se-http1"])], f.base + 4);
  const actions = f.replica.onMessage(changes([...good, bad, ...after]), 100);
  t.deepEqual(committedCsns(actions), [f.base + 1, f.base + 2], "what applied before is still committed");
  t.is(actions[0]?.kind, "commit", "the commit comes before the wipe");
  t.true(ofKind(actions, "log").some((l) => l.event === "replica-diverged" && l.fields.csn === f.base + 3));
  t.deepEqual(ofKind(actions, "replace"), [{ kind: "replace", entries: [], csn: 0 }]);
  t.deepEqual(catchupRequests(actions), [{ kind: "catchup-request", node, have: 0 }]);
  t.is(f.replica.appliedCsn, 0);
  t.is(f.view.pendingCount, 0);
  t.is(f.view.get(keyOf(contentDn("after"))), undefined);
});

test("replica-status every statusIntervalMs with what the store holds durably", async (t) => {
  const f = await fixture();
  const statuses = (actions: ReplicaAction[]) =>
    ofKind(actions, "send")
      .map((a) => a.message)
      .filter((m) => m.kind === "replica-status");
  t.deepEqual(statuses(f.replica.tick(0)), [
    { kind: "replica-status", node, have: f.base, entries: f.store.count() },
  ]);
  f.replica.onMessage(changes(adds(f.base + 1, 2)), 10);
  t.deepEqual(statuses(f.replica.tick(999)), []);
  t.deepEqual(
    statuses(f.replica.tick(1000)),
    [{ kind: "replica-status", node, have: f.base, entries: f.store.count() }],
    "staged changes are not reported until they are durable",
  );
  t.is(f.replica.nextTimer(), 2000);
  t.is(statuses(f.replica.tick(2000)).length, 1);
});

test("onCommitFailed forgets what was staged and asks again at the next tick", async (t) => {
  const f = await fixture();
  f.replica.onMessage(changes([], f.base + 5), 0);
  const actions = f.replica.onMessage(changes(adds(f.base + 1, 5)), 100);
  t.is(f.replica.appliedCsn, f.base + 5);
  t.true(ofKind(actions, "commit").length > 0);
  f.replica.onCommitFailed();
  t.is(f.replica.appliedCsn, f.base, "back to what the store holds");
  t.is(f.view.pendingCount, 0);
  t.is(f.view.get(keyOf(contentDn(`c${f.base + 1}`))), undefined);
  t.deepEqual(catchupRequests(f.replica.tick(150)), [{ kind: "catchup-request", node, have: f.base }]);
});
