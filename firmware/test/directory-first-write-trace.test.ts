// The first-write trace: only the first write taken is traced, steps count only when it is among the
// items, and the trace ends once, with every step in milliseconds since the start.
import test from "ava";
import { FirstWriteTrace } from "../src/directory/service/first-write-trace.js";

test("traces the first write taken through its steps, once", (t) => {
  let now = 1000;
  const trace = new FirstWriteTrace<string>(1000, () => now);
  now = 1012.34;
  trace.take("a");
  trace.take("b");
  now = 1020;
  t.false(trace.step(["b"], "committedMs"));
  t.true(trace.step(["b", "a"], "committedMs"));
  now = 1031;
  t.is(trace.finish(["b"], "acknowledgedMs"), null);
  t.deepEqual(trace.finish(["a"], "acknowledgedMs"), { takenMs: 12.3, committedMs: 20, acknowledgedMs: 31 });
  trace.take("c");
  t.false(trace.step(["c"], "committedMs"), "a trace ends once");
  t.is(trace.finish(["c"], "acknowledgedMs"), null);
});
