// The clients of one cycle, both in the client board's namespace and both writing to the virtual address:
// the directory tests' write stream (4 long-lived LDAP connections, adds then paired modifies) and the
// probe (a fresh connection per attempt every 20 ms). Started and warmed up before the fault; at the end
// stopped, and their histories checked against a snapshot of an SM (the new one, and the one in office
// once the old SM is back).
import { setTimeout as sleep } from "node:timers/promises";
import { labAdminDn, labSuffix } from "../../hil-tests/lab/configs.js";
import type { Lab } from "../../hil-tests/lab/index.js";
import { startWriteStream, type WriteStream } from "../../hil-tests/directory/write-stream.js";
import { Probe } from "./probes.js";
import type { Outcome } from "./stats.js";
import { checkWrites, snapshotOf, type WriteCheck } from "./write-check.js";

export interface ClientSetup {
  lab: Lab;
  clientBoard: number;
  virtualAddress: string;
  /**
   * How long the roles must hold before a cycle takes them as settled: with preemption a returning board
   * takes the role back once it has caught up, so 1.5 s; without, 0.5 s.
   */
  rolesStableMs: number;
}

export const probeIntervalMs = 20;
const probeTimeoutMs = 2000;
const streamClients = 4;
/** How long a stream writer may wait for an answer (ldap-writer's own bound) plus a margin. */
const streamDrainMs = 25_000;

export const liveStreams = new Set<WriteStream>();

export interface Clients {
  stream: WriteStream;
  probe: Probe;
  streamPrefix: string;
  probePrefix: string;
}

/** Starts both clients under `tag` and waits until each has writes acknowledged. */
export async function startClients(setup: ClientSetup, tag: string): Promise<Clients> {
  const { lab, clientBoard, virtualAddress } = setup;
  const streamPrefix = `${tag}s`;
  const probePrefix = `${tag}p`;
  const stream = startWriteStream(lab, {
    from: clientBoard,
    prefix: streamPrefix,
    count: 100_000_000,
    clients: streamClients,
    to: virtualAddress,
  });
  liveStreams.add(stream);
  void stream.done.finally(() => liveStreams.delete(stream)).catch(() => undefined);
  const probe = new Probe(lab, clientBoard, {
    mode: "ldap",
    host: virtualAddress,
    port: 389,
    intervalMs: probeIntervalMs,
    timeoutMs: probeTimeoutMs,
    bindDn: labAdminDn,
    passwordFile: lab.describe().directoryPasswordFile,
    suffix: labSuffix,
    prefix: probePrefix,
  });
  const clients = { stream, probe, streamPrefix, probePrefix };
  const deadline = Date.now() + 20_000;
  while (stream.acked() < 40 || probe.records.filter((r) => r.outcome === "acked").length < 10) {
    if (Date.now() > deadline) {
      await stopClients(clients);
      const last = probe.records[probe.records.length - 1];
      throw new Error(
        `the clients got no acknowledged writes before the fault: stream ${stream.acked()}, probe ` +
          `${JSON.stringify(last ?? null)} ${probe.errorOutput}`,
      );
    }
    await sleep(20);
  }
  return clients;
}

/**
 * `--preload`: `writes` writes through the virtual address by 8 stream clients, before the first cycle;
 * returns how many were acknowledged.
 */
export async function preloadDirectory(setup: ClientSetup, writes: number): Promise<number> {
  const stream = startWriteStream(setup.lab, {
    from: setup.clientBoard,
    prefix: "pre",
    count: writes,
    clients: 8,
    to: setup.virtualAddress,
  });
  liveStreams.add(stream);
  try {
    await stream.done;
  } finally {
    liveStreams.delete(stream);
  }
  return stream.acked();
}

/** Every write of both clients so far. */
export function outcomes(c: Clients): Outcome[] {
  return [...c.stream.records, ...c.probe.writes()];
}

/** Asks both clients to stop; they finish what is under way. */
export async function stopClients(c: Clients): Promise<void> {
  c.stream.stop();
  const probeStopped = c.probe.stop(probeTimeoutMs + 3000);
  await Promise.race([c.stream.done.catch(() => undefined), sleep(streamDrainMs)]);
  await probeStopped;
}

/** The clients' histories checked against the entries on `board` (read from the client board). */
export async function checkClients(setup: ClientSetup, c: Clients, board: number): Promise<WriteCheck> {
  const snapshot = await snapshotOf(setup.lab, setup.clientBoard, board, [c.streamPrefix, c.probePrefix]);
  return checkWrites(snapshot, [
    { prefix: c.streamPrefix, records: c.stream.records },
    { prefix: c.probePrefix, records: c.probe.writes() },
  ]);
}
