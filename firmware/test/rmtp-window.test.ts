// The manager's loss-driven window (docs/rmtp.md, "Window adaptation"): the loss it reacts to is the share
// of distinct frames the worst member asked to have re-sent over a whole window of acknowledged frames.
// Repeated NAKs for one frame, and acknowledgements that advance a few frames at a time, must not make a
// single lost frame look like heavy loss (the system tests saw 1% random loss pin the window at its minimum).
import test from "ava";
import { FrameType, Role } from "../src/rmtp/codec/frames.js";
import { Manager } from "../src/rmtp/core/manager.js";
import { zeroCounters, type FrameBody } from "../src/rmtp/core/types.js";
import { testParams } from "./helpers/sim-group.js";

const sender = 2;
const recipients = [1, 3, 4];

function managedStream(): { manager: Manager; windows: number[] } {
  const windows: number[] = [];
  const out = {
    multicast: (f: FrameBody) => {
      if (f.type === FrameType.Grant) windows.push(f.window);
    },
    toManager: () => undefined,
  };
  const self = { id: 1, incarnation: 1, name: "b1", role: Role.Sm, address: null, lastHeardAt: 0 };
  const manager = new Manager(self, testParams(), out, [], zeroCounters());
  for (const id of [2, 3, 4]) {
    const hello = {
      type: FrameType.Hello,
      epoch: 1,
      source: id,
      incarnation: 1,
      role: Role.Se,
      name: `b${id}`,
    };
    manager.onHello(hello, { address: `10.0.0.${id}`, port: 5405 }, 0);
  }
  manager.onStreamFrame(sender, 1, 1, 0);
  ackAll(manager, 1); // the stream's first frame: the manager grants the initial window of 64
  return { manager, windows };
}

function ackAll(manager: Manager, through: number): void {
  for (const source of recipients) {
    manager.onAck(
      {
        type: FrameType.Ack,
        epoch: 1,
        source,
        incarnation: 1,
        streamSource: sender,
        streamIncarnation: 1,
        cumulative: through,
      },
      through,
    );
  }
}

function nak(manager: Manager, from: number, start: number, count = 1): void {
  manager.onNak({
    type: FrameType.Nak,
    epoch: 1,
    source: from,
    incarnation: 1,
    streamSource: sender,
    streamIncarnation: 1,
    ranges: [{ start, count }],
  });
}

test("a frame asked for again and again counts once", (t) => {
  const { manager, windows } = managedStream();
  for (let i = 0; i < 12; i++) nak(manager, 3, 5); // the NAK retries of one member while the re-send is on its way
  ackAll(manager, 65);
  t.is(windows.at(-1), 80, `1 frame of 64 lost: the window grows by a quarter (grants ${windows.join(",")})`);
});

test("one lost frame is judged against a whole window, not against a two-frame acknowledgement step", (t) => {
  const { manager, windows } = managedStream();
  nak(manager, 4, 3);
  for (let through = 3; through <= 81; through += 2) ackAll(manager, through);
  t.true(Math.min(...windows) >= 64, `the window never shrinks (grants ${windows.join(",")})`);
  t.true(windows.at(-1)! > 64);
});

test("a member that misses more than 15% of a window halves it", (t) => {
  const { manager, windows } = managedStream();
  for (let seq = 10; seq < 34; seq += 2) nak(manager, 3, seq);
  for (let through = 17; through <= 65; through += 16) ackAll(manager, through);
  t.is(windows.at(-1), 32, `12 of 64 frames asked for: halved (grants ${windows.join(",")})`);
});
