// Test entry point behind `npm test`: runs AVA with its TAP reporter, passes the output through and ends
// with the plain line `N passed, N failed, N skipped` that CI reads. Exits non-zero on a failure or on no test.
// Two passes: every test but the many-daemon lab tests (package.json's AVA config, two files at a time), then
// those alone, one at a time (ava.labs.config.js): a transport group runs 10 daemons, a failover lab 5 and 4
// LDAP clients, and two of them side by side on a 2-core machine starve each other's daemons for seconds
// (a sending daemon silent for 2 s was evicted). With file arguments, one pass runs them (with the lab
// config when they are such lab tests).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const avaCli = fileURLToPath(new URL("../../node_modules/ava/entrypoints/cli.mjs", import.meta.url));
const labsConfig = new URL("../../ava.labs.config.js", import.meta.url);
const labsConfigPath = fileURLToPath(labsConfig);
const { labTestDirs } = (await import(labsConfig.href)) as { labTestDirs: string[] };

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function runPass(args: readonly string[]): Promise<Counts> {
  const child = spawn(process.execPath, [avaCli, "--tap", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const summary = { pass: 0, fail: 0, skip: 0, todo: 0 };
  const counted = { pass: 0, fail: 0, skip: 0 };
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    process.stdout.write(line + "\n");
    const total = /^# (pass|fail|skip|todo) (\d+)$/.exec(line);
    if (total) summary[total[1] as keyof typeof summary] = Number(total[2]);
    if (/^ok \d+ .*# SKIP/i.test(line)) counted.skip++;
    else if (/^ok \d+/.test(line)) counted.pass++;
    else if (/^not ok \d+/.test(line)) counted.fail++;
  });
  return new Promise((resolve) =>
    child.on("close", (code) =>
      resolve({
        passed: Math.max(summary.pass - summary.skip, counted.pass),
        failed: Math.max(summary.fail, counted.fail, code !== 0 && counted.fail === 0 ? 1 : 0),
        skipped: Math.max(summary.skip, counted.skip),
      }),
    ),
  );
}

const files = process.argv.slice(2);
const passes =
  files.length === 0
    ? [[], ["--config", labsConfigPath]]
    : [
        files.some((f) => labTestDirs.some((d) => f.includes(`hil-tests/${d}/`)))
          ? ["--config", labsConfigPath, ...files]
          : files,
      ];
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
for (const args of passes) {
  const counts = await runPass(args);
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
}
process.stdout.write(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
process.exitCode = total.failed > 0 || total.passed === 0 ? 1 : 0;
