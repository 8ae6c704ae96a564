// The virtual lab's public API for tests, benchmarks and the `iss lab` command.
export { createLab, openLab, Lab, type CreateLabOptions } from "./lab.js";
export { destroyLab, type DownReport } from "./teardown.js";
export { parseFault, faultUsage, type Fault } from "./faults.js";
export { queryControlStatus, type BoardStatus, type ControlAnswer } from "./status.js";
export type { BoardState, LabState } from "./state.js";
export { canBuildLab, privilegeMessage } from "./privileges.js";
export { CommandError, inNetns, spawnInNetns, systemTool, type RunOptions, type RunResult } from "./netns.js";
export { issRunCommand } from "./daemons.js";
export { defaultRate } from "./rate.js";
export { labBaseDir, checkLabName, maxBoards } from "./names.js";
