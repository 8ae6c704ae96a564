// The sender's answer to re-send requests: the first request for a lost frame re-sends it at once, even
// right after its first transmission; further requests within half a NAK retry interval are absorbed.
import test from "ava";
import { FrameType } from "../src/rmtp/codec/frames.js";
import { Sender } from "../src/rmtp/core/sender.js";
import { zeroCounters, type FrameBody, type NodeAction } from "../src/rmtp/core/types.js";
import { testParams } from "./helpers/sim-group.js";

function sender(): { s: Sender; sent: FrameBody[] } {
  const sent: FrameBody[] = [];
  const out = { multicast: (f: FrameBody) => sent.push(f), toManager: () => undefined };
  const actions: NodeAction[] = [];
  const s = new Sender(testParams(), out, actions, zeroCounters());
  s.setActive(true, 0);
  return { s, sent };
}

const grant = (ackedThrough: number, grantThrough: number) => ({
  type: FrameType.Grant,
  epoch: 1,
  source: 1,
  incarnation: 1,
  streamSource: 2,
  streamIncarnation: 1,
  ackedThrough,
  grantThrough,
  window: 64,
});

const nak = (start: number, count: number) => ({
  type: FrameType.Nak,
  epoch: 1,
  source: 3,
  incarnation: 1,
  streamSource: 2,
  streamIncarnation: 1,
  ranges: [{ start, count }],
});

test("a NAK right after the first transmission re-sends at once; a second NAK within 5 ms does not", (t) => {
  const { s, sent } = sender();
  s.submit(Buffer.alloc(1338 * 10), 0);
  s.onGrant(grant(1, 65), 1);
  const before = sent.length;
  s.onNak(nak(3, 2), 1.2);
  const resent = sent
    .slice(before)
    .filter((f) => f.type === FrameType.Data)
    .map((f) => (f.type === FrameType.Data ? f.seq : 0));
  t.deepEqual(resent, [3, 4]);
  s.onNak(nak(3, 1), 3);
  t.is(sent.length, before + 2, "absorbed: the re-send is on its way");
  s.onNak(nak(3, 1), 7);
  t.is(sent.length, before + 3, "asked again after the holdoff: re-sent again");
});
