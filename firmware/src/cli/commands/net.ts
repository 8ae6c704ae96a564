// `iss net show|diff|apply`: the switch's managed state, the changes the config needs, and applying them
// (with --watch: then repairing drift until SIGINT/SIGTERM). Output compares with `bridge vlan show` and
// `bridge mdb show`; --json prints the state, the changes or the apply report as JSON.
import { parseArgs } from "node:util";
import { loadConfigFile } from "../../config/load.js";
import { Logger } from "../../log/logger.js";
import { desiredState } from "../../switch/core/desired.js";
import type { SwitchState } from "../../switch/core/model.js";
import { applyState, planState } from "../../switch/io/apply.js";
import { SwitchManager, summary } from "../../switch/io/manager.js";
import { NetlinkSession } from "../../switch/io/session.js";
import { renderChanges, renderState } from "../../switch/render.js";
import { fail, type Command } from "../command.js";

const usage = "iss net show|diff|apply [--config FILE] [--json] [--watch]";

function desiredFrom(file: string): SwitchState | string {
  const loaded = loadConfigFile(file);
  if (!loaded.ok) return loaded.errors.map((e) => `${file}: ${e.path}: ${e.message}`).join("\n");
  const { config } = loaded.value;
  if (!config.switch) return `${file}: has no switch section`;
  return desiredState(config.switch, config.rmtp.group);
}

async function watch(desired: SwitchState): Promise<number> {
  const manager = new SwitchManager(desired, new Logger("switch"));
  const report = await manager.start();
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  manager.close();
  return report.ok ? 0 : 1;
}

export const netCommand: Command = {
  name: "net",
  summary: "the switch: show its VLANs and groups, diff against the config, apply (and keep) it",
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c", default: "/etc/iss/iss.yaml" },
        json: { type: "boolean", default: false },
        watch: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
    const [verb, extra] = positionals;
    if (values.help) return (process.stdout.write(usage + "\n"), 0);
    if (extra !== undefined || (verb !== "show" && verb !== "diff" && verb !== "apply"))
      return fail(`usage: ${usage}`);
    if (values.watch && verb !== "apply") return fail("--watch goes with apply");
    const desired = desiredFrom(values.config);
    if (typeof desired === "string") {
      process.stderr.write(desired + "\n");
      return 1;
    }
    if (values.watch) return watch(desired);
    const session = new NetlinkSession();
    try {
      if (verb === "apply") {
        const report = await applyState(session, desired);
        process.stdout.write(
          values.json
            ? JSON.stringify(report, null, 2) + "\n"
            : renderChanges(report.results, report.missing),
        );
        if (!values.json && !report.ok)
          process.stderr.write(`iss net apply: ${JSON.stringify(summary(report))}\n`);
        return report.ok ? 0 : 1;
      }
      const plan = await planState(session, desired);
      if (verb === "show") {
        process.stdout.write(
          values.json ? JSON.stringify(plan.read.state, null, 2) + "\n" : renderState(plan.read.state),
        );
        return 0;
      }
      process.stdout.write(
        values.json
          ? JSON.stringify({ changes: plan.changes, missing: plan.missing }, null, 2) + "\n"
          : renderChanges(plan.changes, plan.missing),
      );
      return plan.changes.length === 0 && plan.missing.length === 0 ? 0 : 1;
    } finally {
      session.close();
    }
  },
};
