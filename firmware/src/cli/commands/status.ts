// `iss status`: what a running daemon says about itself: role, epoch, manager, members, transport counters.
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { connectDaemon, controlOptions } from "../control-target.js";
import type { DaemonStatus } from "../../daemon/daemon.js";

export function renderStatus(s: DaemonStatus): string {
  const r = s.rmtp;
  const c = r.counters;
  const manager = r.manager ? `${r.manager.name}${r.manager.self ? " (this unit)" : ""}` : "none heard";
  return (
    [
      `${s.node.name} (id ${s.node.id}, ${s.node.role}, ${s.node.address}), up ${(s.uptimeMs / 1000).toFixed(0)} s`,
      `  transport: epoch ${r.epoch}, manager ${manager}, ${r.admitted ? "admitted" : "not admitted"}, ${r.members.length} members: ${r.members.map((m) => m.name).join(" ")}`,
      `  frames sent ${c.framesSent}, received ${c.framesReceived}, re-sent ${c.resentFrames}; messages sent ${c.messagesSent}, delivered ${c.messagesDelivered}`,
      `  rejected: auth ${c.authFailures}, replayed ${c.replayedFrames}, stale epoch ${c.staleEpochFrames}, malformed ${c.rejectedFrames}; evictions ${c.evictions}, gaps ${c.gaps}`,
    ].join("\n") + "\n"
  );
}

export const statusCommand: Command = {
  name: "status",
  summary: "show a running daemon's role, epoch, members and transport counters",
  usage: "iss status [--socket PATH | --config FILE] [--json]",
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { ...controlOptions, json: { type: "boolean", default: false } },
    });
    const client = await connectDaemon(values);
    try {
      const status = await client.call<DaemonStatus>("status");
      process.stdout.write(values.json ? JSON.stringify(status, null, 2) + "\n" : renderStatus(status));
      return 0;
    } finally {
      client.close();
    }
  },
};
