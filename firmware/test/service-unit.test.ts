// The systemd unit (firmware/systemd/iss.service): `systemd-analyze verify` accepts it without a warning,
// and it says what the firmware relies on: Type=notify with a watchdog, restart on failure, the dedicated
// user with exactly the three network capabilities, the sandbox, and the paths and node flags the code uses.
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultConfigPath } from "../src/cli/commands/run.js";
import { configSchema } from "../src/config/schema.js";
import { daemonNice, daemonNodeFlags } from "../src/daemon/node-flags.js";

const unitFile = join(process.cwd(), "firmware/systemd/iss.service");
const analyze = "/usr/bin/systemd-analyze";

function settings(): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of readFileSync(unitFile, "utf8").split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) map.set(m[1]!, [...(map.get(m[1]!) ?? []), m[2]!]);
  }
  return map;
}

const hasAnalyze = existsSync(analyze);
const missing = hasAnalyze ? "" : ` (skipped: ${analyze} is missing, Debian package systemd)`;

(hasAnalyze ? test : test.skip)(`systemd-analyze verify accepts the unit without a word${missing}`, (t) => {
  const result = spawnSync(analyze, ["verify", unitFile], { encoding: "utf8" });
  t.is(result.status, 0, result.stderr);
  t.is(result.stderr, "");
  const security = spawnSync(analyze, ["security", "--offline=yes", unitFile], { encoding: "utf8" });
  const exposure = /Overall exposure level for iss\.service: (\d+\.\d+)/.exec(security.stdout);
  t.truthy(exposure, security.stdout + security.stderr);
  t.log(
    `systemd-analyze security --offline: exposure ${exposure![1]} (0 = fully sandboxed, 10 = not at all)`,
  );
  t.true(Number(exposure![1]) <= 2.5);
});

test("the unit is a notify service with a watchdog, restarted on failure", (t) => {
  const s = settings();
  t.deepEqual(s.get("Type"), ["notify"]);
  t.deepEqual(s.get("NotifyAccess"), ["main"]);
  t.regex(s.get("WatchdogSec")?.[0] ?? "", /^\d+s$/);
  t.deepEqual(s.get("Restart"), ["on-failure"]);
});

test("it runs as user iss with only CAP_NET_ADMIN, CAP_NET_RAW and CAP_NET_BIND_SERVICE", (t) => {
  const s = settings();
  const caps = ["CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"];
  t.deepEqual(s.get("User"), ["iss"]);
  t.deepEqual(s.get("CapabilityBoundingSet")?.[0]?.split(" ").sort(), caps);
  t.deepEqual(s.get("AmbientCapabilities")?.[0]?.split(" ").sort(), caps);
  t.regex(
    readFileSync(join(process.cwd(), "firmware/systemd/iss.sysusers"), "utf8"),
    /^u iss - .* \/var\/lib\/iss$/m,
  );
  for (const [key, value] of [
    ["ProtectSystem", "strict"],
    ["NoNewPrivileges", "yes"],
    ["PrivateTmp", "yes"],
    ["PrivateDevices", "yes"],
    ["ProtectHome", "yes"],
    ["RestrictNamespaces", "yes"],
  ])
    t.deepEqual(s.get(key!), [value], key);
});

test("its paths and flags are the ones the firmware uses", (t) => {
  const s = settings();
  const dataDir = configSchema.shape.node.shape.dataDir.parse(undefined);
  t.is(dataDir, "/var/lib/iss");
  t.deepEqual(s.get("ReadWritePaths"), [dataDir]);
  t.deepEqual(s.get("StateDirectory"), ["iss"]);
  t.deepEqual(s.get("RuntimeDirectory"), ["iss"], "/run/iss holds the control socket");
  t.deepEqual(s.get("Nice"), [String(daemonNice)], "the nice value the lab's daemons run with");
  const exec = s.get("ExecStart")?.[0]?.split(" ") ?? [];
  t.is(exec[0], "/usr/bin/node");
  t.deepEqual(exec.slice(1, 1 + daemonNodeFlags.length), [...daemonNodeFlags]);
  t.deepEqual(exec.slice(-4), [
    "/opt/iss/dist/firmware/src/cli/iss.js",
    "run",
    "--config",
    defaultConfigPath,
  ]);
});
