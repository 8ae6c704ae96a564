// The baseline server: Debian's OpenLDAP slapd with back-mdb, run inside a board's namespace of the lab on
// that board's address, with core.schema and the firmware's iss.schema, the lab's suffix and admin DN and
// password, and equality indexes on the attributes the firmware's store indexes plus objectClass, which
// every slapd deployment indexes (without it, an AND with objectClass makes slapd scan: 10x slower searches).
// Its database lives in the lab directory (same file system as the daemons' stores) and goes with the lab.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { indexedAttributes } from "../../firmware/src/directory/core/index-terms.js";
import { systemTool, type Lab } from "../../hil-tests/lab/index.js";

const schemaFile = fileURLToPath(new URL("../../../firmware/schema/iss.schema", import.meta.url));
export const slapdBin = "/usr/sbin/slapd";

export interface SlapdSettings {
  suffix: string;
  rootDn: string;
  passwordFile: string;
}

/** slapd.conf of the baseline. */
export function slapdConfig(dir: string, s: SlapdSettings, password: string): string {
  const indexed = new Set(["objectClass", ...indexedAttributes]);
  return [
    "modulepath /usr/lib/ldap",
    "moduleload back_mdb",
    "include /etc/ldap/schema/core.schema",
    `include ${schemaFile}`,
    `pidfile ${join(dir, "slapd.pid")}`,
    "loglevel 0",
    "sizelimit unlimited",
    "database mdb",
    `directory ${join(dir, "db")}`,
    "maxsize 4294967296",
    `suffix "${s.suffix}"`,
    `rootdn "${s.rootDn}"`,
    `rootpw ${password}`,
    `index ${[...indexed].join(",")} eq`,
    "",
  ].join("\n");
}

export interface Slapd {
  pid: number | undefined;
  uri: string;
  config: string;
  stop(): void;
}

/** Starts slapd in board `board`'s namespace on `ldap://ADDRESS:port/` and waits until it answers. */
export async function startSlapd(lab: Lab, board: number, port: number, s: SlapdSettings): Promise<Slapd> {
  const dir = join(lab.describe().dir, "slapd");
  mkdirSync(join(dir, "db"), { recursive: true });
  const conf = join(dir, "slapd.conf");
  const config = slapdConfig(dir, s, readFileSync(s.passwordFile, "utf8").trim());
  writeFileSync(conf, config, { mode: 0o600 });
  const uri = `ldap://${lab.board(board).address}:${port}`;
  const child: ChildProcess = lab.spawnInBoard(board, [slapdBin, "-d", "0", "-f", conf, "-h", `${uri}/`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (log = (log + d).slice(-2000)));
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`slapd exited ${child.exitCode} at start: ${log}`);
    const answered = await lab
      .runInBoard(board, [
        systemTool("ldapsearch"),
        "-x",
        "-H",
        uri,
        "-b",
        "",
        "-s",
        "base",
        "namingContexts",
      ])
      .then(
        () => true,
        () => false,
      );
    if (answered) break;
    if (Date.now() > deadline) {
      stop();
      throw new Error(`slapd did not answer on ${uri} within 15 s: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    pid: child.pid,
    uri,
    config: config.replace(/^rootpw .*$/m, "rootpw (the lab's admin password)"),
    stop,
  };
}
