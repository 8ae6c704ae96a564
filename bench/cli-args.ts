// Command-line values the benchmarks share: a bounded integer option, with an error that names the option.

export function integer(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < min || n > max)
    throw new Error(`${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}
