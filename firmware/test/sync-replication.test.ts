// Synchronous replication, SM side and standby side joined back to back with a controllable clock: a
// changes message is released for multicast only once the in-sync standby confirmed it; a standby that
// stops confirming falls out of sync and holds the release until its last lease ran out; with no standby a
// release needs a majority; leases run from the confirmation they answer; takeover requests only from an
// in-sync standby; after a stall, the standbys that may have held a lease are asked whether they still are
// the SM's.
import test from "ava";
import { Logger } from "../src/log/logger.js";
import type { SyncAppFrame, SyncPeer } from "../src/directory/sync/frames.js";
import { SyncPrimary, type StandbyCheck } from "../src/directory/service/sync-primary.js";
import { SyncStandby } from "../src/directory/service/sync-standby.js";

const quiet = new Logger("test", () => undefined);
const LEASE_MS = 600;

/** A standby-side peer whose frames to the SM are queued until flushed, so a test can hold them back. */
class Wire {
  readonly toSm: SyncAppFrame[] = [];
  private standbyFrame: ((f: SyncAppFrame) => void) | undefined;
  closed: string | null = null;
  readonly standbyPeer: SyncPeer = {
    peerNode: 1,
    peerEpoch: 5,
    send: (f) => void this.toSm.push(f),
    onFrame: (cb) => void (this.standbyFrame = cb),
    onClose: () => undefined,
    close: (reason) => void (this.closed = reason),
  };
  readonly smLink = {
    send: (f: SyncAppFrame) => this.standbyFrame?.(f),
    close: (reason: string) => void (this.closed = reason),
  };
}

function setup(o: { majority?: boolean; inherited?: number[]; confirms?: () => boolean } = {}) {
  let now = 1000;
  const clock = { now: () => now, set: (t: number) => void (now = t) };
  const takeovers: number[] = [];
  const primary = new SyncPrimary({
    epoch: 5,
    leaseMs: LEASE_MS,
    ackTimeoutMs: 250,
    maxWaitMs: 5000,
    now: clock.now,
    hasMajority: () => o.majority ?? true,
    inheritedStandbys: o.inherited ?? [],
    onTakeoverRequest: (node) => takeovers.push(node),
    log: quiet,
  });
  const wire = new Wire();
  let durable = 0;
  const leases: number[] = [];
  const delivered: Uint8Array[] = [];
  primary.attach(2, wire.smLink);
  const standby = new SyncStandby({
    peer: wire.standbyPeer,
    node: 2,
    priority: 200,
    leaseMs: LEASE_MS,
    now: clock.now,
    durableCsn: () => durable,
    onChanges: (p) => delivered.push(p),
    onLease: (_epoch, until) => leases.push(until),
    onRelease: () => undefined,
    mayConfirm: o.confirms ?? (() => true),
    log: quiet,
  });
  const flush = () => {
    for (const f of wire.toSm.splice(0)) primary.onFrame(2, f);
  };
  const commit = (csn: number) => {
    durable = csn;
    standby.durable(csn);
  };
  return { clock, primary, standby, wire, flush, commit, leases, delivered, takeovers };
}

const state = (p: Promise<void>) => {
  const s = { value: "pending" as "pending" | "resolved" | "rejected" };
  p.then(
    () => (s.value = "resolved"),
    () => (s.value = "rejected"),
  );
  return s;
};
const tick = () => new Promise((r) => setImmediate(r));

test("a message is released once the in-sync standby holds it; the lease runs from the confirmation", async (t) => {
  const s = setup();
  s.flush();
  t.deepEqual(s.leases, [1000 + LEASE_MS], "the first confirmation (CSN 0) is in sync at once");
  s.clock.set(1010);
  const r = state(s.primary.replicate(Uint8Array.of(1), 1));
  await tick();
  t.is(r.value, "pending");
  t.is(s.delivered.length, 1, "the standby got the payload");
  s.commit(1);
  s.clock.set(1020);
  s.flush();
  await tick();
  t.is(r.value, "resolved");
  t.is(s.leases.at(-1), 1010 + LEASE_MS, "from when the confirmation was sent, not received");
});

test("a standby that stops confirming holds releases until its last lease has run out", async (t) => {
  const s = setup({ majority: true });
  s.flush();
  s.clock.set(1100);
  const r = state(s.primary.replicate(Uint8Array.of(1), 1));
  s.clock.set(1400);
  s.primary.tick();
  await tick();
  t.false(s.primary.status()[0]?.inSync, "out of sync after the confirmation timeout");
  t.is(r.value, "pending", "its lease from t=1000 may still be running");
  s.clock.set(1000 + LEASE_MS * 1.05 + 1);
  s.primary.tick();
  await tick();
  t.is(r.value, "resolved", "after the lease, with a majority");
});

