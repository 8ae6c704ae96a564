// One phase of the LDAP server fuzz test, run in a worker thread so that making and sending the cases does
// not compete with the server for its thread: cases from the seeds (malformed ones for the read phases,
// mutated and valid writes for the write phase) sent one after the other on each of `parallel` connections,
// a new connection (bound first if asked) whenever the server closed one. Posts its PhaseStats when done.
import { parentPort, Worker, workerData } from "node:worker_threads";
import { FuzzConnection, wholePdus } from "./ldap-fuzz-client.js";
import { fuzzCase, mutatedWrite, type FuzzCase } from "./ldap-fuzz-mutate.js";
import { Rng } from "./rng.js";
import { readSeeds, writeSeeds } from "./ldap-fuzz-seeds.js";

export interface PhaseOptions {
  port: number;
  seed: number;
  cases: number;
  kind: "read" | "write";
  bind?: Uint8Array;
  parallel: number;
  hangMs: number;
  maxPduBytes: number;
}

export interface PhaseStats {
  cases: number;
  connections: number;
  /** Cases after which the server still served the connection (it answered the sentinel). */
  alive: number;
  responses: number;
  kinds: Map<string, number>;
  hung: FuzzCase[];
  ms: number;
}

function caseMaker(o: PhaseOptions): () => FuzzCase {
  const rng = new Rng(o.seed);
  if (o.kind === "read") {
    const seeds = readSeeds();
    return () => fuzzCase(rng, seeds);
  }
  const seeds = writeSeeds();
  return () =>
    rng.below(4) === 0 ? { kind: "write-valid", bytes: rng.pick(seeds) } : mutatedWrite(rng, seeds);
}

async function fuzzPhase(o: PhaseOptions): Promise<PhaseStats> {
  const started = Date.now();
  const make = caseMaker(o);
  const bind = o.bind ? Buffer.from(o.bind) : undefined;
  const stats: PhaseStats = {
    cases: 0,
    connections: 0,
    alive: 0,
    responses: 0,
    kinds: new Map(),
    hung: [],
    ms: 0,
  };
  const worker = async (): Promise<void> => {
    let conn: FuzzConnection | undefined;
    while (stats.cases < o.cases) {
      const c = make();
      stats.cases++;
      stats.kinds.set(c.kind, (stats.kinds.get(c.kind) ?? 0) + 1);
      if (!conn) {
        conn = await FuzzConnection.open(o.port, bind, o.hangMs);
        stats.connections++;
      }
      const outcome = await conn.send(c.bytes, wholePdus(c.bytes, o.maxPduBytes), o.hangMs);
      if (outcome === "alive") {
        stats.alive++;
        continue;
      }
      if (outcome === "hung") stats.hung.push(c);
      stats.responses += conn.responses;
      conn.destroy();
      conn = undefined;
    }
    if (conn) {
      stats.responses += conn.responses;
      conn.destroy();
    }
  };
  await Promise.all(Array.from({ length: o.parallel }, worker));
  stats.ms = Date.now() - started;
  return stats;
}

/** Runs one phase in a worker thread. */
export function runPhase(o: PhaseOptions): Promise<PhaseStats> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: o });
    worker.once("message", (stats: PhaseStats) => resolve(stats));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`fuzz worker exited with code ${code}`)));
  });
}

if (parentPort && (workerData as PhaseOptions | undefined)?.port !== undefined) {
  const port = parentPort;
  port.postMessage(await fuzzPhase(workerData as PhaseOptions));
}
