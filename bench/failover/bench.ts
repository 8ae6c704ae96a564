// `bench failover`: builds a virtual lab with failover on (b1 SM at VRRP priority 200, b2 BSM at 100, SEs
// after; the clients run in b3), measures each fault class over --cycles faults of whichever board is SM,
// then the keepalived baseline on the last two boards with keepalived's default advert_int and with ours,
// then the false-failover soak; checks that no epoch had two managers, and prints the figures with the
// issue's targets. When the candidates are left without an SM, it restarts them or builds the lab anew and
// goes on. Whatever happens (an error, a timeout, Ctrl-C) every process it started is killed and the lab
// is torn down.
import { writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";
import { loadConfigFile } from "../../firmware/src/config/load.js";
import { createLab, destroyLab, type Lab } from "../../hil-tests/lab/index.js";
import { virtualAddress } from "../../hil-tests/lab/names.js";
import { keepalivedVersion } from "../../hil-tests/vrrp/keepalived.js";
import { benchLabName, benchOptions, LabRunGuard, sourceVersion } from "../lab-bench.js";
import { liveStreams, preloadDirectory, probeIntervalMs, type ClientSetup } from "./clients.js";
import { settleMs } from "./cycles.js";
import { liveProcesses, type BaselineFigures } from "./keepalived.js";
import { splitBrain } from "./logs.js";
import { failoverBenchUsage, parseFailoverBenchOptions } from "./options.js";
import { liveProbes } from "./probes.js";
import { classFigures, evaluateTargets, renderText, type ClassResult } from "./report.js";
import { recover, type Recovery } from "./recovery.js";
import { turnPreemptOff } from "./preempt.js";
import { candidates, settledRoles } from "./roles.js";
import { baselineRuns, runClass, soakAfterRecovery, type RunControl } from "./runs.js";
import { liveHogs, type SoakFigures } from "./soak.js";

const clientBoard = 3;
const keepalivedDefaultAdvertInt = 1;

function progress(line: string): void {
  process.stderr.write(`[bench failover] ${line}\n`);
}

function advertIntervalSeconds(lab: Lab): number {
  const loaded = loadConfigFile(lab.board(1).configPath);
  const cs = loaded.ok ? loaded.value.config.failover?.advertIntervalCs : undefined;
  if (cs === undefined) throw new Error(`b1's config has no failover section`);
  return cs / 100;
}

export async function runFailoverBench(argv: readonly string[]): Promise<number> {
  const options = benchOptions(argv, failoverBenchUsage, parseFailoverBenchOptions);
  if (typeof options === "number") return options;

  const name = benchLabName("bf");
  const budgetMs =
    300_000 +
    options.classes.length * options.cycles * 150_000 +
    2 * options.cycles * 40_000 +
    options.soakSeconds * 1000;
  const guard = new LabRunGuard({
    lab: name,
    budgetMs,
    progress,
    what: "the clients, keepalived and the CPU load",
    stop: () => {
      for (const p of [...liveProbes]) p.kill();
      for (const s of [...liveStreams]) s.stop();
      for (const c of [...liveHogs, ...liveProcesses]) c.kill("SIGKILL");
    },
  });

  const startedAt = Date.now();
  const load0 = loadavg();
  const source = sourceVersion([
    "firmware/src/failover",
    "firmware/src/daemon",
    "firmware/src/vrrp",
    "firmware/src/directory",
  ]);
  try {
    progress(
      `building lab '${name}': ${options.boards} boards with daemons, failover on, preempt ${options.preempt ? "on" : "off"}`,
    );
    const build = async (): Promise<Lab> => {
      const creating = createLab({ name, boards: options.boards, failover: true });
      guard.track(creating);
      const lab = await creating;
      if (!options.preempt) await turnPreemptOff(lab);
      return lab;
    };
    const setup: ClientSetup = {
      lab: await build(),
      clientBoard,
      virtualAddress: virtualAddress(name),
      rolesStableMs: options.preempt ? 1500 : 500,
    };
    const advertInt = advertIntervalSeconds(setup.lab);
    progress("waiting for an established SM and an in-sync standby");
    await settledRoles(setup.lab, 60_000);
    if (options.preload > 0) {
      progress(`preloading the directory with ${options.preload} writes`);
      const acked = await preloadDirectory(setup, options.preload);
      progress(`preloaded: ${acked} writes acknowledged`);
    }

    const brains: Array<ReturnType<typeof splitBrain>> = [];
    const recoveries: Recovery[] = [];
    const control: RunControl = {
      progress,
      aborted: () => guard.aborted,
      recover: async (where, reason) => {
        progress(`${where}: roles did not settle; restarting b1 and b2`);
        const rebuild = async (): Promise<Lab> => {
          progress(`${where}: still no SM after the restart; rebuilding lab '${name}'`);
          brains.push(splitBrain(setup.lab, candidates));
          await destroyLab(name);
          return build();
        };
        const recovery = await recover(setup, where, reason, rebuild, settleMs);
        recoveries.push(recovery);
        if (!recovery.settled) throw new Error(recovery.error ?? "the roles did not settle");
      },
    };

    const classResults: ClassResult[] = [];
    for (const cls of options.classes) {
      if (guard.aborted) break;
      progress(`${cls}: ${options.cycles} cycles`);
      classResults.push(await runClass(setup, cls, options.cycles, control));
    }

    const keepalivedBoards = { master: options.boards - 1, backup: options.boards };
    const baselineAddress = virtualAddress(name).replace(/\.254$/, ".253");
    const baselines = await baselineRuns(
      { lab: setup.lab, probeBoard: clientBoard, ...keepalivedBoards, virtualAddress: baselineAddress },
      [keepalivedDefaultAdvertInt, advertInt],
      options.cycles,
      control,
    );

    let soakFigures: SoakFigures | { error: string } | null = null;
    if (options.soakSeconds > 0 && !guard.aborted) {
      progress(`false failovers: ${options.soakSeconds} s under loss and CPU load`);
      soakFigures = await soakAfterRecovery(setup, options.soakSeconds, control);
    }

    brains.push(splitBrain(setup.lab, candidates));
    const sharedEpochs = brains.flatMap((b) => b.sharedEpochs);
    const measured = baselines.filter((b): b is BaselineFigures => !("error" in b));
    const perClass = classResults.map((r) =>
      classFigures(r.class, r.cycles, measured, r.unavailable, r.hostBusyCpus),
    );
    const unplanned = classResults.filter((r) => r.class !== "planned");
    const pooled =
      unplanned.length > 1
        ? [
            classFigures(
              "unplanned",
              unplanned.flatMap((r) => r.cycles),
              measured,
            ),
          ]
        : [];
    const figures = [...perClass, ...pooled];
    const targets = evaluateTargets(figures, sharedEpochs, soakFigures);
    const host = {
      cpus: cpus().length,
      loadAverageAtStart: load0.map((l) => Math.round(l * 100) / 100),
      kernel: release(),
      node: process.version,
    };
    const result = {
      benchmark: "failover",
      parameters: {
        ...options,
        advertIntervalSeconds: advertInt,
        probeIntervalMs,
        keepalived: { version: keepalivedVersion(), advertInts: [keepalivedDefaultAdvertInt, advertInt] },
      },
      source,
      lab: {
        name,
        boards: options.boards,
        roles: { sm: 1, bsm: 2, clients: clientBoard, keepalived: keepalivedBoards },
        virtualAddress: setup.virtualAddress,
        keepalivedVirtualAddress: baselineAddress,
      },
      host,
      classes: classResults.map((r, i) => ({ ...perClass[i], cycleDetails: r.cycles })),
      unplanned: pooled[0] ?? null,
      baselines,
      soak: soakFigures,
      splitBrain: { labs: brains, sharedEpochs },
      recoveries,
      targets,
      allTargetsPass: targets.every((t) => t.pass === true),
      durationSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
    };
    if (options.out !== null) writeFileSync(options.out, JSON.stringify(result, null, 2) + "\n");
    if (options.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    } else {
      const description = [
        `Failover benchmark on virtual lab '${name}': ${options.boards} boards with daemons (b1 SM at VRRP priority 200, ` +
          `b2 BSM at 100, preempt ${options.preempt ? "on" : "off"}, b3-b${options.boards} SEs), advertisement ` +
          `interval ${advertInt * 1000} ms; the clients ` +
          `(4 stream connections and a probe every ${probeIntervalMs} ms on a fresh connection) write to ` +
          `${setup.virtualAddress} from b${clientBoard}.`,
        `Baseline: ${result.parameters.keepalived.version} (vrrp_version 3) on b${keepalivedBoards.master} (200) and ` +
          `b${keepalivedBoards.backup} (100), moving ${baselineAddress} only.`,
        `Host: ${host.cpus} CPUs, load average at start ${host.loadAverageAtStart.join(" ")}, kernel ${host.kernel}, ` +
          `node ${host.node}. Code: commit ${source.commit?.slice(0, 12) ?? "unknown"}` +
          (source.uncommittedFiles?.length
            ? ` with uncommitted changes in ${source.uncommittedFiles.length} files`
            : "") +
          ".",
      ];
      process.stdout.write(
        renderText({
          description,
          classes: figures,
          baselines,
          soak: soakFigures,
          splitBrain: { terms: brains.reduce((n, b) => n + b.terms.length, 0), sharedEpochs },
          recoveries,
          targets,
        }) + `\n\nTook ${result.durationSeconds} s.\n`,
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
