// Command line of `bench rmtp`: which recipient counts and loss rates to measure, for how long, and how to
// print the result.
import { rateOption, secondsOption } from "../lab-bench.js";

export interface RmtpBenchOptions {
  recipients: number[];
  loss: number[];
  seconds: number;
  rate: string;
  json: boolean;
  /** Also write the JSON object to this file. */
  out: string | null;
  quick: boolean;
  latencyCount: number;
  latencyIntervalMs: number;
}

export const rmtpBenchUsage = `usage: bench rmtp [--recipients 2,8,16] [--loss 0,1,5] [--seconds S] [--rate 1gbit] [--quick] [--json] [--out FILE]

  --recipients LIST  recipient counts N (default 2,8,16; --quick: 2,8)
  --loss LIST        random loss in percent on every recipient's port (default 0,1,5; --quick: 0,1)
  --seconds S        how long each sender streams (default 5; --quick: 1.5)
  --rate RATE        switch port line rate, tc syntax (default 1gbit; 100mbit for a Pi 3B+)
  --quick            a small run of about a minute; explicit options still apply
  --json             one JSON object on stdout instead of the tables
  --out FILE         also write the JSON object to FILE (npm prints its own banner on stdout)`;

const defaults = { recipients: [2, 8, 16], loss: [0, 1, 5], seconds: 5, latencyCount: 300 };
const quick = { recipients: [2, 8], loss: [0, 1], seconds: 1.5, latencyCount: 150 };

function list(value: string, name: string, min: number, max: number): number[] {
  const items = value.split(",").map((v) => v.trim());
  const numbers = items.map(Number);
  if (items.some((v) => !/^[0-9]+$/.test(v)) || numbers.some((n) => n < min || n > max)) {
    throw new Error(
      `${name} must be a comma-separated list of integers from ${min} to ${max}, got '${value}'`,
    );
  }
  return [...new Set(numbers)].sort((a, b) => a - b);
}

export function parseRmtpBenchOptions(argv: readonly string[]): RmtpBenchOptions {
  const given: Partial<RmtpBenchOptions> = {};
  let json = false;
  let out: string | null = null;
  let isQuick = false;
  let rate = "1gbit";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case "--recipients":
        given.recipients = list(value(), arg, 1, 200);
        break;
      case "--loss":
        given.loss = list(value(), arg, 0, 50);
        break;
      case "--seconds":
        given.seconds = secondsOption(value(), 0.2, 120);
        break;
      case "--rate":
        rate = rateOption(value());
        break;
      case "--json":
        json = true;
        break;
      case "--out":
        out = value();
        break;
      case "--quick":
        isQuick = true;
        break;
      default:
        throw new Error(`unknown option '${arg}'\n${rmtpBenchUsage}`);
    }
  }
  const base = isQuick ? quick : defaults;
  return {
    recipients: given.recipients ?? base.recipients,
    loss: given.loss ?? base.loss,
    seconds: given.seconds ?? base.seconds,
    rate,
    json,
    out,
    quick: isQuick,
    latencyCount: base.latencyCount,
    latencyIntervalMs: 5,
  };
}
