// Command line of `bench directory`: how many entries, clients and changes, for how long, and how to print
// the result.
import { integer } from "../cli-args.js";
import { rateOption, secondsOption } from "../lab-bench.js";

export interface DirectoryBenchOptions {
  /** Content entries loaded before the write and search runs (the RSS target is at 10^5). */
  entries: number;
  /** Concurrent LDAP clients of the write runs. */
  clients: number[];
  searchClients: number;
  /** Seconds per write or search run. */
  seconds: number;
  /** Changes written while an SE is stopped. */
  catchupChanges: number;
  /** Load generator processes that share the clients of a run. */
  processes: number;
  rate: string;
  quick: boolean;
  json: boolean;
  out: string | null;
}

export const directoryBenchUsage = `usage: bench directory [--entries N] [--clients 1,8,32] [--search-clients N] [--seconds S]
                       [--catchup N] [--processes P] [--rate 1gbit] [--quick] [--json] [--out FILE]

  --entries N         content entries loaded first, through LDAP adds (default 100000; --quick: 2000)
  --clients LIST      concurrent LDAP clients of the write runs (default 1,8,32)
  --search-clients N  concurrent LDAP clients of the search runs (default 8)
  --seconds S         length of each write and search run (default 5; --quick: 1.5)
  --catchup N         changes written while an SE is stopped (default 10000; --quick: 500)
  --processes P       load generator processes sharing the clients (default 2)
  --rate RATE         switch port line rate, tc syntax (default 1gbit)
  --quick             a small run of 1-2 minutes for CI; explicit options still apply
  --json              one JSON object on stdout instead of the tables
  --out FILE          also write the JSON object to FILE`;

const full = { entries: 100_000, seconds: 5, catchupChanges: 10_000 };
const quick = { entries: 2000, seconds: 1.5, catchupChanges: 500 };

export function parseDirectoryBenchOptions(argv: readonly string[]): DirectoryBenchOptions {
  const given: Partial<DirectoryBenchOptions> = {};
  let isQuick = false;
  let json = false;
  let out: string | null = null;
  let rate = "1gbit";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case "--entries":
        given.entries = integer(value(), arg, 100, 1_000_000);
        break;
      case "--clients": {
        const items = value().split(",");
        given.clients = [...new Set(items.map((v) => integer(v.trim(), arg, 1, 256)))].sort((a, b) => a - b);
        break;
      }
      case "--search-clients":
        given.searchClients = integer(value(), arg, 1, 256);
        break;
      case "--seconds":
        given.seconds = secondsOption(value(), 0.5, 120);
        break;
      case "--catchup":
        given.catchupChanges = integer(value(), arg, 10, 1_000_000);
        break;
      case "--processes":
        given.processes = integer(value(), arg, 1, 8);
        break;
      case "--rate":
        rate = rateOption(value());
        break;
      case "--quick":
        isQuick = true;
        break;
      case "--json":
        json = true;
        break;
      case "--out":
        out = value();
        break;
      default:
        throw new Error(`unknown option '${arg}'\n${directoryBenchUsage}`);
    }
  }
  const base = isQuick ? quick : full;
  return {
    entries: given.entries ?? base.entries,
    clients: given.clients ?? [1, 8, 32],
    searchClients: given.searchClients ?? 8,
    seconds: given.seconds ?? base.seconds,
    catchupChanges: given.catchupChanges ?? base.catchupChanges,
    processes: given.processes ?? 2,
    rate,
    quick: isQuick,
    json,
    out,
  };
}
