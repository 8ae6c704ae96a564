// Finds the daemon a CLI command talks to: `--socket PATH`, or the control socket named in `--config FILE`,
// or the default /run/iss/iss.sock; connects with a clear error when nothing answers.
import { ControlClient } from "../control/client.js";
import { loadConfigFile } from "../config/load.js";

export const controlOptions = {
  socket: { type: "string" },
  config: { type: "string" },
} as const;

export function controlSocketPath(values: { socket?: string; config?: string }): string {
  if (values.socket) return values.socket;
  if (values.config) {
    const loaded = loadConfigFile(values.config);
    if (!loaded.ok)
      throw new Error(`${values.config}: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
    return loaded.value.config.control.socket;
  }
  return "/run/iss/iss.sock";
}

export async function connectDaemon(values: { socket?: string; config?: string }): Promise<ControlClient> {
  const path = controlSocketPath(values);
  try {
    return await ControlClient.connect(path);
  } catch (err) {
    throw new Error(`no daemon answers on ${path} (${(err as Error).message}); is 'iss run' running?`);
  }
}