test("what a standby confirmed counts as confirmed while its lease runs, in sync or not", async (t) => {
  const s = setup({ majority: true });
  s.flush();
  s.clock.set(1100);
  void s.primary.replicate(Uint8Array.of(1), 7).catch(() => undefined);
  s.commit(7);
  s.flush();
  await tick();
  t.is(s.primary.confirmedCsn(), 7);
  s.clock.set(1100 + LEASE_MS / 2 + 1);
  s.primary.tick();
  t.false(s.primary.status()[0]?.inSync, "silent for half a lease: out of sync");
  t.is(s.primary.syncedCsn(), 0, "no standby in sync");
  t.is(s.primary.confirmedCsn(), 7, "but its lease runs: it may take over, and it holds CSN 7");
  s.clock.set(1100 + LEASE_MS * 1.05 + 1);
  t.is(s.primary.confirmedCsn(), 0, "its lease ran out: it cannot be elected, nothing counts as confirmed");
});

test("with no standby holding a message and no majority, it is refused after maxWaitMs", async (t) => {
  const s = setup({ majority: false });
  s.flush();
  s.primary.detach(2, "test");
  s.clock.set(1000 + LEASE_MS * 2);
  const r = state(s.primary.replicate(Uint8Array.of(1), 1));
  s.primary.tick();
  await tick();
  t.is(r.value, "pending");
  s.clock.set(1000 + LEASE_MS * 2 + 5001);
  s.primary.tick();
  await tick();
  t.is(r.value, "rejected");
});

test("a standby that may hold the previous SM's lease is waited for", async (t) => {
  const s = setup({ inherited: [3] });
  s.flush();
  const r = state(s.primary.replicate(Uint8Array.of(1), 1));
  s.commit(1);
  s.flush();
  await tick();
  t.is(r.value, "pending", "node 3 may still hold a lease");
  s.clock.set(1000 + LEASE_MS * 1.05);
  s.primary.tick();
  await tick();
  t.is(r.value, "resolved");
});

test("takeover requests count only from an in-sync standby; close refuses what waits", async (t) => {
  const s = setup();
  const first = state(s.primary.replicate(Uint8Array.of(1), 1));
  s.standby.requestTakeover();
  s.flush();
  t.deepEqual(s.takeovers, [], "its confirmation (CSN 0) is behind what was sent: not in sync");
  s.commit(1);
  s.clock.set(2100);
  s.standby.requestTakeover();
  s.flush();
  t.deepEqual(s.takeovers, [2]);
  await tick();
  t.is(first.value, "resolved");
  const r = state(s.primary.replicate(Uint8Array.of(2), 2));
  s.primary.close("stepping down");
  await tick();
  t.is(r.value, "rejected");
  t.is(s.wire.closed, "stepping down");
});

test("after a stall, a standby that held a lease confirms it is still the SM's; one taking over does not", (t) => {
  let standbyConfirms = true;
  const s = setup({ confirms: () => standbyConfirms });
  s.flush();
  const results: StandbyCheck[] = [];
  s.clock.set(1200);
  s.primary.checkStandbys(1100, (r) => results.push(r));
  t.deepEqual(results, [], "its lease from t=1000 ran at 1100: it must answer");
  s.flush();
  t.deepEqual(results, [{ ok: true }]);
  t.is(s.wire.toSm.length, 0);

  standbyConfirms = false;
  s.primary.checkStandbys(1100, (r) => results.push(r));
  s.flush();
  t.is(results.length, 1, "no answer from a standby that is taking over: the SM's timer decides");
  s.primary.detach(2, "eof");
  t.deepEqual(results[1], { ok: false, reason: "standby 2 did not answer: its link closed: eof" });

  s.primary.checkStandbys(1100, (r) => results.push(r));
  t.deepEqual(results[2], { ok: false, reason: "standby 2 may hold a lease and has no link" });
  s.primary.checkStandbys(1000 + LEASE_MS * 1.05, (r) => results.push(r));
  t.deepEqual(results[3], { ok: true }, "a lease that ended before the stall began: nobody to ask");
});

test("an answer to an earlier check, or from another epoch, does not count", (t) => {
  const s = setup();
  s.flush();
  const results: StandbyCheck[] = [];
  s.primary.checkStandbys(1000, (r) => results.push(r));
  const first = s.wire.toSm.splice(0);
  s.primary.checkStandbys(1000, (r) => results.push(r));
  for (const f of first) s.primary.onFrame(2, f);
  t.deepEqual(results, [], "the reply to the replaced check");
  const [reply] = s.wire.toSm.splice(0);
  if (reply?.kind !== "check-reply") return t.fail("no check-reply");
  s.primary.onFrame(2, { ...reply, epoch: 4 });
  t.deepEqual(results, []);
  s.primary.onFrame(2, reply);
  t.deepEqual(results, [{ ok: true }]);
});
