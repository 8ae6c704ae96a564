// `npm run bench -- NAME [options]`: runs one benchmark by name. Each benchmark is an entry of the table
// below (later: net, snmp) and owns its options; `--json` prints one JSON object on stdout.
import { runDirectoryBench } from "./directory/bench.js";
import { runFailoverBench } from "./failover/bench.js";
import { runNetBench } from "./net/bench.js";
import { runRmtpBench } from "./rmtp/bench.js";
import { runSnmpBench } from "./snmp/bench.js";

interface Benchmark {
  summary: string;
  run(argv: readonly string[]): Promise<number>;
}

const benchmarks: Record<string, Benchmark> = {
  rmtp: {
    summary:
      "RMTP goodput, latency, feedback and re-sends on the virtual lab, against raw multicast and TCP fan-out",
    run: runRmtpBench,
  },
  directory: {
    summary:
      "LDAP directory on the virtual lab: acknowledged writes, searches, SM memory and SE catch-up, against slapd",
    run: runDirectoryBench,
  },
  failover: {
    summary:
      "SM/BSM failover on the virtual lab: detection and takeover per fault class, lost writes, false failovers, against keepalived",
    run: runFailoverBench,
  },
  net: {
    summary:
      "the switch: 4094 VLANs, 1,000 MDB entries, no-op reconcile and drift repair, against bridge -batch",
    run: runNetBench,
  },
  snmp: {
    summary:
      "multicast GET of 5 OIDs to 16 agents against sequential unicast SNMPv3 GETs (net-snmp, Net-SNMP snmpget)",
    run: runSnmpBench,
  },
};

function usage(): string {
  const names = Object.entries(benchmarks).map(([name, b]) => `  ${name.padEnd(8)} ${b.summary}`);
  return ["usage: npm run bench -- NAME [options]   (NAME --help for its options)", "", ...names].join("\n");
}

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (name === undefined || name === "--help" || name === "-h") {
    process.stdout.write(usage() + "\n");
    return name === undefined ? 2 : 0;
  }
  const benchmark = benchmarks[name];
  if (!benchmark) {
    process.stderr.write(`unknown benchmark '${name}'\n${usage()}\n`);
    return 2;
  }
  return benchmark.run(rest);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
