// Seeded property checks for the codec fuzz tests: run N cases from one seed, fail on the first with the
// seed and case number needed to replay it.
import type { ExecutionContext } from "ava";
import { Rng } from "./rng.js";

/** Runs `cases` checks; a check returns an error message or undefined. Fails on the first error. */
export function property(
  t: ExecutionContext,
  seed: number,
  cases: number,
  check: (rng: Rng) => string | undefined,
): void {
  const rng = new Rng(seed);
  for (let i = 0; i < cases; i++) {
    const error = check(rng);
    if (error !== undefined) {
      t.fail(`seed 0x${seed.toString(16)}, case ${i}: ${error}`);
      return;
    }
  }
  t.pass();
}

export function title(name: string, seed: number, cases: number): string {
  return `${name} (seed 0x${seed.toString(16)}, ${cases} cases)`;
}
