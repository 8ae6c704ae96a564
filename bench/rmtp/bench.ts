// `bench rmtp`: builds one virtual lab (board 1 the RMTP manager, board 2 the sender, boards 3.. the
// recipients, every port rate-limited), and for every (recipients N, loss %) setting measures raw UDP
// multicast, TCP fan-out and RMTP in turn, then prints tables or one JSON object. Whatever happens
// (an error, a timeout, Ctrl-C) every agent is killed and the lab is torn down.
import { writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";
import { waitForQuiet } from "./cpu.js";
import { createLab, type Lab } from "../../hil-tests/lab/index.js";
import { benchLabName, benchOptions, LabRunGuard, sourceVersion } from "../lab-bench.js";
import { rateBitsPerSecond } from "../../hil-tests/lab/rate.js";
import { rmtpSchema } from "../../firmware/src/config/schema.js";
import type { RmtpParams } from "../../firmware/src/rmtp/core/types.js";
import { rmtpParams } from "../../firmware/src/daemon/rmtp-params.js";
import { liveAgents } from "./agents.js";
import { parseRmtpBenchOptions, rmtpBenchUsage } from "./options.js";
import { disturbedCpus, evaluateTargets, ratios, renderText, type Entry } from "./report.js";
import {
  ClockCheck,
  runRaw,
  runRmtp,
  runTcp,
  waitForSnoopingActive,
  type BenchSettings,
  type RunContext,
} from "./runs.js";

const managerBoard = 1;
const senderBoard = 2;
const firstRecipient = 3;
/** Before each setting, wait this long at most for other work on the host to stop. */
const quietWaitMs = 15_000;

/** RMTP parameters as the daemon gets them: the config schema's defaults mapped by the daemon's own code. */
function daemonParams(group: string, keyFile: string): RmtpParams {
  return rmtpParams(rmtpSchema.parse({ group, keys: [{ id: 1, secretFile: keyFile }], sendKeyId: 1 }));
}

function progress(line: string): void {
  process.stderr.write(`[bench rmtp] ${line}\n`);
}

async function killAgents(): Promise<void> {
  for (const a of [...liveAgents]) a.kill();
  await Promise.resolve();
}

async function measure<T>(what: string, run: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await run();
  } catch (err) {
    const message = (err as Error).message;
    progress(`${what} failed: ${message}`);
    await killAgents();
    return { error: message };
  }
}

