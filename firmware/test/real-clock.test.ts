// The real clock's timers on the real event loop: a callback never runs before its time by the clock's own
// reading (VRRP's router ignores a timer that is not yet due, so an early one was lost for good), and a
// cleared timer never runs, also when it was re-armed for its last fraction of a millisecond.
import test from "ava";
import { setTimeout as sleep } from "node:timers/promises";
import { realClock } from "../src/rmtp/io/clock.js";

test("200 timers at fractional times each run once, none before its time", async (t) => {
  const start = realClock.now();
  const early: number[] = [];
  const runs = await Promise.all(
    Array.from({ length: 200 }, (_, i) => {
      const at = start + 1 + i * 0.37;
      return new Promise<number>((resolve) =>
        realClock.setTimer(at, () => {
          const now = realClock.now();
          if (now < at) early.push(at - now);
          resolve(now - at);
        }),
      );
    }),
  );
  t.deepEqual(early, []);
  t.is(runs.length, 200);
  t.log(`latest ${Math.max(...runs).toFixed(2)} ms after its time`);
});

test("a cleared timer does not run", async (t) => {
  let ran = 0;
  const handles = Array.from({ length: 50 }, (_, i) =>
    realClock.setTimer(realClock.now() + 2 + i * 0.1, () => ran++),
  );
  for (const h of handles) realClock.clearTimer(h);
  await sleep(30);
  t.is(ran, 0);
});
