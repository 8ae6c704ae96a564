// The lab's kernel objects, read back with `ip -j` and `tc -j`: namespaces, the snooping bridge, veth
// ports, board addresses and routes, tbf qdiscs in both directions, socket buffer limits as a board sees
// them; and the generated configs and key.
import test from "ava";
import { readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { parseConfig } from "../../firmware/src/config/load.js";
import { socketBufferLimit } from "./sysctl.js";
import { json, labNamespaces, withLab } from "./test-support.js";

interface Link {
  ifname: string;
  flags: string[];
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}
interface Qdisc {
  kind: string;
  root?: boolean;
  options: { rate?: number; burst?: number };
}

test("up with 3 boards builds namespaces, a snooping bridge, veth ports, addresses and tbf both ways", async (t) => {
  const lab = await withLab(t, { boards: 3, daemons: false });
  const state = lab.describe();
  t.deepEqual(
    (await labNamespaces(lab.name)).sort(),
    [state.switchNamespace, ...lab.boards.map((b) => b.namespace)].sort(),
  );

  const [bridge] = await json<Link[]>([
    "ip",
    "-n",
    state.switchNamespace,
    "-j",
    "-d",
    "link",
    "show",
    state.bridge,
  ]);
  t.is(bridge?.linkinfo?.info_kind, "bridge");
  t.is(bridge?.linkinfo?.info_data?.mcast_snooping, 1);
  t.is(bridge?.linkinfo?.info_data?.mcast_querier, 1);
  t.is(bridge?.linkinfo?.info_data?.mcast_igmp_version, 3);
  t.true(bridge?.flags.includes("UP"));

  const ports = await json<Link[]>([
    "ip",
    "-n",
    state.switchNamespace,
    "-j",
    "-d",
    "link",
    "show",
    "type",
    "veth",
  ]);
  t.deepEqual(ports.map((p) => p.ifname).sort(), lab.boards.map((b) => b.port).sort());
  for (const port of ports) {
    t.is(port.master, state.bridge);
    t.true(port.ifname.length <= 15);
  }

  for (const board of lab.boards) {
    const [eth] = await json<Link[]>(["ip", "-n", board.namespace, "-j", "addr", "show", "dev", "eth0"]);
    const inet = eth?.addr_info?.find((a) => a.family === "inet");
    t.deepEqual(inet && { local: inet.local, prefixlen: inet.prefixlen }, {
      local: board.address,
      prefixlen: 24,
    });
    t.true(eth?.flags.includes("UP"));
    const routes = await json<Array<{ dst: string; dev: string }>>([
      "ip",
      "-n",
      board.namespace,
      "-j",
      "route",
    ]);
    t.true(routes.some((r) => r.dst === "224.0.0.0/4" && r.dev === "eth0"));
    const [lo] = await json<Link[]>(["ip", "-n", board.namespace, "-j", "link", "show", "lo"]);
    t.true(lo?.flags.includes("UP"));

    const boardSide = await json<Qdisc[]>([
      "tc",
      "-n",
      board.namespace,
      "-j",
      "qdisc",
      "show",
      "dev",
      "eth0",
    ]);
    const switchSide = await json<Qdisc[]>([
      "tc",
      "-n",
      state.switchNamespace,
      "-j",
      "qdisc",
      "show",
      "dev",
      board.port,
    ]);
    for (const qdiscs of [boardSide, switchSide]) {
      const tbf = qdiscs.find((q) => q.kind === "tbf" && q.root === true);
      t.is(tbf?.options.rate, 1e9 / 8, "1gbit, in bytes per second");
      t.is(tbf?.options.burst, 125_000);
    }
  }
  for (const limit of ["rmem_max", "wmem_max"]) {
    const seen = await lab.runInBoard(1, ["cat", `/proc/sys/net/core/${limit}`]);
    t.true(Number(seen.stdout) >= socketBufferLimit, `${limit} seen inside a board: ${seen.stdout.trim()}`);
  }
  t.is(lab.board(1).role, "sm");
  t.is(lab.board(2).role, "bsm");
  t.is(lab.board(3).role, "se");
  t.regex(lab.board(3).address, /^10\.77\.\d+\.3$/);
});

test("--rate 100mbit limits ports to 100 Mbit/s and --rate none leaves them unlimited", async (t) => {
  const [slow, free] = await Promise.all([
    withLab(t, { boards: 1, daemons: false, rate: "100mbit" }),
    withLab(t, { boards: 1, daemons: false, rate: "none" }),
  ]);
  const slowQdiscs = await json<Qdisc[]>([
    "tc",
    "-n",
    slow.board(1).namespace,
    "-j",
    "qdisc",
    "show",
    "dev",
    "eth0",
  ]);
  t.is(slowQdiscs.find((q) => q.kind === "tbf")?.options.rate, 100e6 / 8);
  const freeSw = free.describe().switchNamespace;
  const freeQdiscs = [
    ...(await json<Qdisc[]>(["tc", "-n", free.board(1).namespace, "-j", "qdisc", "show", "dev", "eth0"])),
    ...(await json<Qdisc[]>(["tc", "-n", freeSw, "-j", "qdisc", "show", "dev", free.board(1).port])),
  ];
  t.false(freeQdiscs.some((q) => q.kind === "tbf"));
});

test("the generated configs pass the config validator and share a random per-lab key with mode 0600", async (t) => {
  const [lab, other] = await Promise.all([
    withLab(t, { boards: 3, daemons: false }),
    withLab(t, { boards: 1, daemons: false }),
  ]);
  const state = lab.describe();
  for (const board of lab.boards) {
    const result = parseConfig(readFileSync(board.configPath, "utf8"), dirname(board.configPath));
    if (!result.ok) return t.fail(JSON.stringify(result.errors));
    const { config, keys } = result.value;
    t.like(config.node, { id: board.index, name: board.name, role: board.role, dataDir: board.dataDir });
    t.deepEqual(config.network, { interface: "eth0", address: board.address });
    t.is(config.rmtp.group, state.group);
    t.is(config.control.socket, board.controlSocket);
    t.is(keys[0]?.secret.length, 32);
  }
  t.is(statSync(state.keyFile).mode & 0o777, 0o600);
  t.regex(readFileSync(state.keyFile, "utf8"), /^[0-9a-f]{64}\n$/);
  t.not(readFileSync(state.keyFile, "utf8"), readFileSync(other.describe().keyFile, "utf8"));
});