export async function runRmtpBench(argv: readonly string[]): Promise<number> {
  const options = benchOptions(argv, rmtpBenchUsage, parseRmtpBenchOptions);
  if (typeof options === "number") return options;

  const name = benchLabName("rb");
  const configs = options.recipients.flatMap((n) => options.loss.map((loss) => ({ n, loss })));
  const budgetMs = 120_000 + configs.length * (options.seconds * 3 * 1000 + quietWaitMs + 90_000);
  const guard = new LabRunGuard({ lab: name, budgetMs, progress, what: "the agents", stop: killAgents });

  const startedAt = Date.now();
  const load = loadavg();
  const source = sourceVersion(["firmware/src/rmtp"]);
  const boards = Math.max(...options.recipients) + firstRecipient - 1;
  try {
    progress(`building lab '${name}': ${boards} boards, ports at ${options.rate}`);
    const creating = createLab({ name, boards, rate: options.rate, daemons: false });
    guard.track(creating);
    const lab: Lab = await creating;
    const state = lab.describe();
    const params = daemonParams(state.group, state.keyFile);
    progress("waiting until the switch stops flooding multicast to every port (IGMP querier established)");
    const snoopingAfter = await waitForSnoopingActive(lab, {
      sender: senderBoard,
      member: firstRecipient,
      outsider: managerBoard,
    });
    if (snoopingAfter === null) progress("WARNING: the switch still floods multicast to every port");
    const settings: BenchSettings = {
      seconds: options.seconds,
      messageBytes: 64 * 1024,
      smallBytes: 64,
      latencyCount: options.latencyCount,
      latencyIntervalMs: options.latencyIntervalMs,
      inflightMessages: 32,
      rawOutstanding: 64,
    };
    const clock = new ClockCheck();
    const loss = new Map<number, number>();
    const entries: Entry[] = [];
    let incarnation = Math.floor(Date.now() / 1000) % 1_000_000_000;
    for (const { n, loss: percent } of configs) {
      if (guard.aborted) break;
      const recipients = Array.from({ length: n }, (_, i) => firstRecipient + i);
      for (let b = firstRecipient; b <= boards; b++) {
        const want = recipients.includes(b) ? percent : 0;
        if ((loss.get(b) ?? 0) !== want) await lab.fault(b, { kind: "loss", percent: want });
        loss.set(b, want);
      }
      const ctx: RunContext = {
        lab,
        settings,
        params,
        manager: managerBoard,
        sender: senderBoard,
        recipients,
        incarnation: ++incarnation,
        clock,
      };
      const tag = `N=${n} loss=${percent}%`;
      const quiet = await waitForQuiet(disturbedCpus, quietWaitMs, cpus().length);
      if (quiet.waitedSeconds > 1.5)
        progress(
          `${tag}: waited ${quiet.waitedSeconds} s for the host to quieten (other CPUs ${quiet.otherCpus})`,
        );
      const step = async <T>(what: string, run: () => Promise<T>): Promise<T | { error: string }> => {
        if (guard.aborted) return { error: "interrupted" };
        progress(`${tag}: ${what}`);
        return measure(`${tag} ${what}`, run);
      };
      const raw = await step("raw UDP multicast", () => runRaw(ctx));
      const tcp = await step("TCP fan-out", () => runTcp(ctx));
      const rmtp = await step("RMTP", () => runRmtp(ctx));
      if (guard.aborted) break;
      const entry: Entry = {
        recipients: n,
        lossPercent: percent,
        rmtp,
        raw,
        tcp,
        ratios: ratios(rmtp, raw, tcp),
        quietBefore: quiet,
      };
      entries.push(entry);
      progress(`${tag}: ${summary(entry)}`);
    }

    if (guard.aborted) return 130;
    const targets = evaluateTargets(entries, options.loss.includes(0) ? options.recipients : []);
    const labDescription = {
      name,
      boards,
      rate: state.rate,
      rateBitsPerSecond: state.rate === null ? null : rateBitsPerSecond(state.rate),
      rateLimit: `tbf at ${state.rate} on both sides of every switch port (board egress and switch egress)`,
      switch: "Linux bridge with IGMPv3 snooping and querier, one network namespace per board",
      loss: "nftables numgen random drop on each recipient's port, input and output (lab fault 'loss')",
      snoopingActiveAfterSeconds: snoopingAfter,
      roles: {
        manager: managerBoard,
        sender: senderBoard,
        recipients: `${firstRecipient}..${firstRecipient - 1 + Math.max(...options.recipients)}`,
      },
    };
    const clockCheck = {
      source: "process.hrtime.bigint() (CLOCK_MONOTONIC), shared by all network namespaces",
      agentsChecked: clock.agents,
      ok: clock.ok,
      maxRequestWindowMs: Math.round(clock.maxWindowMs * 1000) / 1000,
      violations: clock.violations.slice(0, 5),
      otherTimeNamespaces: [...clock.otherNamespaces].slice(0, 5),
    };
    const host = {
      cpus: cpus().length,
      loadAverageAtStart: load.map((l) => Math.round(l * 100) / 100),
      kernel: release(),
      node: process.version,
    };
    const result = {
      benchmark: "rmtp",
      parameters: { ...options, ...settings, rmtp: params },
      source,
      lab: labDescription,
      host,
      clockCheck,
      entries,
      targets,
      allTargetsPass: targets.every((t) => t.pass === true),
      durationSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
    };
    if (options.out !== null) writeFileSync(options.out, JSON.stringify(result, null, 2) + "\n");
    if (options.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    } else {
      const description = [
        `RMTP benchmark on virtual lab '${name}': ${labDescription.rateLimit}; ${labDescription.switch}.`,
        `Board 1 manages, board 2 sends, N recipients from board 3; loss: ${labDescription.loss}.`,
        snoopingAfter === null
          ? "WARNING: the switch flooded multicast to every port during the whole run (no IGMP querier)."
          : `The switch stopped flooding multicast to every port ${snoopingAfter} s after it was built; the runs started then.`,
        `${options.seconds} s per bulk run; ${settings.latencyCount} small messages of ${settings.smallBytes} B, one every ${settings.latencyIntervalMs} ms.`,
        `Host: ${host.cpus} CPUs, load average at start ${host.loadAverageAtStart.join(" ")}, kernel ${host.kernel}, node ${host.node}. ` +
          `Clock check: ${clock.ok ? "ok" : "FAILED"} (${clock.agents} agents, worst request window ${clockCheck.maxRequestWindowMs} ms).`,
        `RMTP code: commit ${source.commit?.slice(0, 12) ?? "unknown"}` +
          (source.uncommittedFiles?.length
            ? ` with uncommitted changes in ${source.uncommittedFiles.join(", ")}`
            : "") +
          `; parameters: the daemon's defaults (window ${params.window.initial}/${params.window.min}/${params.window.max}, frame ${params.frameBytes} B).`,
      ];
      process.stdout.write(
        renderText(description, entries, targets) + `\n\nTook ${result.durationSeconds} s.\n`,
      );
    }
    return 0;
  } catch (err) {
    progress(`failed: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    await guard.finish();
  }
}

function summary(e: Entry): string {
  const f = (v: { goodput: { MBps: number } } | { error: string }): string =>
    "error" in v ? "error" : `${v.goodput.MBps} MB/s`;
  const r = e.rmtp;
  const extra =
    "error" in r
      ? ""
      : `, p99 ${r.latency.p99Ms} ms, feedback ${r.feedback.perDataFramePerRecipient}, all delivered ${r.goodput.allDelivered}`;
  const other = [e.raw, e.tcp, e.rmtp].map((v) => ("error" in v ? "-" : v.cpu.otherCpus)).join("/");
  return `rmtp ${f(e.rmtp)} raw ${f(e.raw)} tcp ${f(e.tcp)}${extra}; other CPUs ${other}`;
}
