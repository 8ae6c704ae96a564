// The daemon under systemd's notify protocol, on a REAL notify socket (python3 binds it with SO_PASSCRED,
// as systemd does): READY=1 once the control socket listens and the role is known, from the daemon's own
// pid (NotifyAccess=main); WATCHDOG=1 at half of WATCHDOG_USEC; none while its event loop is blocked (a
// preloaded helper blocks it on SIGUSR2), so systemd would restart it; STOPPING=1 on SIGTERM. The LEDs of
// its (virtual) board follow: sm-active, identify through the control socket, dark when stopped, fault
// when it exits on an error. No network namespace: the daemon runs on the loopback address.
import test from "ava";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { ControlClient } from "../src/control/client.js";
import { readLedClassPattern } from "../src/led/led-class.js";
import { SdNotify } from "../src/service/notify.js";
import { watchdogIntervalMs } from "../src/service/watchdog.js";
import { addLed, makeTree, writeModel, type Tree } from "./helpers/board-tree.js";
import { NotifySocket } from "./helpers/notify-socket.js";

const cli = join(process.cwd(), "dist/firmware/src/cli/iss.js");
const blockHelper = pathToFileURL(join(process.cwd(), "dist/firmware/test/helpers/block-loop.js")).href;
const watchdogUsec = 1_000_000;
const blockMs = 3000;

interface Unit {
  dir: string;
  tree: Tree;
  config: string;
  socket: string;
  leds: () => [string | null, string | null];
}

function unit(role: "sm" | "se", extra: string[] = []): Unit {
  const dir = mkdtempSync(join(tmpdir(), "iss-svc-"));
  const tree = makeTree();
  writeModel(tree, "ISS virtual lab board");
  const status = addLed(tree, "iss:green:status", "none");
  const alert = addLed(tree, "iss:red:alert", "none");
  const socket = join(dir, "control.sock");
  const config = join(dir, "iss.yaml");
  writeFileSync(
    config,
    [
      `node: { name: u1, id: 1, role: ${role}, dataDir: ${join(dir, "data")} }`,
      "network: { interface: lo, address: 127.0.0.1 }",
      `rmtp: { group: 239.192.98.${(process.pid % 200) + 1}, port: ${20000 + (process.pid % 20000)}, keys: [{ id: 1, secret: ${"5a".repeat(32)} }], sendKeyId: 1 }`,
      `board: { name: virtual-lab, deviceTree: ${tree.deviceTree}, sysfs: ${tree.sysfs} }`,
      `control: { socket: ${socket} }`,
      ...extra,
    ].join("\n"),
  );
  return { dir, tree, config, socket, leds: () => [readLedClassPattern(status), readLedClassPattern(alert)] };
}

