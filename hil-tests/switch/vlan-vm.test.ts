// The VLAN tests (vlan-cases.ts) on Debian's 6.1 kernel in the test VM (hil-tests/vm): one boot runs them
// all and each comes back as its own test here. Where the VM cannot start (no QEMU, no kernel package),
// each is reported as skipped with the reason, never as passed.
import test from "ava";
import { fileURLToPath } from "node:url";
import { canBuildLab } from "../lab/privileges.js";
import { runInVm, vmParts, type VmRun } from "../vm/vm.js";
import { vlanCases } from "./vlan-cases.js";

interface CaseResult {
  name: string;
  ok: boolean;
  error?: string;
  ms: number;
  log: string[];
}

const repo = fileURLToPath(new URL("../../..", import.meta.url)).replace(/\/$/, "");
const parts = vmParts();
const missing =
  "missing" in parts ? parts.missing : !canBuildLab() ? "QEMU's 9p export of / needs root" : undefined;

if (missing !== undefined) {
  for (const c of vlanCases) test.skip(`VM: ${c.name} (skipped: ${missing})`, () => undefined);
} else {
  let boot: Promise<{ run: VmRun; results: Map<string, CaseResult> }> | undefined;
  const booted = () =>
    (boot ??= runInVm(
      parts as Exclude<typeof parts, { missing: string }>,
      `${process.execPath} dist/hil-tests/vm/guest.js`,
      repo,
      600_000,
    ).then((run) => {
      const results = new Map<string, CaseResult>();
      for (const line of run.output.split(/\r?\n/)) {
        const at = line.indexOf("NRT-RESULT ");
        if (at === -1) continue;
        const r = JSON.parse(line.slice(at + "NRT-RESULT ".length)) as CaseResult;
        results.set(r.name, r);
      }
      return { run, results };
    }));

  for (const c of vlanCases) {
    test.serial(`VM: ${c.name}`, async (t) => {
      t.timeout(600_000);
      const { run, results } = await booted();
      const r = results.get(c.name);
      if (!r)
        return t.fail(
          `no result from the VM (exit ${run.exitCode}, ${run.ms.toFixed(0)} ms):\n${run.output.slice(-3000)}`,
        );
      for (const line of r.log) t.log(line);
      t.log(`in the VM: ${r.ms.toFixed(0)} ms; boot to poweroff ${(run.ms / 1000).toFixed(1)} s`);
      t.true(r.ok, r.error);
    });
  }
}
