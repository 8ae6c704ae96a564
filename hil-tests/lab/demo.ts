// `iss lab demo` (what `npm start` runs): brings up a virtual lab, keeps a little traffic flowing through
// the reliable multicast transport from the SEs, and redraws a live view of every board (role, epoch,
// members, transport counters) each second until Ctrl-C, then removes the lab.
import { ControlClient } from "../../firmware/src/control/client.js";
import type { DaemonStatus } from "../../firmware/src/daemon/daemon.js";
import { createLab, type Lab } from "./lab.js";

export interface DemoOptions {
  name: string;
  boards: number;
  rate: string;
  /** Stop by itself after this many seconds (for tests); default: run until SIGINT/SIGTERM. */
  seconds?: number;
}

const kib = (n: number): string => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);

function row(cells: Array<string | number>, widths: number[]): string {
  return cells.map((c, i) => String(c).padEnd(widths[i] ?? 8)).join(" ");
}

function render(lab: Lab, statuses: Array<DaemonStatus | undefined>, recent: string[]): string {
  const widths = [6, 4, 13, 6, 8, 8, 8, 8, 7, 10, 6, 9];
  const head = row(
    [
      "board",
      "role",
      "address",
      "epoch",
      "manager",
      "members",
      "sent",
      "recv",
      "resent",
      "delivered",
      "evict",
      "rejected",
    ],
    widths,
  );
  const lines = lab.boards.map((b, i) => {
    const s = statuses[i];
    if (!s) return row([b.name, b.role, b.address, "-", "no answer (daemon down?)"], widths);
    const r = s.rmtp;
    const c = r.counters;
    return row(
      [
        b.name,
        s.node.role,
        b.address,
        r.epoch,
        r.manager ? r.manager.name + (r.manager.self ? "*" : "") : "-",
        r.admitted ? r.members.length : "joining",
        c.framesSent,
        c.framesReceived,
        c.resentFrames,
        c.messagesDelivered,
        c.evictions,
        c.authFailures + c.replayedFrames + c.rejectedFrames,
      ],
      widths,
    );
  });
  return [
    `ISS virtual lab '${lab.name}': ${lab.boards.length} boards, ports ${lab.describe().rate ?? "unlimited"}; Ctrl-C stops and removes the lab`,
    "",
    head,
    ...lines,
    "",
    "recent transfers (each acknowledged by every member, figs 5 and 8):",
    ...recent.map((r) => `  ${r}`),
    "",
  ].join("\n");
}

async function query(client: ControlClient | undefined): Promise<DaemonStatus | undefined> {
  if (!client) return undefined;
  return Promise.race([
    client.call<DaemonStatus>("status").catch(() => undefined),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 800)),
  ]);
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const lab = await createLab({ name: options.name, boards: options.boards, rate: options.rate });
  const clients: Array<ControlClient | undefined> = [];
  const recent: string[] = [];
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      stopping = true;
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (options.seconds !== undefined) setTimeout(stop, options.seconds * 1000);
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const b of lab.boards)
      clients.push(await ControlClient.connect(b.controlSocket).catch(() => undefined));
    const senders = lab.boards.filter((b) => b.role === "se");
    let tick = 0;
    while (!stopping) {
      const sender = senders[tick % Math.max(1, senders.length)];
      const client = sender ? clients[lab.boards.indexOf(sender)] : undefined;
      if (sender && client) {
        const payload = Buffer.from(
          `demo message ${tick} from ${sender.name} at ${new Date().toISOString()} `.repeat(1 + (tick % 40)),
        );
        client
          .call<{ messageId: number }>("rmtp.submit", { payloadBase64: payload.toString("base64") })
          .then(({ messageId }) =>
            client
              .call<{ elapsedMs: number; frames: number }>("rmtp.result", { messageId })
              .then((r) => ({ messageId, r })),
          )
          .then(
            ({ messageId, r }) =>
              recent.unshift(
                `${sender.name} message ${messageId}: ${kib(payload.length)} in ${r.frames} frame(s), ${r.elapsedMs.toFixed(1)} ms`,
              ),
            (err: Error) => recent.unshift(`${sender.name}: ${err.message}`),
          )
          .finally(() => recent.splice(6));
      }
      const statuses = await Promise.all(clients.map(query));
      const view = render(lab, statuses, recent);
      process.stdout.write(process.stdout.isTTY ? `\x1b[2J\x1b[H${view}` : `${view}\n`);
      tick++;
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 1000))]);
    }
  } finally {
    for (const c of clients) c?.close();
    const report = await lab.down();
    process.stdout.write(
      `lab ${report.name} removed: ${report.namespaces.length} namespace(s), ${report.processes.length} process(es)\n`,
    );
  }
}