function run(u: Unit, notify: NotifySocket): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", blockHelper, cli, "run", "--config", u.config], {
    env: {
      ...process.env,
      NOTIFY_SOCKET: notify.path,
      WATCHDOG_USEC: String(watchdogUsec),
      ISS_TEST_BLOCK_MS: String(blockMs),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.stdout.resume();
  return { child, exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
}

async function until<T>(f: () => T | null | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test("the watchdog interval is half of WATCHDOG_USEC, and only for the pid systemd names", (t) => {
  t.is(watchdogIntervalMs({ WATCHDOG_USEC: "10000000" }, 42), 5000);
  t.is(watchdogIntervalMs({ WATCHDOG_USEC: "10000000", WATCHDOG_PID: "42" }, 42), 5000);
  t.is(watchdogIntervalMs({ WATCHDOG_USEC: "10000000", WATCHDOG_PID: "43" }, 42), null);
  t.is(watchdogIntervalMs({}, 42), null);
  t.is(watchdogIntervalMs({ WATCHDOG_USEC: "soon" }, 42), null);
  t.is(SdNotify.fromEnv({}), null);
  t.throws(() => SdNotify.fromEnv({ NOTIFY_SOCKET: "@/org/freedesktop/systemd1/notify" }), {
    message: /only filesystem sockets are supported/,
  });
});

test("READY after the services listen, WATCHDOG=1 from the event loop, none while it is blocked, STOPPING on SIGTERM", async (t) => {
  const u = unit("sm");
  const notify = await NotifySocket.bind(join(u.dir, "notify"));
  t.teardown(() => notify.close());
  const { child, exited } = run(u, notify);
  t.teardown(() => child.kill("SIGKILL"));

  const ready = await notify.waitFor(
    () => notify.messages.find((m) => m.fields.READY === "1"),
    15_000,
    "READY=1",
  );
  t.is(ready.pid, child.pid ?? null, "sent by the main process: NotifyAccess=main accepts it");
  t.regex(ready.fields.STATUS ?? "", /^SM of epoch \d+, manager u1, 1 members/);
  const client = await ControlClient.connect(u.socket);
  client.close();
  await until(() => u.leds()[0] === "dip", 3000, "the sm-active pattern");
  t.deepEqual(u.leds(), ["dip", "off"]);

  const from = performance.now();
  await sleep(3000);
  const pings = notify.pings(from, performance.now());
  t.true(pings.length >= 4, `${pings.length} pings in 3 s at a ${watchdogUsec / 2000} ms interval`);
  t.true(pings.every((p) => p.pid === child.pid));
  const gaps = pings.slice(1).map((p, i) => p.at - pings[i]!.at);
  t.true(Math.max(...gaps) < watchdogUsec / 1000, `gaps ${gaps.map(Math.round).join(" ")} ms`);

  const blockedAt = performance.now();
  child.kill("SIGUSR2");
  await sleep(blockMs + 1000);
  const during = notify.pings(blockedAt + 600, blockedAt + blockMs - 100);
  t.deepEqual(during, [], "a blocked event loop sends no WATCHDOG=1");
  const before = notify.pings(0, blockedAt + 600).at(-1)!;
  const after = notify.pings(blockedAt + 600, Infinity);
  t.true(after.length >= 2, "pings come back once the loop runs again");
  const silence = after[0]!.at - before.at;
  t.true(
    silence > watchdogUsec / 1000,
    `${Math.round(silence)} ms without a ping: systemd would have restarted it`,
  );
  t.log(
    `pings every ${watchdogUsec / 2000} ms; longest gap while running ${Math.round(Math.max(...gaps))} ms; silence while blocked ${Math.round(silence)} ms`,
  );

  const identify = (seconds: number): string =>
    execFileSync(process.execPath, [cli, "identify", "--seconds", String(seconds), "--socket", u.socket], {
      encoding: "utf8",
    });
  t.is(identify(20), `identify: 20 s, through the daemon on ${u.socket}\n`);
  t.deepEqual(u.leds(), ["fast", "fast"]);
  const status = execFileSync(process.execPath, [cli, "status", "--socket", u.socket], { encoding: "utf8" });
  t.regex(status, /^ {2}unit: board virtual-lab, LEDs identify \(green fast, red fast\), systemd ready$/m);
  identify(0);
  t.deepEqual(u.leds(), ["dip", "off"], "identify 0 ends it");
  identify(1);
  await until(() => u.leds()[0] === "dip", 3000, "identify to end by itself");

  child.kill("SIGTERM");
  t.is(await exited, 0);
  const stopping = notify.messages.find((m) => m.fields.STOPPING === "1");
  t.truthy(stopping);
  t.is(stopping!.pid, child.pid ?? null);
  t.deepEqual(u.leds(), ["off", "off"], "stopped: both dark");
});

test("a daemon that fails after taking the LEDs exits 1, shows fault and never says READY", async (t) => {
  const u = unit("se");
  writeFileSync(join(u.dir, "data"), "a file where the data directory should be");
  const notify = await NotifySocket.bind(join(u.dir, "notify"));
  t.teardown(() => notify.close());
  const { exited } = run(u, notify);
  t.is(await exited, 1);
  t.deepEqual(u.leds(), ["off", "on"]);
  t.false(notify.messages.some((m) => m.fields.READY === "1"));
});

test("a daemon on the wrong board refuses to start and names both boards", async (t) => {
  const u = unit("se");
  writeFileSync(
    u.config,
    execFileSync("sed", ["s/name: virtual-lab/name: rpi4b/", u.config], { encoding: "utf8" }),
  );
  const notify = await NotifySocket.bind(join(u.dir, "notify"));
  t.teardown(() => notify.close());
  const child = spawn(process.execPath, [cli, "run", "--config", u.config], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  const code = await new Promise((resolve) => child.on("exit", resolve));
  t.is(code, 1);
  t.regex(
    out,
    /"event":"start-failed".*wrong board: the config expects rpi4b \(Raspberry Pi 4 Model B\) but this is virtual-lab/,
  );
  const trigger = readFileSync(join(u.tree.sysfs, "class", "leds", "iss:green:status", "trigger"), "utf8");
  t.is(trigger, "[none] mmc0 timer heartbeat default-on\n", "LEDs untouched");
});
