// The lab's persisted state (state.json in the lab directory): every board with its namespace, address,
// files, daemon command and pid, and the faults in force. Written atomically and before anything is
// created, so `down`, `status` and `fault` work from another process and after a crash of `up`.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  boardAddress,
  boardInterface,
  boardNamespace,
  boardRole,
  bridgeName,
  checkBoardCount,
  labDir,
  multicastGroup,
  portName,
  prefixLength,
  subnet,
  switchNamespace,
} from "./names.js";

export interface BoardState {
  index: number;
  name: string;
  namespace: string;
  interface: string;
  address: string;
  prefixLength: number;
  port: string;
  role: "sm" | "bsm" | "se";
  /** The daemon's command line, run inside the namespace; `restart` runs it again. */
  command: string[];
  pid: number | null;
  configPath: string;
  logPath: string;
  controlSocket: string;
  dataDir: string;
  cut: boolean;
  loss: number;
}

export interface LabState {
  version: 1;
  name: string;
  dir: string;
  createdAt: string;
  /** False until `up` finished; a lab left incomplete was interrupted. */
  complete: boolean;
  rate: string | null;
  daemons: boolean;
  switchNamespace: string;
  bridge: string;
  subnet: string;
  group: string;
  keyFile: string;
  /** Password of the directory's admin user (cn=admin under labSuffix), random per lab, mode 0600. */
  directoryPasswordFile: string;
  /** The lab's self-signed certificate and key for LDAPS on every board (the certificate is its own CA). */
  directoryCertFile: string;
  directoryKeyFile: string;
  /** Whether the boards' configs have a directory section (the transport's own tests run without). */
  directory: boolean;
  /** directory.changeLogSize of every board; null leaves the daemon's default. */
  changeLogSize: number | null;
  /** Whether the SM (b1) and BSM (b2) run failover (VRRP, the virtual address, synchronous replication). */
  failover: boolean;
  boards: BoardState[];
}

export interface LabPlan {
  name: string;
  boards: number;
  rate: string | null;
  daemons: boolean;
  baseDir: string;
  command: (board: BoardState) => string[];
  directory?: boolean;
  changeLogSize?: number;
  failover?: boolean;
}

export function planLab(plan: LabPlan): LabState {
  const dir = labDir(plan.name, plan.baseDir);
  const boards = Array.from({ length: checkBoardCount(plan.boards) }, (_, i) =>
    planBoard(plan.name, dir, i + 1),
  );
  for (const board of boards) board.command = plan.command(board);
  return {
    version: 1,
    name: plan.name,
    dir,
    createdAt: new Date().toISOString(),
    complete: false,
    rate: plan.rate,
    daemons: plan.daemons,
    switchNamespace: switchNamespace(plan.name),
    bridge: bridgeName,
    subnet: subnet(plan.name),
    group: multicastGroup,
    keyFile: join(dir, "site.key"),
    directoryPasswordFile: join(dir, "directory-admin.pw"),
    directoryCertFile: join(dir, "directory-cert.pem"),
    directoryKeyFile: join(dir, "directory-key.pem"),
    directory: plan.directory ?? true,
    changeLogSize: plan.changeLogSize ?? null,
    failover: plan.failover ?? false,
    boards,
  };
}

function planBoard(name: string, dir: string, index: number): BoardState {
  const boardDir = join(dir, `b${index}`);
  return {
    index,
    name: `b${index}`,
    namespace: boardNamespace(name, index),
    interface: boardInterface,
    address: boardAddress(name, index),
    prefixLength,
    port: portName(name, index),
    role: boardRole(index),
    command: [],
    pid: null,
    configPath: join(boardDir, "iss.yaml"),
    logPath: join(boardDir, "daemon.log"),
    controlSocket: join(boardDir, "control.sock"),
    dataDir: join(boardDir, "data"),
    cut: false,
    loss: 0,
  };
}

export function stateFile(dir: string): string {
  return join(dir, "state.json");
}

export function writeState(state: LabState): void {
  mkdirSync(state.dir, { recursive: true });
  const tmp = `${stateFile(state.dir)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n");
  renameSync(tmp, stateFile(state.dir));
}

/** The state in `dir`, or undefined when there is none or it cannot be read (a crash, a stray edit). */
export function readState(dir: string): LabState | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFile(dir), "utf8")) as LabState;
    return state.version === 1 && Array.isArray(state.boards) ? state : undefined;
  } catch {
    return undefined;
  }
}

export function boardOf(state: LabState, index: number): BoardState {
  const board = state.boards.find((b) => b.index === index);
  if (!board) throw new Error(`lab ${state.name} has no board ${index} (it has 1-${state.boards.length})`);
  return board;
}
