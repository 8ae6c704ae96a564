// `iss lab demo` (what `npm start` runs): brings up a virtual lab, keeps a small workload of content
// announcements flowing from the SEs into the SM's directory (fig 7), and redraws a live view of every board
// (role, epoch, members, transport counters, directory entries and change sequence numbers, each SE's lag
// as the SM sees it, what each board's status LEDs show) each second until Ctrl-C, then removes the lab.
import { ControlClient } from "../../firmware/src/control/client.js";
import type { DaemonStatus } from "../../firmware/src/daemon/daemon.js";
import type { DirectoryStatus } from "../../firmware/src/directory/service/sm-directory.js";
import type { ChangeOp } from "../../firmware/src/directory/model/types.js";
import { dirname } from "node:path";
import { readBoardLeds } from "./board-tree.js";
import { labSuffix } from "./configs.js";
import { createLab, type Lab } from "./lab.js";

export interface DemoOptions {
  name: string;
  boards: number;
  rate: string;
  /** Stop by itself after this many seconds (for tests); default: run until SIGINT/SIGTERM. */
  seconds?: number;
}

interface BoardView {
  status: DaemonStatus;
  directory: DirectoryStatus | undefined;
}

function row(cells: Array<string | number>, widths: number[]): string {
  return cells.map((c, i) => String(c).padEnd(widths[i] ?? 8)).join(" ");
}

/** Who holds the SM role and the virtual address (SM/stby in the role column: failover, docs/failover.md). */
function failoverLine(lab: string, views: Array<BoardView | undefined>): string {
  const sm = views.find((v) => v?.status.failover?.role === "sm")?.status;
  if (!sm?.failover) return "failover: no SM elected yet";
  const standbys = sm.failover.replication.standbys
    .map((p) => `node ${p.node} ${p.inSync ? "in sync" : "out of sync"}`)
    .join(", ");
  return (
    `failover: ${sm.node.name} is SM of epoch ${sm.failover.epoch} on ${sm.failover.virtualAddress}; ` +
    `standbys: ${standbys || "none"} ('iss lab fault --name ${lab} --board N kill' in another shell shows a takeover)`
  );
}

function render(lab: Lab, views: Array<BoardView | undefined>, recent: string[]): string {
  const widths = [6, 4, 13, 6, 8, 8, 8, 8, 7, 10, 6, 9, 8, 7, 5, 16];
  const sm = views.find((v) => v?.directory?.role === "sm")?.directory;
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
      "entries",
      "csn",
      "lag",
      "leds (docs/leds.md)",
    ],
    widths,
  );
  const lines = lab.boards.map((b, i) => {
    const leds = readBoardLeds(dirname(b.configPath))
      .map((l) => `${l.colour}:${l.pattern}`)
      .join(" ");
    const v = views[i];
    if (!v)
      return `${row([b.name, b.role, b.address, "-", "no answer (daemon down?)"], widths)} leds ${leds}`;
    const s = v.status;
    const d = v.directory;
    const lag = sm?.replicas.find((r) => r.node === b.index)?.lag;
    const r = s.rmtp;
    const c = r.counters;
    return row(
      [
        b.name,
        s.failover ? (s.failover.role === "sm" ? "SM" : "stby") : s.node.role,
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
        d ? d.entries : "-",
        d ? d.lastCsn : "-",
        d?.role === "sm" ? "" : (lag ?? "-"),
        `${s.unit.leds?.shown ?? "-"} ${leds}`,
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
    failoverLine(lab.name, views),
    "recent content announcements (SE -> SM -> every member over RMTP, fig 7):",
    ...recent.map((r) => `  ${r}`),
    "",
  ].join("\n");
}

async function query(client: ControlClient | undefined): Promise<BoardView | undefined> {
  if (!client) return undefined;
  const both = Promise.all([
    client.call<DaemonStatus>("status"),
    client.call<DirectoryStatus>("dir.status").catch(() => undefined),
  ]).then(
    ([status, directory]) => ({ status, directory }),
    () => undefined,
  );
  return Promise.race([both, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 800))]);
}

function generalizedTime(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:T]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/**
 * The demo's workload, one step per SE per second: announce a new clip, confirm it (issLastSeen), then drop
 * the clip from three rounds before (or mark this one stale while there is none to drop).
 */
function announcement(sender: string, step: number): { ops: ChangeOp[]; text: string } {
  const id = (n: number): string => `http://video.lan1.example/${sender}/clip-${n}/`;
  const dn = (n: number): string => `issContentId=${id(n)},ou=content,${labSuffix}`;
  const n = Math.floor(step / 3);
  const replace = (attribute: string, value: string): ChangeOp => ({
    type: "modify",
    dn: dn(n),
    modifications: [{ operation: "replace", attribute, values: [value] }],
  });
  switch (step % 3) {
    case 0:
      return {
        ops: [
          {
            type: "add",
            dn: dn(n),
            attributes: {
              objectClass: ["issContentLocation"],
              issContentId: [id(n)],
              issContentServer: [`cn=${sender},ou=switches,${labSuffix}`],
              issServerKind: ["http"],
              issContentState: ["active"],
              issContentSize: [String(1_000_000 + n * 4096)],
            },
          },
        ],
        text: `${sender}: holds clip-${n}`,
      };
    case 1:
      return {
        ops: [replace("issLastSeen", generalizedTime(new Date()))],
        text: `${sender}: clip-${n} seen`,
      };
    default:
      return n >= 3
        ? { ops: [{ type: "delete", dn: dn(n - 3) }], text: `${sender}: dropped clip-${n - 3}` }
        : { ops: [replace("issContentState", "stale")], text: `${sender}: clip-${n} stale` };
  }
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const lab = await createLab({
    name: options.name,
    boards: options.boards,
    rate: options.rate,
    failover: options.boards >= 2,
  });
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
  const connect = async (i: number): Promise<ControlClient | undefined> => {
    const board = lab.boards[i];
    clients[i] ??= board
      ? await ControlClient.connect(board.controlSocket).catch(() => undefined)
      : undefined;
    return clients[i];
  };
  try {
    const sm = lab.boards.findIndex((b) => b.role === "sm");
    for (let waited = 0; waited < 20 && !stopping; waited++) {
      const status = await (await connect(sm))?.call<DirectoryStatus>("dir.status").catch(() => undefined);
      if (status && status.entries >= 5) break;
      clients[sm] = undefined;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const senders = lab.boards.filter((b) => b.role === "se");
    let tick = 0;
    while (!stopping) {
      for (const sender of senders) {
        const client = await connect(lab.boards.indexOf(sender));
        if (!client) continue;
        const { ops, text } = announcement(sender.name, tick);
        const started = Date.now();
        client
          .call<{ code: number; message: string; csn: number }>("dir.announce", { ops })
          .then(
            (r) =>
              recent.unshift(
                r.code === 0
                  ? `${text} -> CSN ${r.csn} at every member in ${Date.now() - started} ms`
                  : `${text} -> refused: ${r.code} ${r.message}`,
              ),
            (err: Error) => recent.unshift(`${text}: ${err.message}`),
          )
          .finally(() => recent.splice(8));
      }
      for (let i = 0; i < lab.boards.length; i++) await connect(i);
      const views = await Promise.all(clients.map(query));
      views.forEach((v, i) => {
        if (!v) clients[i] = undefined;
      });
      const view = render(lab, views, recent);
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
