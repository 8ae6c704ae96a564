// `down`: removes everything a lab created, found from the lab name (and the state file when it can be
// read), so it also works after the daemons or `up` crashed: ends every process inside the lab's
// namespaces and the recorded daemons, deletes the namespaces (with them the veths, the bridge, the
// qdiscs and nft tables) and the lab directory. Running it again finds nothing and succeeds.
import { rmSync } from "node:fs";
import { isLabNamespace, labBaseDir, labDir } from "./names.js";
import { deleteNetns, listNetns, netnsPids } from "./netns.js";
import { commandLine, isAlive, terminate } from "./processes.js";
import { readState } from "./state.js";

export interface DownReport {
  name: string;
  namespaces: string[];
  processes: number[];
  dir: string;
}

const rounds = 3;

/** Recorded daemon pids that are still alive and still run this lab's command (not a reused pid). */
function recordedDaemons(dir: string): number[] {
  const state = readState(dir);
  if (!state) return [];
  return state.boards
    .filter((b) => b.pid !== null && isAlive(b.pid))
    .filter((b) => commandLine(b.pid ?? 0).some((arg) => arg === b.configPath || arg === b.namespace))
    .map((b) => b.pid ?? 0);
}

export async function destroyLab(name: string, baseDir = labBaseDir()): Promise<DownReport> {
  const dir = labDir(name, baseDir);
  const namespaces = (await listNetns()).filter((ns) => isLabNamespace(name, ns));
  const ended = new Set<number>();
  let pids = recordedDaemons(dir);
  for (let round = 0; round < rounds; round++) {
    for (const ns of namespaces) pids.push(...(await netnsPids(ns)));
    pids = [...new Set(pids)].filter((pid) => pid !== process.pid);
    if (pids.length === 0) break;
    await terminate(pids);
    pids.forEach((pid) => ended.add(pid));
    pids = [];
  }
  for (const ns of namespaces) await deleteNetns(ns);
  rmSync(dir, { recursive: true, force: true });
  return { name, namespaces, processes: [...ended], dir };
}
