// Runs inside the test VM (vm.ts): every VLAN case in turn, one `NRT-RESULT {json}` line per case on the
// console for the host to read back: name, ok, error, duration and what the case logged.
import { vlanCases } from "../switch/vlan-cases.js";

for (const c of vlanCases) {
  const lines: string[] = [];
  const started = performance.now();
  let error: string | undefined;
  try {
    await c.run((line) => lines.push(line));
  } catch (err) {
    error = (err as Error).stack ?? String(err);
  }
  const result = {
    name: c.name,
    ok: error === undefined,
    error,
    ms: performance.now() - started,
    log: lines,
  };
  process.stdout.write(`NRT-RESULT ${JSON.stringify(result)}\n`);
}
