// `bench net`: the switch reconciler against iproute2's `bridge -batch` with the same commands in the same
// run: 1,000 MDB entries on 8 ports in a network namespace on this kernel, and 4094 VLANs on 2 ports in the
// full-kernel VM (QEMU TCG: absolute VLAN times are the emulator's, the ratio is what compares); medians of
// alternating repetitions, the read-back as its own figure; a full no-op reconcile of each state, and drift
// repair latency from the manager's log (since its first notification, and since the command began).
import { spawn } from "node:child_process";
import { release } from "node:os";
import { fileURLToPath } from "node:url";
import { addNamespace, deleteNamespace, nrtName } from "../../hil-tests/switch/fixture.js";
import { runInVm, vmParts } from "../../hil-tests/vm/vm.js";

const agent = fileURLToPath(new URL("./agent.js", import.meta.url));
const repo = fileURLToPath(new URL("../../..", import.meta.url)).replace(/\/$/, "");

function parse(output: string): unknown {
  const line = output.split(/\r?\n/).find((l) => l.includes("NRT-BENCH "));
  if (!line) throw new Error(`no result:\n${output.slice(-2000)}`);
  return JSON.parse(line.slice(line.indexOf("NRT-BENCH ") + 10));
}

async function mdbPart(): Promise<unknown> {
  const ns = nrtName();
  await addNamespace(ns);
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn("ip", ["netns", "exec", ns, process.execPath, agent, "mdb"], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
      child.on("error", reject);
      child.on("close", (code) =>
        code === 0 ? resolve(out) : reject(new Error(`agent exited ${code}: ${out}`)),
      );
    });
    return parse(output);
  } finally {
    await deleteNamespace(ns);
  }
}

async function vlanPart(): Promise<unknown> {
  const parts = vmParts();
  if ("missing" in parts) return { skipped: parts.missing };
  const run = await runInVm(parts, `${process.execPath} dist/bench/net/agent.js vlan`, repo, 600_000);
  return { ...(parse(run.output) as object), vmBootToPoweroffMs: run.ms };
}

export async function runNetBench(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help")) {
    process.stdout.write("usage: npm run bench -- net [--json]\n");
    return 0;
  }
  process.stderr.write("[bench net] 1,000 MDB entries on 8 ports (namespace, this kernel)\n");
  const mdb = await mdbPart();
  process.stderr.write("[bench net] 4094 VLANs on 2 ports (full-kernel VM)\n");
  const vlan = await vlanPart();
  const result = { benchmark: "net", hostKernel: release(), node: process.version, mdb, vlan };
  process.stdout.write(
    argv.includes("--json") ? JSON.stringify(result, null, 2) + "\n" : `${JSON.stringify(result)}\n`,
  );
  return 0;
}
