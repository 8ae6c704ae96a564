// Command line of `bench failover`: which fault classes, how many cycles of each, how long the
// false-failover soak runs, how many boards, and how to print the result. Pure.
import { integer } from "../cli-args.js";

export const faultClasses = ["kill", "stop", "cut", "planned"] as const;
export type FaultClass = (typeof faultClasses)[number];

export interface FailoverBenchOptions {
  /** Faults per class (and per keepalived setting). */
  cycles: number;
  classes: FaultClass[];
  /** Length of the false-failover run; 0 leaves it out. */
  soakSeconds: number;
  boards: number;
  /** Writes through the virtual address before the first cycle, so the directory starts that large. */
  preload: number;
  /** failover.preempt of the SM candidates: off, a returning board stays standby (one switch per cycle). */
  preempt: boolean;
  json: boolean;
  /** Also write the JSON object to this file (npm prints its own banner on stdout). */
  out: string | null;
}

export const failoverBenchUsage = `usage: bench failover [--cycles N] [--classes kill,stop,cut,planned] [--soak-seconds S]
                      [--boards N] [--no-preempt] [--preload N] [--json] [--out FILE]

  --cycles N          faults per class, and per keepalived setting of the baseline (default 20)
  --classes LIST      fault classes to measure, from kill, stop, cut, planned (default all four)
  --soak-seconds S    length of the false-failover run under 1% loss and CPU load; 0 leaves it out
                      (default 60; up to 3600)
  --boards N          boards in the lab, at least 5: b1 SM, b2 BSM, b3 runs the clients, the last two
                      run the keepalived baseline (default 5)
  --no-preempt        the SM candidates run with failover.preempt off: a returning board stays the
                      standby, the next fault hits the other one (no handback per cycle)
  --preload N         N writes (adds, then modifies of the added entries) through the virtual address
                      before the first cycle, so the cycles run with a large directory (default 0)
  --json              one JSON object on stdout instead of the tables
  --out FILE          also write the JSON object to FILE`;

function classList(value: string): FaultClass[] {
  const items = value.split(",").map((v) => v.trim());
  const unknown = items.filter((v) => !(faultClasses as readonly string[]).includes(v));
  if (items.length === 0 || unknown.length > 0)
    throw new Error(
      `--classes takes a comma-separated list of ${faultClasses.join(", ")}; unknown: '${unknown.join(",")}'`,
    );
  return faultClasses.filter((c) => items.includes(c));
}

export function parseFailoverBenchOptions(argv: readonly string[]): FailoverBenchOptions {
  const options: FailoverBenchOptions = {
    cycles: 20,
    classes: [...faultClasses],
    soakSeconds: 60,
    boards: 5,
    preload: 0,
    preempt: true,
    json: false,
    out: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case "--cycles":
        options.cycles = integer(value(), arg, 1, 1000);
        break;
      case "--classes":
        options.classes = classList(value());
        break;
      case "--soak-seconds":
        options.soakSeconds = integer(value(), arg, 0, 3600);
        break;
      case "--boards":
        options.boards = integer(value(), arg, 5, 20);
        break;
      case "--preload":
        options.preload = integer(value(), arg, 0, 1_000_000);
        break;
      case "--no-preempt":
        options.preempt = false;
        break;
      case "--json":
        options.json = true;
        break;
      case "--out":
        options.out = value();
        break;
      default:
        throw new Error(`unknown option '${arg}'\n${failoverBenchUsage}`);
    }
  }
  return options;
}
