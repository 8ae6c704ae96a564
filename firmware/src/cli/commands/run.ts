// `iss run [--config FILE]`: the firmware daemon in the foreground, logging JSON lines to stdout (config
// default /etc/iss/iss.yaml). SIGTERM or SIGINT stops it gracefully (it leaves the group so nobody waits
// for it). A missing config shows `unprovisioned` on the board's LEDs, a broken one `fault`.
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { loadConfigFile } from "../../config/load.js";
import { Logger } from "../../log/logger.js";
import { startDaemon } from "../../daemon/daemon.js";
import { showUnitState } from "../../daemon/field-unit.js";
import type { BaseState } from "../../led/core.js";

export const defaultConfigPath = "/etc/iss/iss.yaml";

export const runCommand: Command = {
  name: "run",
  summary: "run the firmware daemon in the foreground (JSON log lines on stdout)",
  usage: `iss run [--config FILE]   (default ${defaultConfigPath})`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { config: { type: "string" }, help: { type: "boolean" } },
    });
    if (values.help) {
      process.stdout.write(`usage: ${this.usage}\n`);
      return 0;
    }
    const file = values.config ?? defaultConfigPath;
    const loaded = loadConfigFile(file);
    const boot = new Logger("iss");
    if (!loaded.ok) {
      const missing = !existsSync(file);
      boot.error(missing ? "config-missing" : "config-invalid", { file, errors: loaded.errors });
      await showOnLeds(missing ? "unprovisioned" : "fault", boot);
      return 1;
    }
    const log = new Logger("iss", undefined, loaded.value.config.log.level);
    routeProcessWarnings(log.child("node"));
    let daemon;
    try {
      daemon = await startDaemon(loaded.value, log);
    } catch (err) {
      log.error("start-failed", { error: (err as Error).message });
      return 1;
    }
    const running = daemon;
    return new Promise<number>((resolve) => {
      const stop = (signal: string): void => {
        running.stop(`signal ${signal}`).then(
          () => resolve(0),
          (err: unknown) => {
            log.error("stop-failed", { error: (err as Error).message });
            resolve(1);
          },
        );
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
  },
};

/**
 * Node prints process warnings to stderr; ldapjs emits one for some malformed client PDUs, so a client
 * could flood stderr. They become debug log lines instead (other warnings are logged at warn).
 */
function routeProcessWarnings(log: Logger): void {
  process.removeAllListeners("warning");
  process.on("warning", (w) => {
    const fields = { name: w.name, message: w.message };
    if (w.name === "LdapjsMessageWarning") log.debug("warning", fields);
    else log.warn("warning", fields);
  });
}

/** Without a valid config the board section is unknown: the LEDs of the detected board, if any. */
async function showOnLeds(state: BaseState, log: Logger): Promise<void> {
  try {
    if (await showUnitState(state, undefined)) log.info("leds", { state });
  } catch (err) {
    log.warn("leds-failed", { state, error: (err as Error).message });
  }
}
