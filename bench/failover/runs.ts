// The runs of the benchmark that repeat or may fail on their own: the cycles of a fault class (a cycle that
// fails is recorded and the next one follows; when the roles did not settle, after a recovery), the
// keepalived settings in turn, and the soak (after a recovery when the roles do not settle before it).
import type { ChildProcess } from "node:child_process";
import { cpus } from "node:os";
import { CpuMeter } from "../rmtp/cpu.js";
import type { ClientSetup } from "./clients.js";
import { plannedCycle, Unavailable, unplannedCycle, type CycleResult } from "./cycles.js";
import { keepalivedRun, startListeners, type BaselineFigures, type BaselineSetup } from "./keepalived.js";
import type { FaultClass } from "./options.js";
import type { ClassResult } from "./report.js";
import { Unsettled } from "./roles.js";
import { soak, type SoakFigures } from "./soak.js";

export interface RunControl {
  progress: (line: string) => void;
  aborted: () => boolean;
  /** Brings the candidates back to settled roles (restart, else a new lab); throws when it cannot. */
  recover: (where: string, reason: string) => Promise<void>;
}

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? "-" : `${v} ms`);

export async function runClass(
  setup: ClientSetup,
  cls: FaultClass,
  cycles: number,
  control: RunControl,
): Promise<ClassResult> {
  const results: CycleResult[] = [];
  const meter = new CpuMeter(cpus().length);
  const done = (unavailable?: string): ClassResult => ({
    class: cls,
    cycles: results,
    ...(unavailable !== undefined ? { unavailable } : {}),
    hostBusyCpus: meter.finish([]).busyCpus,
  });
  for (let cycle = 1; cycle <= cycles && !control.aborted(); cycle++) {
    try {
      const c =
        cls === "planned" ? await plannedCycle(setup, cycle) : await unplannedCycle(setup, cls, cycle);
      results.push(c);
      control.progress(
        `${cls} ${cycle}/${cycles}: b${c.faulted} -> b${c.newSm}: VRRP master ${ms(c.detectionMs)}, ` +
          `established ${ms(c.establishedMs)}, serving ${ms(c.servingMs)}, ` +
          `takeover ${ms(c.takeoverMs)} (sent ${ms(c.firstSentMs)}), gap ${ms(c.gapMs)}, ` +
          `stream resumed ${ms(c.streamResumeMs)}; ${c.writes.acked} acked, ${c.writes.lost} lost` +
          (c.stalls > 0 ? `; ${c.stalls} stalls` : "") +
          (c.newSmLeft !== null ? `; the new SM left the role ${c.newSmLeft}` : ""),
      );
    } catch (err) {
      if (err instanceof Unavailable) {
        control.progress(`${cls}: unavailable: ${err.message}`);
        return done(err.message);
      }
      const message = (err as Error).message;
      results.push({ cycle, error: message });
      control.progress(`${cls} ${cycle}/${cycles} failed: ${message}`);
      if (!(err instanceof Unsettled)) continue;
      try {
        await control.recover(`${cls} ${cycle}`, message);
      } catch (failed) {
        control.progress(`${cls}: recovery failed, the class ends: ${(failed as Error).message}`);
        break;
      }
    }
  }
  return done();
}

/** The soak; when the roles do not settle before it, after a recovery. */
export async function soakAfterRecovery(
  setup: ClientSetup,
  seconds: number,
  control: RunControl,
): Promise<SoakFigures | { error: string }> {
  try {
    return await soak(setup, seconds);
  } catch (err) {
    if (!(err instanceof Unsettled)) return { error: (err as Error).message };
    try {
      await control.recover("soak", err.message);
      return await soak(setup, seconds);
    } catch (again) {
      return { error: (again as Error).message };
    }
  }
}

export type Baseline = BaselineFigures | { advertIntSeconds: number; error: string };

/** keepalived with each advert_int in turn; a setting that fails is recorded with its error. */
export async function baselineRuns(
  setup: BaselineSetup,
  advertInts: readonly number[],
  cycles: number,
  control: Pick<RunControl, "progress" | "aborted">,
): Promise<Baseline[]> {
  let listeners: ChildProcess[];
  try {
    listeners = await startListeners(setup);
  } catch (err) {
    return advertInts.map((advertIntSeconds) => ({ advertIntSeconds, error: (err as Error).message }));
  }
  const out: Baseline[] = [];
  try {
    for (const advertIntSeconds of advertInts) {
      if (control.aborted()) break;
      control.progress(`keepalived baseline, advert_int ${advertIntSeconds}: ${cycles} cycles`);
      out.push(
        await keepalivedRun(setup, advertIntSeconds, cycles, control.progress).catch((err: Error) => ({
          advertIntSeconds,
          error: err.message,
        })),
      );
    }
  } finally {
    for (const l of listeners) l.kill("SIGTERM");
  }
  return out;
}
