// The GC monitor sees this process's real garbage collections: allocating tens of megabytes of short-lived
// objects makes V8 scavenge, and the pauses show inside the window that covers them and not outside it.
import test from "ava";
import { setTimeout as sleep } from "node:timers/promises";
import { GcMonitor } from "../src/daemon/gc-monitor.js";

test("GC pauses of the process show in the window that covers them", async (t) => {
  const gc = new GcMonitor();
  t.teardown(() => gc.close());
  const before = Date.now();
  await sleep(20);
  const from = Date.now();
  let keep = 0;
  for (let i = 0; i < 2_000_000; i++) keep += { i, s: `x${i}` }.s.length;
  const to = Date.now();
  await sleep(50);
  t.true(keep > 0);
  const seen = gc.within(from, to);
  t.log(`GC within the allocation: ${JSON.stringify(seen)}`);
  t.true(seen.gcMs > 0 && seen.longestMs > 0, "the allocation caused GC pauses");
  t.is(gc.within(before - 10_000, before - 5_000).gcMs, 0, "nothing in a window before the monitor started");
});
