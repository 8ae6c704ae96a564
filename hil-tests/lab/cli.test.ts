// `iss lab` as a user runs it, in child processes: up --json describes every board, status and fault
// work from another process, down removes the lab (also after `up` was killed halfway), and without
// root the command says it needs root and exits 1.
import test from "ava";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { issCli } from "./daemons.js";
import { destroyLab, type BoardStatus, type LabState } from "./index.js";
import { isAlive } from "./processes.js";
import { labNamespaces, uniqueLabName } from "./test-support.js";

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function iss(args: string[], prefix: string[] = []): Promise<Outcome> & { pid: number } {
  const [file, ...rest] = [...prefix, process.execPath, issCli, ...args];
  const child = spawn(file ?? "", rest, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Outcome>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  return Object.assign(done, { pid: child.pid ?? 0 });
}

function labName(t: { teardown(fn: () => Promise<void>): void }): string {
  const name = uniqueLabName();
  t.teardown(async () => {
    await destroyLab(name);
  });
  return name;
}

test("iss lab up --json, status, fault and down from separate processes", async (t) => {
  const name = labName(t);
  const up = await iss(["lab", "up", "--boards", "2", "--name", name, "--json"]);
  t.is(up.code, 0, up.stderr);
  const lab = JSON.parse(up.stdout) as LabState;
  t.is(lab.boards.length, 2);
  for (const board of lab.boards) {
    t.like(board, { name: `b${board.index}`, namespace: `iss-${name}-b${board.index}`, interface: "eth0" });
    t.regex(board.address, new RegExp(`^10\\.77\\.\\d+\\.${board.index}$`));
    t.is(typeof board.pid, "number");
    t.true(existsSync(board.configPath) && existsSync(board.logPath));
    t.true(board.controlSocket.startsWith(lab.dir));
  }
  t.deepEqual(
    lab.boards.map((b) => b.role),
    ["sm", "bsm"],
  );

  const fault = await iss(["lab", "fault", "--name", name, "--board", "2", "cut"]);
  t.is(fault.code, 0, fault.stderr);
  const status = await iss(["lab", "status", "--name", name, "--json"]);
  t.is(status.code, 0, status.stderr);
  const boards = (JSON.parse(status.stdout) as { boards: BoardStatus[] }).boards;
  t.deepEqual(
    boards.map((b) => [b.namespacePresent, b.portUp]),
    [
      [true, true],
      [true, false],
    ],
  );
  const text = await iss(["lab", "status", "--name", name]);
  t.regex(text.stdout, /b2 .* down/);

  const bad = await iss(["lab", "fault", "--name", name, "--board", "2", "loss", "101"]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /loss PCT must be an integer from 0 to 100/);

  const down = await iss(["lab", "down", "--name", name]);
  t.is(down.code, 0, down.stderr);
  t.deepEqual(await labNamespaces(name), []);
  t.false(existsSync(lab.dir));
  t.false(lab.boards.some((b) => b.pid !== null && isAlive(b.pid)));
});

test("iss lab down after iss lab up was killed halfway", async (t) => {
  const name = labName(t);
  const up = iss(["lab", "up", "--boards", "6", "--name", name]);
  while (!existsSync(`/run/netns/iss-${name}-sw`) && isAlive(up.pid)) await sleep(2);
  process.kill(up.pid, "SIGKILL");
  await up;
  const down = await iss(["lab", "down", "--name", name, "--json"]);
  t.is(down.code, 0, down.stderr);
  t.deepEqual(await labNamespaces(name), []);
});

test("iss lab without root says it needs root and exits 1", async (t) => {
  const nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"];
  const status = await iss(["lab", "status", "--name", "nobody"], nobody);
  t.is(status.code, 1);
  t.regex(status.stderr, /needs root \(CAP_NET_ADMIN/);
});
