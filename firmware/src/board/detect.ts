// Finds the board the firmware runs on: reads the device tree's model (path injectable, so tests and the
// virtual lab use a directory of their own), matches it against the board definitions, checks the extra
// device-tree properties a carrier board needs and the architecture, and, when the config names the board
// it expects, that it is that one. Anything else is an error that says what was found, never a guess.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Board } from "./schema.js";

export class BoardDetectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BoardDetectError";
  }
}

export interface DetectOptions {
  boards: readonly Board[];
  /** The device-tree root, /proc/device-tree on a board. */
  deviceTree: string;
  /** The board id the config expects, if any. */
  expect?: string;
  /** Node's process.arch of this machine. */
  arch?: string;
}

export interface DetectedBoard {
  board: Board;
  /** The model string as the device tree has it (without its trailing NUL). */
  model: string;
}

const debianArch: Record<string, string> = { arm64: "arm64", x64: "amd64" };

/** Device-tree strings end with a NUL; a list property holds several NUL-separated strings. */
function dtStrings(raw: string): string[] {
  return raw.split("\0").filter((s) => s !== "");
}

export function readModel(deviceTree: string): string {
  const path = join(deviceTree, "model");
  try {
    return dtStrings(readFileSync(path, "latin1"))[0] ?? "";
  } catch (err) {
    throw new BoardDetectError(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)} (no device tree: not a supported board)`,
    );
  }
}

/** The model as the board file gives it, or with the " Rev x.y" the Raspberry Pi firmware appends. */
export function modelMatches(board: Board, model: string): boolean {
  const base = model.replace(/ Rev \d+\.\d+$/, "");
  return board.match.models.includes(base);
}

function missingProperties(board: Board, deviceTree: string): string[] {
  return board.match.deviceTree
    .filter((check) => {
      try {
        return !dtStrings(readFileSync(join(deviceTree, check.path), "latin1")).includes(check.contains);
      } catch {
        return true;
      }
    })
    .map((check) => `${join(deviceTree, check.path)} containing "${check.contains}"`);
}

function known(boards: readonly Board[]): string {
  return boards.map((b) => `${b.id} (${b.match.models.map((m) => `"${m}"`).join(" or ")})`).join(", ");
}

export function detectBoard(options: DetectOptions): DetectedBoard {
  const { boards, deviceTree } = options;
  if (options.expect !== undefined && !boards.some((b) => b.id === options.expect))
    throw new BoardDetectError(
      `the config names board '${options.expect}', which has no board file; known: ${known(boards)}`,
    );
  const model = readModel(deviceTree);
  const byModel = boards.filter((b) => modelMatches(b, model));
  if (byModel.length === 0)
    throw new BoardDetectError(
      `unknown board: ${join(deviceTree, "model")} says "${model}"; known: ${known(boards)}`,
    );
  const misses = new Map(byModel.map((b) => [b, missingProperties(b, deviceTree)]));
  const matching = byModel.filter((b) => misses.get(b)!.length === 0);
  if (matching.length === 0)
    throw new BoardDetectError(
      `unknown board: "${model}" is ${byModel.map((b) => `not ${b.id} (no ${misses.get(b)!.join(", ")})`).join(" and ")}`,
    );
  if (matching.length > 1)
    throw new BoardDetectError(
      `"${model}" matches several board files (${matching.map((b) => b.id).join(", ")}): their match rules must differ`,
    );
  const board = matching[0]!;
  const arch = options.arch ?? process.arch;
  if (board.arch !== "any" && debianArch[arch] !== board.arch)
    throw new BoardDetectError(
      `"${model}" is board ${board.id} (${board.arch}) but this firmware runs on ${arch}`,
    );
  if (options.expect !== undefined && board.id !== options.expect) {
    const expected = boards.find((b) => b.id === options.expect)!;
    throw new BoardDetectError(
      `wrong board: the config expects ${expected.id} (${expected.name}) but this is ${board.id} ("${model}")`,
    );
  }
  return { board, model };
}

/**
 * The board of a unit's config: with a board section, detection must succeed (and find the board it names);
 * without one, a machine with no device-tree model (a developer's PC, CI) has no board and gets null.
 */
export function detectConfiguredBoard(
  section: { name?: string; deviceTree: string } | undefined,
  boards: readonly Board[],
  defaultDeviceTree = "/proc/device-tree",
): DetectedBoard | null {
  if (!section && !existsSync(join(defaultDeviceTree, "model"))) return null;
  return detectBoard({ boards, deviceTree: section?.deviceTree ?? defaultDeviceTree, expect: section?.name });
}
