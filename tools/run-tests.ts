// Test entry point behind `npm test`: runs AVA with its TAP reporter, passes the output through and ends
// with the plain line `N passed, N failed, N skipped` that CI reads. Exits non-zero on a failure or on no test.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const avaCli = fileURLToPath(new URL("../../node_modules/ava/entrypoints/cli.mjs", import.meta.url));
const child = spawn(process.execPath, [avaCli, "--tap", ...process.argv.slice(2)], {
  stdio: ["ignore", "pipe", "inherit"],
});

const counts = { pass: 0, fail: 0, skip: 0, todo: 0 };
let counted = { pass: 0, fail: 0, skip: 0 };
const lines = createInterface({ input: child.stdout });
lines.on("line", (line) => {
  process.stdout.write(line + "\n");
  const summary = /^# (pass|fail|skip|todo) (\d+)$/.exec(line);
  if (summary) counts[summary[1] as keyof typeof counts] = Number(summary[2]);
  if (/^ok \d+ .*# SKIP/i.test(line)) counted = { ...counted, skip: counted.skip + 1 };
  else if (/^ok \d+/.test(line)) counted = { ...counted, pass: counted.pass + 1 };
  else if (/^not ok \d+/.test(line)) counted = { ...counted, fail: counted.fail + 1 };
});

child.on("close", (code) => {
  const passed = Math.max(counts.pass - counts.skip, counted.pass);
  const failed = Math.max(counts.fail, counted.fail, code !== 0 && counted.fail === 0 ? 1 : 0);
  const skipped = Math.max(counts.skip, counted.skip);
  process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
});
