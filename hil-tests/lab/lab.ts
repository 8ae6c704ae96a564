// The programmatic lab: createLab() builds the switch, the boards and (unless daemons: false) starts one
// daemon per board; openLab() attaches to a lab built by another process. A Lab injects faults, runs
// commands inside a board's namespace, reports status and tears itself down.
import type { ChildProcess, SpawnOptions } from "node:child_process";
import { writeBoardConfig, writeCertificate, writeSecretFile } from "./configs.js";
import { issRunCommand, startDaemon } from "./daemons.js";
import { applyFault, type Fault } from "./faults.js";
import { checkBoardCount, checkLabName, isLabNamespace, labBaseDir, labDir } from "./names.js";
import { inNetns, listNetns, run, spawnInNetns, type RunOptions, type RunResult } from "./netns.js";
import { defaultRate, parseRate } from "./rate.js";
import {
  boardOf,
  planLab,
  readState,
  stateFile,
  writeState,
  type BoardState,
  type LabState,
} from "./state.js";
import { labStatus, type BoardStatus } from "./status.js";
import { raiseSocketBufferLimits } from "./sysctl.js";
import { destroyLab, type DownReport } from "./teardown.js";
import { addBoardNetwork, createSwitch } from "./topology.js";

export interface CreateLabOptions {
  /** 1-6 characters of a-z and 0-9; parallel labs need distinct names. */
  name: string;
  boards: number;
  /** Port line rate in both directions, tc syntax (1gbit, 100mbit) or "none"; default 1gbit. */
  rate?: string;
  /** Start `iss run` on every board (default true); false builds the network and the configs only. */
  daemons?: boolean;
  /** Directory that holds the lab directories; default $ISS_LAB_DIR or /run/iss-lab. */
  baseDir?: string;
  /** The daemon command line run inside a board's namespace; default `node iss.js run --config FILE`. */
  daemonCommand?: (board: BoardState) => string[];
  /** Give every board a directory (default true); the transport's system tests keep the group quiet. */
  directory?: boolean;
  /** directory.changeLogSize for every board (tests of the full refresh use a short log). */
  changeLogSize?: number;
  /** Failover between b1 (SM, VRRP priority 200) and b2 (BSM, 100) on the lab's virtual address. */
  failover?: boolean;
}

const setupParallelism = 8;

export class Lab {
  private constructor(
    private state: LabState,
    private readonly baseDir: string,
  ) {}

  static async create(options: CreateLabOptions): Promise<Lab> {
    const name = checkLabName(options.name);
    const baseDir = options.baseDir ?? labBaseDir();
    const state = planLab({
      name,
      boards: checkBoardCount(options.boards),
      rate: parseRate(options.rate ?? defaultRate),
      daemons: options.daemons ?? true,
      baseDir,
      command: options.daemonCommand ?? issRunCommand,
      ...(options.directory !== undefined ? { directory: options.directory } : {}),
      ...(options.changeLogSize !== undefined ? { changeLogSize: options.changeLogSize } : {}),
      ...(options.failover !== undefined ? { failover: options.failover } : {}),
    });
    await assertAbsent(state);
    try {
      await build(state);
    } catch (err) {
      await destroyLab(name, baseDir);
      throw err;
    }
    return new Lab(state, baseDir);
  }

  static open(name: string, baseDir = labBaseDir()): Lab {
    const dir = labDir(name, baseDir);
    const state = readState(dir);
    if (!state) {
      throw new Error(`no lab named '${name}' (no readable ${stateFile(dir)}); start one with 'iss lab up'`);
    }
    return new Lab(state, baseDir);
  }

  get name(): string {
    return this.state.name;
  }

  get boards(): readonly BoardState[] {
    return this.state.boards;
  }

  /** The whole persisted description: namespaces, addresses, files, pids and faults in force. */
  describe(): LabState {
    return structuredClone(this.state);
  }

  board(index: number): BoardState {
    return boardOf(this.state, index);
  }

  async fault(index: number, fault: Fault): Promise<void> {
    this.state = readState(this.state.dir) ?? this.state;
    await applyFault(this.state, boardOf(this.state, index), fault);
    writeState(this.state);
  }

  /** Runs `argv` inside board `index`'s namespace and resolves with its output; rejects on failure. */
  runInBoard(index: number, argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    return run(inNetns(this.board(index).namespace, argv), options);
  }

  /** Spawns `argv` inside board `index`'s namespace (`ip netns exec` execs in place: the pid is argv's). */
  spawnInBoard(index: number, argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
    return spawnInNetns(this.board(index).namespace, argv, options);
  }

  async status(): Promise<BoardStatus[]> {
    this.state = readState(this.state.dir) ?? this.state;
    return labStatus(this.state);
  }

  down(): Promise<DownReport> {
    return destroyLab(this.state.name, this.baseDir);
  }
}

export function createLab(options: CreateLabOptions): Promise<Lab> {
  return Lab.create(options);
}

export function openLab(name: string, baseDir?: string): Lab {
  return Lab.open(name, baseDir);
}

async function assertAbsent(state: LabState): Promise<void> {
  const leftovers = (await listNetns()).filter((ns) => isLabNamespace(state.name, ns));
  if (readState(state.dir) !== undefined || leftovers.length > 0) {
    throw new Error(`lab '${state.name}' already exists; 'iss lab down --name ${state.name}' removes it`);
  }
}

async function build(state: LabState): Promise<void> {
  writeState(state);
  writeSecretFile(state.keyFile, 32);
  writeSecretFile(state.directoryPasswordFile, 16, false);
  await writeCertificate(state.directoryCertFile, state.directoryKeyFile, state.subnet);
  for (const board of state.boards) writeBoardConfig(state, board);
  raiseSocketBufferLimits();
  await createSwitch(state);
  await inBatches(state.boards, (board) => addBoardNetwork(state, board));
  if (state.daemons) {
    for (const board of state.boards) board.pid = startDaemon(board);
  }
  state.complete = true;
  writeState(state);
}

async function inBatches<T>(items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += setupParallelism) {
    const results = await Promise.allSettled(items.slice(i, i + setupParallelism).map(task));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}
