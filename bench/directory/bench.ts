// `bench directory`: builds a 10-board virtual lab with daemons (b1 SM, b2 BSM, b3-b10 SEs, every port
// rate-limited), starts the slapd baseline in b2's namespace, and measures the SM against slapd with the
// same load generator running in b3's namespace: loading content entries, acknowledged writes with 1, 8 and
// 32 clients, searches, the SM's memory, and the catch-up of a stopped SE. Whatever happens (an error, a
// timeout, Ctrl-C) every generator and slapd are killed and the lab is torn down.
import { writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";
import { labAdminDn, labSuffix } from "../../hil-tests/lab/configs.js";
import { createLab, type Lab } from "../../hil-tests/lab/index.js";
import { benchLabName, benchOptions, LabRunGuard, sourceVersion } from "../lab-bench.js";
import { waitForQuiet } from "../rmtp/cpu.js";
import { ratio } from "../rmtp/stats.js";
import { liveGenerators } from "./agents.js";
import { directoryBenchUsage, parseDirectoryBenchOptions } from "./options.js";
import { dirStatus, memoryOf } from "./probes.js";
import {
  evaluateTargets,
  pair,
  renderText,
  type Measured,
  type MemoryFigures,
  type SearchEntry,
  type WriteEntry,
} from "./report.js";
import { addFixedEntries, catchup, load, searches, writes, type RunContext, type Server } from "./runs.js";
import { startSlapd, type Slapd } from "./slapd.js";

const boards = 10;
const smBoard = 1;
const slapdBoard = 2;
const slapdPort = 3389;
const clientBoard = 3;
const catchupBoard = 10;
const ldapPort = 389;
/** Before each write or search setting, wait this long at most for a second with little other CPU work. */
const quietWaitMs = 10_000;
const quietThreshold = 0.3;

function progress(line: string): void {
  process.stderr.write(`[bench directory] ${line}\n`);
}

async function measure<T>(what: string, run: () => Promise<T>): Promise<Measured<T>> {
  progress(what);
  try {
    return await run();
  } catch (err) {
    const message = (err as Error).message;
    progress(`${what} failed: ${message}`);
    for (const g of [...liveGenerators]) g.kill();
    return { error: message };
  }
}

/** Waits until the SM lists every other board as a replica with lag 0. */
async function directoryFormed(lab: Lab, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = "no answer";
  for (;;) {
    const s = await dirStatus(lab, smBoard).catch((err: Error) => err);
    if (!(s instanceof Error)) {
      if (s.replicas.length === boards - 1 && s.replicas.every((r) => r.lag === 0)) return;
      last = JSON.stringify(s);
    } else last = s.message;
    if (Date.now() > until) throw new Error(`the directory did not form within ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function runDirectoryBench(argv: readonly string[]): Promise<number> {
  const options = benchOptions(argv, directoryBenchUsage, parseDirectoryBenchOptions);
  if (typeof options === "number") return options;

  const name = benchLabName("bd");
  const runs = options.clients.length * 2 + 4;
  const budgetMs =
    300_000 + options.entries * 25 + runs * (options.seconds * 1000 + 40_000) + options.catchupChanges * 20;
  let slapd: Slapd | undefined;
  const guard = new LabRunGuard({
    lab: name,
    budgetMs,
    progress,
    what: "the load generators and slapd",
    stop: () => {
      for (const g of [...liveGenerators]) g.kill();
      slapd?.stop();
    },
  });

  const startedAt = Date.now();
  const load0 = loadavg();
  const source = sourceVersion(["firmware/src/directory", "firmware/src/daemon"]);
  try {
    progress(`building lab '${name}': ${boards} boards with daemons, ports at ${options.rate}`);
    const creating = createLab({ name, boards, rate: options.rate });
    guard.track(creating);
    const lab = await creating;
    const state = lab.describe();
    progress("waiting until the SM lists every replica at lag 0");
    await directoryFormed(lab, 60_000);
    const ctx: RunContext = {
      lab,
      suffix: labSuffix,
      bindDn: labAdminDn,
      passwordFile: state.directoryPasswordFile,
      clientBoard,
      processes: options.processes,
    };
    progress(`starting slapd in b${slapdBoard}'s namespace on port ${slapdPort}`);
    slapd = await startSlapd(lab, slapdBoard, slapdPort, {
      suffix: labSuffix,
      rootDn: labAdminDn,
      passwordFile: state.directoryPasswordFile,
    });
    const smPid = state.boards[smBoard - 1]?.pid ?? null;
    const sm: Server = {
      name: "sm",
      host: lab.board(smBoard).address,
      port: ldapPort,
      pid: smPid,
      helperPids: state.boards.filter((b) => b.index !== smBoard && b.pid !== null).map((b) => b.pid!),
    };
    const base: Server = {
      name: "slapd",
      host: lab.board(slapdBoard).address,
      port: slapdPort,
      pid: slapd.pid ?? null,
      helperPids: [],
    };
    await addFixedEntries(ctx, base, "tree");
    await addFixedEntries(ctx, sm, "engines");
    await addFixedEntries(ctx, base, "engines");

    const loadClients = Math.max(...options.clients);
    const loadSm = await measure(`SM: loading ${options.entries} entries`, () =>
      load(ctx, sm, loadClients, options.entries),
    );
    const loadSlapd = await measure(`slapd: loading ${options.entries} entries`, () =>
      load(ctx, base, loadClients, options.entries),
    );
    const memory = await measure("memory", async (): Promise<MemoryFigures> => {
      const smMemory = smPid === null ? null : memoryOf(smPid);
      const slapdMemory = slapd?.pid === undefined ? null : memoryOf(slapd.pid);
      return {
        contentEntries: options.entries,
        smEntries: (await dirStatus(lab, smBoard)).entries,
        sm: smMemory,
        slapd: slapdMemory,
        smToSlapd: ratio(smMemory?.vmRssMB, slapdMemory?.vmRssMB),
      };
    });

    const quiet: Record<string, { waitedSeconds: number; otherCpus: number }> = {};
    const settle = async (tag: string): Promise<void> => {
      quiet[tag] = await waitForQuiet(quietThreshold, quietWaitMs, cpus().length);
    };
    const writeEntries: WriteEntry[] = [];
    for (const clients of options.clients) {
      await settle(`write-${clients}-sm`);
      const a = await measure(`SM: writes with ${clients} clients`, () =>
        writes(ctx, sm, clients, options.seconds, `c${clients}`),
      );
      await settle(`write-${clients}-slapd`);
      const b = await measure(`slapd: writes with ${clients} clients`, () =>
        writes(ctx, base, clients, options.seconds, `c${clients}`),
      );
      writeEntries.push({ clients, ...pair(a, b) });
    }
    const searchEntries: SearchEntry[] = [];
    for (const kind of ["equality", "onelevel"] as const) {
      const n = options.searchClients;
      await settle(`search-${kind}-sm`);
      const a = await measure(`SM: ${kind} searches`, () =>
        searches(ctx, sm, n, options.seconds, kind, options.entries),
      );
      await settle(`search-${kind}-slapd`);
      const b = await measure(`slapd: ${kind} searches`, () =>
        searches(ctx, base, n, options.seconds, kind, options.entries),
      );
      searchEntries.push({ kind, clients: n, ...pair(a, b) });
    }
    const memoryAtEnd = await measure("memory at the end", async () => ({
      smEntries: (await dirStatus(lab, smBoard)).entries,
      sm: smPid === null ? null : memoryOf(smPid),
    }));
    const catchupFigures = await measure(
      `catch-up of b${catchupBoard} killed during ${options.catchupChanges} changes`,
      () => catchup(ctx, sm, catchupBoard, loadClients, options.catchupChanges),
    );

    const targets = evaluateTargets(writeEntries, searchEntries, memory);
    const host = {
      cpus: cpus().length,
      loadAverageAtStart: load0.map((l) => Math.round(l * 100) / 100),
      kernel: release(),
      node: process.version,
    };
    const labDescription = {
      name,
      boards,
      rate: state.rate,
      rateLimit: `tbf at ${state.rate} on both sides of every switch port`,
      roles: {
        sm: smBoard,
        bsm: 2,
        ses: `3..${boards}`,
        slapd: `b${slapdBoard}'s namespace, ${slapd.uri}`,
        loadGenerator: `b${clientBoard}'s namespace, ${options.processes} processes`,
        catchupVictim: catchupBoard,
      },
    };
    const result = {
      benchmark: "directory",
      parameters: { ...options, loadClients, slapdConfig: slapd.config },
      source,
      lab: labDescription,
      host,
      load: { entries: options.entries, ...pair(loadSm, loadSlapd) },
      memory,
      memoryAtEnd,
      writes: writeEntries,
      searches: searchEntries,
      catchup: catchupFigures,
      quietBefore: quiet,
      targets,
      allTargetsPass: targets.every((t) => t.pass === true),
      durationSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
    };
    if (options.out !== null) writeFileSync(options.out, JSON.stringify(result, null, 2) + "\n");
    if (options.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    } else {
      const description = [
        `Directory benchmark on virtual lab '${name}': ${boards} boards with daemons (b1 SM, b2 BSM, b3-b10 SEs), ${labDescription.rateLimit}.`,
        `Baseline: Debian's slapd (back-mdb, iss.schema, the store's equality indexes plus objectClass) in b${slapdBoard}'s namespace; ` +
          `the same load generator (${options.processes} processes in b${clientBoard}'s namespace, one request in flight per connection) drives both.`,
        `Host: ${host.cpus} CPUs, load average at start ${host.loadAverageAtStart.join(" ")}, kernel ${host.kernel}, node ${host.node}. ` +
          `Code: commit ${source.commit?.slice(0, 12) ?? "unknown"}` +
          (source.uncommittedFiles?.length
            ? ` with uncommitted changes in ${source.uncommittedFiles.length} files`
            : "") +
          ".",
      ];
      process.stdout.write(
        renderText({
          description,
          load: result.load,
          memory,
          writes: writeEntries,
          searches: searchEntries,
          catchup: catchupFigures,
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
