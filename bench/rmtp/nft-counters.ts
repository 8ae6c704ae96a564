// Counting the frames the lab's random loss drops at a recipient: the lab's loss rule sits in chains at
// priority raw (-300) on the input and output hooks. This benchmark adds a table of its own with one chain
// just before (-310) and one just after (-290) on the input hook; a packet the loss rule dropped passed the
// first and never reached the second. The lab's rules stay untouched.
import { systemTool, type Lab } from "../../hil-tests/lab/index.js";
import { rawPort, rmtpPort, tcpPort } from "./protocol.js";

export const benchTable = "inet issbench";

/** What is counted: RMTP DATA frames (magic "RM", type 1 at UDP payload offset 3), raw datagrams, TCP. */
const matches: Record<CounterKind, string> = {
  rmtpData: `udp dport ${rmtpPort} @th,64,16 0x524d @th,88,8 1`,
  raw: `udp dport ${rawPort}`,
  tcp: `tcp dport ${tcpPort}`,
};

export type CounterKind = "rmtpData" | "raw" | "tcp";

export interface Dropped {
  /** Packets that reached the input hook, and how many of them the loss rule dropped. */
  arrived: number;
  dropped: number;
  arrivedBytes: number;
}

export function counterScript(): string {
  const kinds = Object.keys(matches) as CounterKind[];
  const counters = kinds.flatMap((k) => [`  counter ${k}_pre {}`, `  counter ${k}_post {}`]).join("\n");
  const chain = (name: string, priority: number, suffix: string): string =>
    `  chain ${name} {\n    type filter hook input priority ${priority}; policy accept;\n` +
    kinds.map((k) => `    ${matches[k]} counter name "${k}_${suffix}"\n`).join("") +
    "  }\n";
  return (
    `table ${benchTable} {}\ndelete table ${benchTable}\n` +
    `table ${benchTable} {\n${counters}\n${chain("before_loss", -310, "pre")}${chain("after_loss", -290, "post")}}\n`
  );
}

/** Creates (or recreates, which zeroes) the counters in every given board. */
export async function resetCounters(lab: Lab, boards: readonly number[]): Promise<void> {
  const script = counterScript();
  await Promise.all(boards.map((b) => lab.runInBoard(b, [systemTool("nft"), "-f", "-"], { input: script })));
}

interface NftCounter {
  counter?: { name: string; packets: number; bytes: number };
}

export async function readDropped(lab: Lab, board: number): Promise<Record<CounterKind, Dropped>> {
  const [family, table] = benchTable.split(" ");
  const { stdout } = await lab.runInBoard(board, [
    systemTool("nft"),
    "-j",
    "list",
    "counters",
    "table",
    family!,
    table!,
  ]);
  const list = (JSON.parse(stdout) as { nftables: NftCounter[] }).nftables;
  const get = (name: string): { packets: number; bytes: number } =>
    list.find((e) => e.counter?.name === name)?.counter ?? { packets: 0, bytes: 0 };
  const result = {} as Record<CounterKind, Dropped>;
  for (const k of Object.keys(matches) as CounterKind[]) {
    const pre = get(`${k}_pre`);
    const post = get(`${k}_post`);
    result[k] = { arrived: pre.packets, dropped: pre.packets - post.packets, arrivedBytes: pre.bytes };
  }
  return result;
}

/** Sums `kind` over boards. */
export async function droppedOn(lab: Lab, boards: readonly number[], kind: CounterKind): Promise<Dropped> {
  const all = await Promise.all(boards.map((b) => readDropped(lab, b)));
  return all.reduce(
    (sum, r) => ({
      arrived: sum.arrived + r[kind].arrived,
      dropped: sum.dropped + r[kind].dropped,
      arrivedBytes: sum.arrivedBytes + r[kind].arrivedBytes,
    }),
    { arrived: 0, dropped: 0, arrivedBytes: 0 },
  );
}
