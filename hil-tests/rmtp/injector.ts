// Hostile frame injector for the system tests, run with node inside a lab board's namespace.
//   forge  --group G --port P --address A --epoch E --source S --victim V
//          multicasts frames signed with a wrong key (the site's key id and an unknown one), truncated
//          frames and random garbage, then prints how many of each it sent as one JSON line.
//   replay --group G --port P --address A
//          joins the group on A (bound with reuseAddr beside the board's daemon), prints "capturing",
//          records every RMTP frame it hears (printing "type N" when it first hears a frame of type N)
//          until a line arrives on stdin, then multicasts each one again verbatim and prints what it
//          re-sent as one JSON line.
import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { encodeFrame } from "../../firmware/src/rmtp/codec/encode.js";
import { DataFlag, FrameType, MAGIC, Role, type Frame } from "../../firmware/src/rmtp/codec/frames.js";
import { Keyring } from "../../firmware/src/rmtp/codec/keyring.js";

export interface ForgeReport {
  wrongKey: number;
  unknownKey: number;
  truncated: number;
  garbage: number;
}

export interface ReplayReport {
  replayed: number;
  /** Frames re-sent per source member id. */
  bySource: Record<string, number>;
  /** Frames re-sent per frame type number. */
  byType: Record<string, number>;
}

interface Target {
  group: string;
  port: number;
  address: string;
}

function send(socket: Socket, target: Target, frame: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(frame, target.port, target.group, (err) => (err ? reject(err) : resolve())),
  );
}

async function openSocket(target: Target, listen: boolean): Promise<Socket> {
  const socket = createSocket({ type: "udp4", reuseAddr: true });
  await new Promise<void>((resolve) => socket.bind(listen ? target.port : 0, resolve));
  if (listen) socket.addMembership(target.group, target.address);
  socket.setMulticastInterface(target.address);
  socket.setMulticastTTL(1);
  return socket;
}

/** Frames that would disturb the group if they were accepted: they claim to be its members. */
function impostorFrames(epoch: number, source: number, victim: number): Frame[] {
  const header = { epoch, incarnation: 1 };
  return [
    { ...header, source: 1, type: FrameType.Announce, membershipVersion: 1e6, members: [] },
    { ...header, epoch: epoch + 100, source: 1, type: FrameType.Announce, membershipVersion: 1, members: [] },
    { ...header, source: victim, type: FrameType.Leave },
    { ...header, source: 200, type: FrameType.Hello, role: Role.Se, name: "intruder" },
    {
      ...header,
      source,
      type: FrameType.Data,
      flags: DataFlag.Init | DataFlag.Last | DataFlag.AckRequest,
      seq: 1,
      messageId: 1,
      messageBytes: 6,
      ackedThrough: 0,
      payload: Buffer.from("forged"),
    },
    { ...header, source, type: FrameType.Abort, seq: 2, messageId: 1, ackedThrough: 0 },
  ];
}

async function forge(target: Target, epoch: number, source: number, victim: number): Promise<ForgeReport> {
  const socket = await openSocket(target, false);
  const report: ForgeReport = { wrongKey: 0, unknownKey: 0, truncated: 0, garbage: 0 };
  const wrongKey = new Keyring([{ id: 1, secret: randomBytes(32) }], 1);
  const unknownKey = new Keyring([{ id: 99, secret: randomBytes(32) }], 99);
  let packet = 2 ** 40;
  for (const frame of impostorFrames(epoch, source, victim)) {
    const forged = encodeFrame(frame, packet++, wrongKey);
    await send(socket, target, forged);
    report.wrongKey++;
    await send(socket, target, encodeFrame(frame, packet++, unknownKey));
    report.unknownKey++;
    await send(socket, target, forged.subarray(0, 20));
    await send(socket, target, forged.subarray(0, forged.length - 1));
    report.truncated += 2;
  }
  for (let i = 0; i < 10; i++) {
    const garbage = randomBytes(1 + ((i * 97) % 1400));
    if (garbage.length >= 2 && garbage.readUInt16BE(0) === MAGIC) garbage[0] = 0;
    await send(socket, target, garbage);
    report.garbage++;
  }
  socket.close();
  return report;
}

async function replay(target: Target): Promise<ReplayReport> {
  const socket = await openSocket(target, true);
  const captured: Buffer[] = [];
  const types = new Set<number>();
  socket.on("message", (msg) => {
    if (msg.length < 42 || msg.readUInt16BE(0) !== MAGIC) return;
    captured.push(Buffer.from(msg));
    if (!types.has(msg.readUInt8(3))) process.stdout.write(`type ${msg.readUInt8(3)}\n`);
    types.add(msg.readUInt8(3));
  });
  process.stdout.write("capturing\n");
  await new Promise<void>((resolve) =>
    createInterface({ input: process.stdin }).once("line", () => resolve()),
  );
  socket.removeAllListeners("message");
  socket.dropMembership(target.group, target.address);
  const report: ReplayReport = { replayed: 0, bySource: {}, byType: {} };
  for (const frame of captured) {
    await send(socket, target, frame);
    report.replayed++;
    const source = String(frame.readUInt32BE(12));
    const type = String(frame.readUInt8(3));
    report.bySource[source] = (report.bySource[source] ?? 0) + 1;
    report.byType[type] = (report.byType[type] ?? 0) + 1;
  }
  socket.close();
  return report;
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: {
      group: { type: "string" },
      port: { type: "string", default: "5405" },
      address: { type: "string" },
      epoch: { type: "string", default: "1" },
      source: { type: "string", default: "2" },
      victim: { type: "string", default: "3" },
    },
  });
  if (!values.group || !values.address) throw new Error("--group and --address are required");
  const target = { group: values.group, port: Number(values.port), address: values.address };
  if (mode === "forge") {
    const report = await forge(target, Number(values.epoch), Number(values.source), Number(values.victim));
    process.stdout.write(JSON.stringify(report) + "\n");
  } else if (mode === "replay") {
    process.stdout.write(JSON.stringify(await replay(target)) + "\n");
  } else {
    throw new Error("usage: injector.js forge|replay --group G --address A [...]");
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`injector: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
