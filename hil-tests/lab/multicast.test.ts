// Traffic through the lab switch: UDP multicast from one board reaches the boards that joined (and the
// bridge's snooping table learns them); `fault loss 100` drops it and `loss 0` restores it; `cut` takes
// the switch port down and `restore` brings it back.
import test from "ava";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import type { Lab } from "./index.js";
import { eventually, json, withLab } from "./test-support.js";

const port = "5999";

const receiverScript = `
const dgram = require("node:dgram");
const [group, port, address] = process.argv.slice(1);
const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
socket.on("message", (m) => process.stdout.write(m.toString() + "\\n"));
socket.bind(Number(port), () => { socket.addMembership(group, address); process.stdout.write("ready\\n"); });
`;

const senderScript = `
const dgram = require("node:dgram");
const [group, port, address, tag, count] = process.argv.slice(1);
const socket = dgram.createSocket("udp4");
let sent = 0;
const next = () => (sent++ < Number(count) ? setTimeout(() => socket.send(tag + sent, Number(port), group, next), 5) : socket.close());
socket.bind(0, address, () => { socket.setMulticastInterface(address); next(); });
`;

class Receiver {
  readonly lines: string[] = [];
  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (line) => this.lines.push(line));
  }
  count(tag: string): number {
    return this.lines.filter((l) => l.startsWith(tag)).length;
  }
}

function receive(lab: Lab, board: number): Receiver {
  const argv = [process.execPath, "-e", receiverScript, lab.describe().group, port, lab.board(board).address];
  return new Receiver(lab.spawnInBoard(board, argv, { stdio: ["ignore", "pipe", "inherit"] }));
}

async function send(lab: Lab, board: number, tag: string, count = 10): Promise<void> {
  const argv = [
    process.execPath,
    "-e",
    senderScript,
    lab.describe().group,
    port,
    lab.board(board).address,
    tag,
  ];
  await lab.runInBoard(board, [...argv, String(count)]);
}

interface MdbEntry {
  port: string;
  grp: string;
}

async function portIsUp(namespace: string, port: string): Promise<boolean> {
  const [link] = await json<Array<{ flags: string[] }>>(["ip", "-n", namespace, "-j", "link", "show", port]);
  return link?.flags.includes("UP") ?? false;
}

test("multicast reaches the joined boards; loss 100 drops it, loss 0 restores it; cut/restore the port", async (t) => {
  const lab = await withLab(t, { boards: 3, daemons: false });
  const { switchNamespace, group } = lab.describe();
  const receivers = [receive(lab, 2), receive(lab, 3)];
  t.teardown(() => receivers.forEach((r) => r.child.kill()));
  const ready = await eventually(
    () => receivers.every((r) => r.lines.includes("ready")),
    (all) => all,
  );
  t.true(ready, "both receivers joined the group");

  const members = await eventually(
    async () => {
      const [table] = await json<Array<{ mdb: MdbEntry[] }>>([
        "bridge",
        "-n",
        switchNamespace,
        "-j",
        "mdb",
        "show",
      ]);
      return (table?.mdb ?? []).filter((e) => e.grp === group).map((e) => e.port);
    },
    (ports) => ports.length === 2,
  );
  t.deepEqual(members.sort(), [lab.board(2).port, lab.board(3).port].sort(), "snooping learned both members");

  await send(lab, 1, "a");
  await eventually(
    () => receivers.map((r) => r.count("a")),
    (counts) => counts.every((c) => c === 10),
  );
  t.deepEqual(
    receivers.map((r) => r.count("a")),
    [10, 10],
  );

  await lab.fault(1, { kind: "loss", percent: 100 });
  t.is(lab.board(1).loss, 100);
  await send(lab, 1, "b");
  await sleep(300);
  t.deepEqual(
    receivers.map((r) => r.count("b")),
    [0, 0],
  );

  await lab.fault(1, { kind: "loss", percent: 0 });
  await send(lab, 1, "c");
  const afterLoss = await eventually(
    () => receivers.map((r) => r.count("c")),
    (counts) => counts.every((c) => c === 10),
  );
  t.deepEqual(afterLoss, [10, 10]);

  await lab.fault(3, { kind: "cut" });
  t.false(await portIsUp(switchNamespace, lab.board(3).port));
  await send(lab, 1, "d");
  await eventually(
    () => receivers[0]?.count("d") ?? 0,
    (c) => c === 10,
  );
  t.is(receivers[1]?.count("d"), 0, "the cut board gets nothing");

  await lab.fault(3, { kind: "restore" });
  t.true(await portIsUp(switchNamespace, lab.board(3).port));
  const rejoined = await eventually(
    async () => {
      await send(lab, 1, "e", 1);
      return receivers[1]?.count("e") ?? 0;
    },
    (c) => c > 0,
    5000,
  );
  t.true(rejoined > 0, "the restored board receives again");
  t.deepEqual(
    (await lab.status()).map((s) => [s.portUp, s.loss]),
    [
      [true, 0],
      [true, 0],
      [true, 0],
    ],
  );
});
