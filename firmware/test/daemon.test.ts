// The daemon as a process (`iss run`) in a network namespace of its own: starts as Service Manager, answers
// on its control socket, delivers a message through its own group, persists incarnation and epoch across
// restarts, stops on SIGTERM; refuses a broken config and a full disk with a clear log line and exit 1.
import test from "ava";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ControlClient } from "../src/control/client.js";

const cli = join(process.cwd(), "dist/firmware/src/cli/iss.js");
const ns = `iss-t-dmn-${process.pid}`;

function ip(...args: string[]): void {
  execFileSync("/usr/sbin/ip", args, { stdio: "pipe" });
}

test.before(() => {
  ip("netns", "add", ns);
  ip("-n", ns, "link", "set", "lo", "up");
  ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1");
  ip("-n", ns, "addr", "add", "10.99.0.1/24", "dev", "eth0");
  ip("-n", ns, "link", "set", "eth0", "up");
  ip("-n", ns, "link", "set", "eth1", "up");
  ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0");
});

test.after.always(() => {
  execFileSync("/usr/sbin/ip", ["netns", "del", ns], { stdio: "ignore" });
});

function config(dir: string, dataDir: string): string {
  const path = join(dir, "iss.yaml");
  writeFileSync(
    path,
    [
      `node: { name: sm1, id: 1, role: sm, dataDir: ${dataDir} }`,
      "network: { interface: eth0, address: 10.99.0.1 }",
      `rmtp: { group: 239.192.99.1, keys: [{ id: 1, secret: ${"c3".repeat(32)} }], sendKeyId: 1 }`,
      `control: { socket: ${join(dir, "control.sock")} }`,
    ].join("\n"),
  );
  return path;
}

interface Daemon {
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
  waitFor(event: string): Promise<Record<string, unknown>>;
}

function startDaemon(configPath: string): Daemon {
  const child = spawn(
    "/usr/sbin/ip",
    ["netns", "exec", ns, process.execPath, cli, "run", "--config", configPath],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const lines: Array<Record<string, unknown>> = [];
  let buffered = "";
  const waiters: Array<() => void> = [];
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Record<string, unknown>);
    waiters.splice(0).forEach((w) => w());
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    lines,
    exited,
    kill: (signal) => child.kill(signal),
    async waitFor(event) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = lines.find((l) => l.event === event);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no '${event}' in ${JSON.stringify(lines)}`);
        await Promise.race([
          new Promise<void>((r) => waiters.push(r)),
          new Promise((r) => setTimeout(r, 200)),
          exited,
        ]);
      }
    },
  };
}

test.serial(
  "starts as manager, serves status, delivers, persists incarnation and epoch, stops on SIGTERM",
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "iss-daemon-"));
    const path = config(dir, join(dir, "data"));
    for (const run of [1, 2]) {
      const d = startDaemon(path);
      const started = await d.waitFor("started");
      t.like(started, { role: "sm", incarnation: run, epoch: run });
      const client = await ControlClient.connect(join(dir, "control.sock"));
      const status = await client.call<{
        rmtp: { epoch: number; admitted: boolean; manager: { self: boolean } };
      }>("status");
      t.like(status.rmtp, { epoch: run, admitted: true, manager: { self: true } });
      const { messageId } = await client.call<{ messageId: number }>("rmtp.submit", {
        payloadBase64: Buffer.from("hi").toString("base64"),
      });
      t.like(await client.call("rmtp.result", { messageId }), { messageId, bytes: 2 });
      await t.throwsAsync(client.call("rmtp.result", { messageId: 999 }), { message: /no message 999/ });
      await t.throwsAsync(client.call("no.such.op"), { message: /unknown op/ });
      client.close();
      d.kill("SIGTERM");
      t.is(await d.exited, 0);
      t.truthy(d.lines.find((l) => l.event === "stopped"));
    }
    t.deepEqual(JSON.parse(readFileSync(join(dir, "data", "rmtp-state.json"), "utf8")), {
      incarnation: 2,
      epoch: 2,
      managerOf: 0,
    });
  },
);

test.serial("a broken config is refused with every field path and exit 1", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iss-daemon-"));
  writeFileSync(join(dir, "iss.yaml"), "node: { name: x, id: 0, role: sm }\n");
  const d = startDaemon(join(dir, "iss.yaml"));
  const line = await d.waitFor("config-invalid");
  t.is(await d.exited, 1);
  const paths = (line.errors as Array<{ path: string }>).map((e) => e.path);
  t.deepEqual(paths, ["node.id", "network", "rmtp"]);
});

test.serial("a full disk stops the start with a clear error and exit 1", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iss-daemon-"));
  const data = join(dir, "data");
  mkdirSync(data);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=4k", "tmpfs", data]);
  t.teardown(() => execFileSync("umount", [data]));
  try {
    writeFileSync(join(data, "filler"), Buffer.alloc(64 * 1024));
  } catch {
    // the filler stops where the file system is full, which is the point
  }
  const d = startDaemon(config(dir, data));
  const line = await d.waitFor("start-failed");
  t.is(await d.exited, 1);
  t.regex(String(line.error), /ENOSPC/);
});
