// The anti-replay window: fresh packet numbers pass once, repeats and numbers below the window are
// refused, a newer incarnation starts a new window and an older one is refused.
import test from "ava";
import { ReplayGuard } from "../src/rmtp/core/replay-guard.js";

test("each packet number passes once, in any order inside the window", (t) => {
  const g = new ReplayGuard();
  for (const pn of [5, 3, 4, 1, 2, 100]) t.is(g.check(7, 1, pn), "fresh");
  for (const pn of [5, 3, 100]) t.is(g.check(7, 1, pn), "replayed");
});

test("numbers that fell out of the 4096-wide window are refused", (t) => {
  const g = new ReplayGuard();
  t.is(g.check(7, 1, 10), "fresh");
  t.is(g.check(7, 1, 10 + 5000), "fresh");
  t.is(g.check(7, 1, 11), "replayed");
  t.is(g.check(7, 1, 5000 + 10 - 4095), "fresh");
});

test("a far jump forward clears old slots so later numbers are not taken as repeats", (t) => {
  const g = new ReplayGuard();
  for (let pn = 1; pn <= 4096; pn++) g.check(7, 1, pn);
  t.is(g.check(7, 1, 4096 * 3 + 1), "fresh");
  t.is(g.check(7, 1, 4096 * 3 + 2), "fresh");
});

test("incarnations: newer resets, older is refused, sources are independent", (t) => {
  const g = new ReplayGuard();
  t.is(g.check(7, 1, 50), "fresh");
  t.is(g.check(7, 2, 1), "fresh");
  t.is(g.check(7, 1, 51), "old-incarnation");
  t.is(g.check(8, 1, 50), "fresh");
  g.noteIncarnation(8, 3);
  t.is(g.check(8, 2, 51), "old-incarnation");
});
