// The SM hands a long catch-up answer (a full refresh in several messages) to the transport one message
// per turn of the event loop, so timers (its VRRP adverts) run in between; live writes taken meanwhile are
// multicast only after the last message of the answer.
import test from "ava";
import { unpackMessage } from "../src/directory/codec/envelope.js";
import type { DirectoryMessage } from "../src/directory/codec/messages.js";
import { SmDirectory } from "../src/directory/service/sm-directory.js";
import { Logger } from "../src/log/logger.js";
import { contentOp, ctx, engineOp, memoryStore, newView, treeOps } from "./helpers/directory-sim-fixture.js";

test("a refresh goes out one message per event-loop turn, and live changes only after it", async (t) => {
  const sent: Array<{ message: DirectoryMessage; turn: number }> = [];
  let turn = 0;
  let counting = true;
  const count = (): void => {
    turn++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  t.teardown(() => (counting = false));
  const sm = new SmDirectory({
    ctx,
    view: newView(memoryStore(10)),
    link: {
      send: (payload) => {
        sent.push({ message: unpackMessage(Buffer.from(payload), 1 << 26), turn });
        return Promise.resolve();
      },
    },
    log: new Logger("test", () => undefined),
    node: { id: 1, name: "b1", address: "10.0.0.1" },
    maxBatch: 64,
  });
  t.teardown(() => sm.close());
  for (const op of [...treeOps(), engineOp("e1", "http", "10.0.0.9")]) await sm.write(op);
  for (let i = 0; i < 4500; i++) await sm.write(contentOp(`c${i}`, ["e1"]));
  sent.splice(0);

  sm.onMessage({ kind: "catchup-request", node: 7, have: 0 }, { id: 7, name: "b7" });
  const live = sm.write(contentOp("late", ["e1"]));
  await live;

  const refresh = sent.filter((s) => s.message.kind === "refresh");
  t.true(refresh.length >= 2, `a refresh in several messages (${refresh.length})`);
  const turnsUsed = new Set(refresh.map((s) => s.turn));
  t.is(turnsUsed.size, refresh.length, "each message of the refresh in a turn of its own");
  const lastRefresh = sent.indexOf(refresh.at(-1)!);
  const liveAt = sent.findIndex(
    (s) =>
      s.message.kind === "changes" && s.message.changes.some((c) => c.op.dn.startsWith("issContentId=late")),
  );
  t.true(liveAt > lastRefresh, "the live change after the whole refresh");
});
