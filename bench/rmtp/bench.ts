// `bench rmtp`: builds one virtual lab (board 1 the RMTP manager, board 2 the sender, boards 3.. the
// recipients, every port rate-limited), and for every (recipients N, loss %) setting measures raw UDP
// multicast, TCP fan-out and RMTP in turn, then prints tables or one JSON object. Whatever happens
// (an error, a timeout, Ctrl-C) every agent is killed and the lab is torn down.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";
import { waitForQuiet } from "./cpu.js";
import { canBuildLab, createLab, destroyLab, privilegeMessage, type Lab } from "../../hil-tests/lab/index.js";
import { rateBitsPerSecond } from "../../hil-tests/lab/rate.js";
import { rmtpSchema } from "../../firmware/src/config/schema.js";
import type { RmtpParams } from "../../firmware/src/rmtp/core/types.js";
import { rmtpParams } from "../../firmware/src/daemon/rmtp-params.js";
import { liveAgents } from "./agents.js";
import { parseRmtpBenchOptions, rmtpBenchUsage, type RmtpBenchOptions } from "./options.js";
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

/** Which RMTP code was measured: the commit, and the files under firmware/src/rmtp that differ from it. */
function sourceVersion(): { commit: string | null; uncommittedRmtpFiles: string[] | null } {
  const git = (args: string[]): string | null => {
    try {
      return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return null;
    }
  };
  const status = git(["status", "--porcelain", "--", "firmware/src/rmtp"]);
  return {
    commit: git(["rev-parse", "HEAD"]),
    uncommittedRmtpFiles:
      status === null
        ? null
        : status
            .split("\n")
            .filter((l) => l.trim() !== "")
            .map((l) => l.slice(3)),
  };
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
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(rmtpBenchUsage + "\n");
    return 0;
  }
  let options: RmtpBenchOptions;
  try {
    options = parseRmtpBenchOptions(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  if (!canBuildLab()) {
    process.stderr.write(`${privilegeMessage}\n`);
    return 1;
  }

  const name = `rb${[...randomBytes(4)].map((b) => (b % 36).toString(36)).join("")}`;
  const configs = options.recipients.flatMap((n) => options.loss.map((loss) => ({ n, loss })));
  const budgetMs = 120_000 + configs.length * (options.seconds * 3 * 1000 + quietWaitMs + 90_000);
  let cleaning: Promise<void> | undefined;
  // The lab being built: `down` waits for it, so nothing is created after the teardown.
  let building: Promise<unknown> = Promise.resolve();
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await killAgents();
      await building.catch(() => undefined);
      await destroyLab(name).then(
        () => undefined,
        (err: Error) => progress(`lab down failed: ${err.message}`),
      );
    })());
  let aborted = false;
  const abort = (why: string, code: number): void => {
    aborted = true;
    progress(`${why}: stopping the agents and removing lab '${name}'`);
    void cleanup().finally(() => process.exit(code));
  };
  const onSignal = (signal: NodeJS.Signals): void => abort(`got ${signal}`, 130);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  const watchdog = setTimeout(
    () => abort(`not finished after ${Math.round(budgetMs / 1000)} s`, 1),
    budgetMs,
  );

  const startedAt = Date.now();
  const load = loadavg();
  const source = sourceVersion();
  const boards = Math.max(...options.recipients) + firstRecipient - 1;
  try {
    progress(`building lab '${name}': ${boards} boards, ports at ${options.rate}`);
    const creating = createLab({ name, boards, rate: options.rate, daemons: false });
    building = creating;
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
      if (aborted) break;
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
        if (aborted) return { error: "interrupted" };
        progress(`${tag}: ${what}`);
        return measure(`${tag} ${what}`, run);
      };
      const raw = await step("raw UDP multicast", () => runRaw(ctx));
      const tcp = await step("TCP fan-out", () => runTcp(ctx));
      const rmtp = await step("RMTP", () => runRmtp(ctx));
      if (aborted) break;
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

    if (aborted) return 130;
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
          (source.uncommittedRmtpFiles?.length
            ? ` with uncommitted changes in ${source.uncommittedRmtpFiles.join(", ")}`
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
    clearTimeout(watchdog);
    progress(`removing lab '${name}'`);
    await cleanup();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("SIGHUP", onSignal);
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
