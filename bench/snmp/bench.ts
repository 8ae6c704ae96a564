// `bench snmp`: a multicast GET of 5 OIDs to every agent of a 16-board lab (ports rate-limited to
// 1 Gbit/s like real ones) against sequential unicast SNMPv3 authPriv GETs of the same OIDs to the same
// agents, with net-snmp's manager and with Net-SNMP's snmpget, in the same run: time until all answers
// (p50/p99) and the ratios; one agent's unicast requests per second, and member answers per second
// through multicast. The driver runs inside the SM's namespace (driver.ts).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { snmpSecretFiles, snmpUserName } from "../../hil-tests/lab/configs.js";
import { createLab, defaultRate, type Lab } from "../../hil-tests/lab/index.js";
import { pollUntil } from "../../hil-tests/rmtp/group-under-test.js";
import { call } from "../../hil-tests/snmp/snmp-lab.js";
import type { DaemonStatus } from "../../firmware/src/daemon/daemon.js";
import { integer } from "../cli-args.js";
import { benchLabName, benchOptions, LabRunGuard, sourceVersion } from "../lab-bench.js";
import { percentile } from "../rmtp/stats.js";
import type { DriverSpec } from "./driver.js";

const driver = fileURLToPath(new URL("./driver.js", import.meta.url));
const usage =
  "usage: npm run bench -- snmp [--boards N] [--rounds N] [--warmup-rounds N] [--snmpget-rounds N] [--json]";
const iss = "1.3.6.1.4.1.32473.1";
const oids = ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.3.0", `${iss}.1.3.0`, `${iss}.1.4.0`, `${iss}.2.1.0`];

interface Options {
  boards: number;
  rounds: number;
  warmupRounds: number;
  snmpgetRounds: number;
  json: boolean;
}

function parse(argv: readonly string[]): Options {
  const o: Options = { boards: 16, rounds: 200, warmupRounds: 1000, snmpgetRounds: 20, json: false };
  const limits: Record<string, [keyof Options, number, number]> = {
    "--boards": ["boards", 2, 64],
    "--rounds": ["rounds", 10, 100_000],
    "--warmup-rounds": ["warmupRounds", 0, 100_000],
    "--snmpget-rounds": ["snmpgetRounds", 1, 10_000],
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? "";
    const limit = limits[flag];
    if (flag === "--json") o.json = true;
    else if (limit) {
      const [key, min, max] = limit;
      Object.assign(o, { [key]: integer(argv[++i] ?? "", flag, min, max) });
    } else throw new Error(`unknown option '${flag}'\n${usage}`);
  }
  return o;
}

function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    samples: s.length,
    p50Ms: round(percentile(s, 50)),
    p99Ms: round(percentile(s, 99)),
    maxMs: round(s[s.length - 1] ?? NaN),
  };
}

function runDriver(lab: Lab, specFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = lab.spawnInBoard(1, [process.execPath, driver, specFile], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`driver exited ${code}: ${out}`)),
    );
  });
}

export async function runSnmpBench(argv: readonly string[]): Promise<number> {
  const options = benchOptions(argv, usage, parse);
  if (typeof options === "number") return options;
  const progress = (line: string): void => void process.stderr.write(`[bench snmp] ${line}\n`);
  const name = benchLabName("sn");
  const dir = mkdtempSync(join(tmpdir(), "iss-bench-snmp-"));
  const guard = new LabRunGuard({
    lab: name,
    budgetMs: 20 * 60_000,
    progress,
    what: "the driver",
    stop: () => undefined,
  });
  try {
    progress(`lab '${name}': ${options.boards} boards at ${defaultRate}`);
    const creating = createLab({ name, boards: options.boards, directory: false });
    guard.track(creating);
    const lab = await creating;
    const formed = await pollUntil(
      () => call<DaemonStatus>(lab, 1, "status").catch(() => null),
      (s) => s?.rmtp.members.length === options.boards,
      30_000,
      200,
    );
    if (formed?.rmtp.members.length !== options.boards) throw new Error("the group did not form");
    const spec: DriverSpec = {
      controlSocket: lab.board(1).controlSocket,
      oids,
      rounds: options.rounds,
      warmupRounds: options.warmupRounds,
      snmpgetRounds: options.snmpgetRounds,
      rateSeconds: 3,
      timeoutMs: 2000,
      agents: lab.boards.map((b) => {
        const f = snmpSecretFiles(b);
        return {
          name: b.name,
          address: b.address,
          user: snmpUserName(b),
          auth: readFileSync(f.authPasswordFile, "utf8"),
          priv: readFileSync(f.privPasswordFile, "utf8"),
        };
      }),
    };
    const specFile = join(dir, "spec.json");
    writeFileSync(specFile, JSON.stringify(spec), { mode: 0o600 });
    progress(
      `${options.warmupRounds} warm-up and ${options.rounds} measured rounds of multicast and net-snmp GETs, ` +
        `${options.snmpgetRounds} of snmpget`,
    );
    const out = await runDriver(lab, specFile);
    const line = out.split("\n").find((l) => l.startsWith("SNMP-BENCH "));
    if (!line) throw new Error(`no result from the driver: ${out.slice(-2000)}`);
    const r = JSON.parse(line.slice(11)) as {
      multicast: number[];
      multicastIncomplete: number;
      netSnmp: number[];
      snmpget: number[];
      rate: number;
    };
    const multicast = summary(r.multicast);
    const netSnmp = summary(r.netSnmp);
    const snmpget = summary(r.snmpget);
    const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
    const multicastSeconds = r.multicast.reduce((a, b) => a + b, 0) / 1000;
    const result = {
      benchmark: "snmp",
      source: sourceVersion(["firmware/src", "bench/snmp"]),
      setup: {
        boards: options.boards,
        agents: options.boards,
        oidsPerGet: oids.length,
        warmupRounds: options.warmupRounds,
        portRate: defaultRate,
        usm: "authPriv SHA-256 AES-128",
      },
      timeToAllAnswers: {
        multicast: { ...multicast, incompleteRounds: r.multicastIncomplete },
        sequentialNetSnmp: netSnmp,
        sequentialSnmpget: snmpget,
      },
      ratios: {
        netSnmpOverMulticastP50: ratio(netSnmp.p50Ms, multicast.p50Ms),
        netSnmpOverMulticastP99: ratio(netSnmp.p99Ms, multicast.p99Ms),
        snmpgetOverMulticastP50: ratio(snmpget.p50Ms, multicast.p50Ms),
        snmpgetOverMulticastP99: ratio(snmpget.p99Ms, multicast.p99Ms),
      },
      agentRequestsPerSecond: {
        unicastOneAgent8InFlight: Math.round(r.rate),
        multicastMemberAnswers: Math.round((options.boards * r.multicast.length) / multicastSeconds),
      },
      targets: {
        atLeast5xFasterThanSequentialUnicast: ratio(netSnmp.p50Ms, multicast.p50Ms) >= 5,
        p99AtMost50Ms: multicast.p99Ms <= 50,
      },
    };
    process.stdout.write(
      options.json ? JSON.stringify(result, null, 2) + "\n" : `${JSON.stringify(result)}\n`,
    );
    return 0;
  } finally {
    await guard.finish();
    rmSync(dir, { recursive: true, force: true });
  }
}
