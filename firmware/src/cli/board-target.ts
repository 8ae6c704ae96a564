// Finds the board a CLI command works on: the board section of --config FILE (defaults without one), with
// --board, --device-tree and --sysfs overriding it (tests and the virtual lab point them at directories).
import { loadConfigFile } from "../config/load.js";
import type { BoardSection } from "../config/schema.js";
import { detectBoard, type DetectedBoard } from "../board/detect.js";
import { loadBoards } from "../board/load.js";

export const boardOptions = {
  config: { type: "string" },
  board: { type: "string" },
  "device-tree": { type: "string" },
  sysfs: { type: "string" },
} as const;

export interface BoardOptionValues {
  config?: string;
  board?: string;
  "device-tree"?: string;
  sysfs?: string;
}

export function boardSection(values: BoardOptionValues): BoardSection {
  let section: BoardSection | undefined;
  if (values.config) {
    const loaded = loadConfigFile(values.config);
    if (!loaded.ok)
      throw new Error(`${values.config}: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
    section = loaded.value.config.board;
  }
  return {
    name: values.board ?? section?.name,
    deviceTree: values["device-tree"] ?? section?.deviceTree ?? "/proc/device-tree",
    sysfs: values.sysfs ?? section?.sysfs ?? "/sys",
  };
}

export function detectForCli(section: BoardSection): DetectedBoard {
  return detectBoard({ boards: loadBoards(), deviceTree: section.deviceTree, expect: section.name });
}
