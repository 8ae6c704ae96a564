// `iss rmtp send|listen`: try the transport by hand. `send` hands a file or stdin to a running daemon as one
// reliable message and waits for the manager's acknowledgement (Ctrl-C aborts it in the group, fig 6);
// `listen` prints what a daemon delivers.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { fail } from "../command.js";
import { connectDaemon, controlOptions } from "../control-target.js";

const usage = [
  "iss rmtp send [--socket PATH | --config FILE] [--json] [FILE|-]",
  "iss rmtp listen [--socket PATH | --config FILE] [--json] [--count N]",
].join("\n       ");

interface DeliveredEvent {
  sourceName: string;
  messageId: number;
  bytes: number;
  sha256: string;
  payloadBase64: string;
}

function readInput(file: string | undefined): Buffer {
  return readFileSync(file === undefined || file === "-" ? 0 : file);
}

export const rmtpCommand: Command = {
  name: "rmtp",
  summary: "send a message over the reliable multicast transport, or print what arrives",
  usage,
  async run(argv) {
    const [verb, ...rest] = argv;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        ...controlOptions,
        json: { type: "boolean", default: false },
        count: { type: "string" },
        help: { type: "boolean" },
      },
    });
    if (values.help || (verb !== "send" && verb !== "listen")) {
      if (values.help) return (process.stdout.write(`usage: ${usage}\n`), 0);
      return fail(`usage: ${usage}`);
    }
    const client = await connectDaemon(values);
    try {
      if (verb === "send") {
        const payload = readInput(positionals[0]);
        const { messageId } = await client.call<{ messageId: number }>("rmtp.submit", {
          payloadBase64: payload.toString("base64"),
        });
        const abort = (): void => void client.call("rmtp.abort", { messageId }).catch(() => undefined);
        process.once("SIGINT", abort);
        const result = await client
          .call<{ messageId: number; frames: number; resentFrames: number; elapsedMs: number }>(
            "rmtp.result",
            { messageId },
          )
          .finally(() => process.off("SIGINT", abort));
        process.stdout.write(
          values.json
            ? JSON.stringify(result) + "\n"
            : `message ${result.messageId}: ${payload.length} bytes in ${result.frames} frames acknowledged by every member in ${result.elapsedMs.toFixed(1)} ms (${result.resentFrames} re-sent)\n`,
        );
        return 0;
      }
      const limit = values.count === undefined ? Infinity : Number(values.count);
      if (!(limit > 0)) return fail("--count must be a positive number");
      let seen = 0;
      await new Promise<void>((resolve) => {
        void client.subscribe("rmtp.deliver", (event) => {
          const d = event as DeliveredEvent;
          if (values.json) process.stdout.write(JSON.stringify(d) + "\n");
          else {
            const text = Buffer.from(d.payloadBase64, "base64");
            process.stdout.write(
              `from ${d.sourceName} message ${d.messageId} (${d.bytes} bytes, sha256 ${d.sha256.slice(0, 16)}):\n${text.toString("utf8")}\n`,
            );
          }
          if (++seen >= limit) resolve();
        });
        process.once("SIGINT", () => resolve());
      });
      return 0;
    } finally {
      client.close();
    }
  },
};
