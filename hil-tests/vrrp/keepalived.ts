// Debian's keepalived as a VRRPv3 peer in a test namespace: writes its config into a temporary
// directory (pid files there too, so parallel tests don't share /run/keepalived.pid), runs it in the
// foreground with the VRRP subsystem only and logs on the console, and stops it in the test's teardown.
import type { ExecutionContext } from "ava";
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnInNetns } from "../lab/netns.js";

export interface KeepalivedInstance {
  interfaceName: string;
  vrid: number;
  priority: number;
  /** Seconds, as keepalived's advert_int (VRRPv3 sends it in centiseconds). */
  advertIntSeconds: number;
  virtualAddress: string;
  /** The state it starts in (default MASTER, which advertises at once). */
  state?: "MASTER" | "BACKUP";
  /** keepalived's router_id (default iss_test). */
  routerId?: string;
}

export interface KeepalivedProcess {
  child: ChildProcess;
  /** Everything it printed so far (state changes: "Entering MASTER STATE" and so on). */
  output(): string;
}

export const keepalivedBinary = "/usr/sbin/keepalived";

/** The config keepalived runs with: VRRPv3, one instance, no authentication (v3 has none). */
export function keepalivedConfig(i: KeepalivedInstance): string {
  return [
    "global_defs {",
    `  router_id ${i.routerId ?? "iss_test"}`,
    "  vrrp_version 3",
    "}",
    "vrrp_instance VI_1 {",
    `  state ${i.state ?? "MASTER"}`,
    `  interface ${i.interfaceName}`,
    `  virtual_router_id ${i.vrid}`,
    `  priority ${i.priority}`,
    `  advert_int ${i.advertIntSeconds}`,
    "  virtual_ipaddress {",
    `    ${i.virtualAddress}/32`,
    "  }",
    "}",
    "",
  ].join("\n");
}

export function keepalivedVersion(): string {
  const out = spawnSync(keepalivedBinary, ["--version"], { encoding: "utf8" });
  return (out.stderr + out.stdout).split("\n")[0]!.trim();
}

export function startKeepalived(
  t: ExecutionContext,
  ns: string,
  instance: KeepalivedInstance,
): KeepalivedProcess {
  const dir = mkdtempSync(join(tmpdir(), "iss-keepalived-"));
  const config = join(dir, "keepalived.conf");
  writeFileSync(config, keepalivedConfig(instance));
  const child = spawnInNetns(
    ns,
    [
      keepalivedBinary,
      "--dont-fork",
      "--log-console",
      "--no-syslog",
      "--vrrp",
      "--dont-respawn",
      `--use-file=${config}`,
      `--pid=${join(dir, "keepalived.pid")}`,
      `--vrrp_pid=${join(dir, "vrrp.pid")}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => (log += s));
  child.stderr?.setEncoding("utf8").on("data", (s: string) => (log += s));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
    if (!t.passed) t.log(`keepalived log:\n${log}`);
  });
  return { child, output: () => log };
}
