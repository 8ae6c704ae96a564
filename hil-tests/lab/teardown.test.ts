// Daemon faults and `down`: kill/stop/cont/restart act on the board's daemon (a stand-in that answers
// the control op `status`), and `down` leaves no namespace, process or file behind, also after a daemon
// was SIGKILLed, with a daemon that ignores SIGTERM, and after `up` crashed halfway.
import test from "ava";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createLab, destroyLab } from "./index.js";
import { labBaseDir } from "./names.js";
import { addNetns, spawnInNetns } from "./netns.js";
import { isAlive } from "./processes.js";
import { planLab, stateFile, writeState, type BoardState } from "./state.js";
import { addBoardNetwork, createSwitch } from "./topology.js";
import { eventually, labNamespaces, uniqueLabName, withLab } from "./test-support.js";

const standIn = fileURLToPath(new URL("./stand-in-daemon.js", import.meta.url));

/** Runs the stand-in daemon on every board; the one on board `stubborn` ignores SIGTERM. */
function standIns(stubborn = 0): (board: BoardState) => string[] {
  return (board) => [
    process.execPath,
    standIn,
    "--config",
    board.configPath,
    ...(board.index === stubborn ? ["--ignore-sigterm"] : []),
  ];
}

function strayProcess(namespace: string): number {
  const child = spawnInNetns(namespace, ["sleep", "600"], { detached: true, stdio: "ignore" });
  child.unref();
  return child.pid ?? 0;
}

test("kill, stop, cont and restart act on a board's daemon; status shows its control answer", async (t) => {
  const lab = await withLab(t, { boards: 2, daemonCommand: standIns() });
  const answered = await eventually(
    () => lab.status(),
    (s) => s.every((b) => b.control.answered),
  );
  t.deepEqual(
    answered.map((b) => b.control.answered && b.control.status),
    [
      { node: "b1", role: "sm", pid: lab.board(1).pid },
      { node: "b2", role: "bsm", pid: lab.board(2).pid },
    ],
  );

  await lab.fault(1, { kind: "stop" });
  t.like((await lab.status())[0], { daemon: "stopped", control: { answered: false } });
  await lab.fault(1, { kind: "cont" });
  t.like((await lab.status())[0], { daemon: "running", control: { answered: true } });

  const before = lab.board(1).pid ?? 0;
  await lab.fault(1, { kind: "restart" });
  t.not(lab.board(1).pid, before);
  t.false(isAlive(before));
  const restarted = await eventually(
    async () => (await lab.status())[0],
    (s) => s?.control.answered === true,
  );
  t.like(restarted, { daemon: "running", pid: lab.board(1).pid });
  const starts = readFileSync(lab.board(1).logPath, "utf8").match(/"event":"daemon.start"/g) ?? [];
  t.is(starts.length, 2, "the restart appends to the same log");

  await lab.fault(1, { kind: "kill" });
  t.like((await lab.status())[0], { daemon: "gone", control: { answered: false } });
  await lab.fault(1, { kind: "kill" });
  await t.throwsAsync(lab.fault(1, { kind: "stop" }), { message: /not running/ });
});

test("down removes everything after a daemon was SIGKILLed, with a daemon that ignores SIGTERM and a stray process", async (t) => {
  const lab = await withLab(t, { boards: 2, daemonCommand: standIns(2) });
  await eventually(
    () => lab.status(),
    (s) => s.every((b) => b.control.answered),
  );
  await lab.fault(1, { kind: "kill" });
  const stubborn = lab.board(2).pid ?? 0;
  const stray = strayProcess(lab.board(1).namespace);
  await eventually(
    () => lab.status(),
    () => existsSync(`/proc/${stray}`),
  );

  const report = await lab.down();
  t.true(report.processes.includes(stubborn));
  t.false(isAlive(stubborn));
  t.false(isAlive(stray));
  t.deepEqual(await labNamespaces(lab.name), []);
  t.false(existsSync(lab.describe().dir));
  const again = await lab.down();
  t.deepEqual([again.namespaces, again.processes], [[], []], "down is idempotent");
});

test("down cleans up after up crashed halfway, and leaves a lab with a longer name alone", async (t) => {
  const name = uniqueLabName().slice(0, 5);
  const neighbour = `${name}x`;
  t.teardown(async () => {
    await destroyLab(name);
    await destroyLab(neighbour);
  });
  const state = planLab({
    name,
    boards: 3,
    rate: "1gbit",
    daemons: true,
    baseDir: labBaseDir(),
    command: () => [],
  });
  writeState(state);
  await createSwitch(state);
  const [first] = state.boards;
  if (!first) return t.fail("no board planned");
  await addBoardNetwork(state, first);
  const stray = strayProcess(first.namespace);
  await addNetns(`iss-${neighbour}-b1`);

  await t.throwsAsync(createLab({ name, boards: 3 }), { message: /already exists/ });
  const report = await destroyLab(name);
  t.deepEqual(report.namespaces.sort(), [first.namespace, state.switchNamespace].sort());
  t.false(isAlive(stray));
  t.deepEqual(await labNamespaces(name), []);
  t.false(existsSync(state.dir));
  t.deepEqual(await labNamespaces(neighbour), [`iss-${neighbour}-b1`]);
});

test("down works when the state file is unreadable", async (t) => {
  const name = uniqueLabName();
  t.teardown(async () => {
    await destroyLab(name);
  });
  const state = planLab({
    name,
    boards: 2,
    rate: null,
    daemons: false,
    baseDir: labBaseDir(),
    command: () => [],
  });
  writeState(state);
  writeFileSync(stateFile(state.dir), "{");
  await createSwitch(state);
  await addNetns(state.boards[1]?.namespace ?? "");
  const report = await destroyLab(name);
  t.is(report.namespaces.length, 2);
  t.deepEqual(await labNamespaces(name), []);
  t.false(existsSync(state.dir));
});
