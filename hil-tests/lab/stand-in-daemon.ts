// A stand-in for `iss run` in the lab's own tests: loads the board's config, answers the control op
// `status` on the configured socket and logs a JSON line; with --ignore-sigterm it must be SIGKILLed.
import { ControlServer } from "../../firmware/src/control/server.js";
import { loadConfigFile } from "../../firmware/src/config/load.js";

const args = process.argv.slice(2);
const configPath = args[args.indexOf("--config") + 1] ?? "";
const loaded = loadConfigFile(configPath);
if (!loaded.ok) {
  process.stderr.write(`stand-in: ${JSON.stringify(loaded.errors)}\n`);
  process.exit(1);
}
const { node, control } = loaded.value.config;
const server = new ControlServer(control.socket, {
  status: () => ({ node: node.name, role: node.role, pid: process.pid }),
});
await server.listen();
process.stdout.write(
  JSON.stringify({ level: "info", component: "stand-in", event: "ready", node: node.name }) + "\n",
);
if (args.includes("--ignore-sigterm")) process.on("SIGTERM", () => undefined);
else process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
