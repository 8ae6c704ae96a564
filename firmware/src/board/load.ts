// Reads the board definitions (board/*.yaml), validates each against the schema and reports every error
// as `file: field.path: message`. The definitions ship with the firmware, next to dist/.
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { formatPath } from "../config/field-path.js";
import { boardSchema, type Board } from "./schema.js";

/** The repository's board/ directory, from dist/firmware/src/board/ or firmware/src/board/. */
export const defaultBoardDir = fileURLToPath(new URL("../../../../board/", import.meta.url));

export interface BoardFileError {
  file: string;
  path: string;
  message: string;
}

export class BoardDefinitionError extends Error {
  constructor(readonly errors: BoardFileError[]) {
    super(`invalid board definition: ${errors.map((e) => `${e.file}: ${e.path}: ${e.message}`).join("; ")}`);
    this.name = "BoardDefinitionError";
  }
}

export type ParseBoardResult = { ok: true; board: Board } | { ok: false; errors: BoardFileError[] };

/** Validates one definition; `file` names it in errors and its base name must equal the board's id. */
export function parseBoard(text: string, file: string): ParseBoardResult {
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    return { ok: false, errors: [{ file, path: "(yaml)", message: (err as Error).message.split("\n")[0]! }] };
  }
  const parsed = boardSchema.safeParse(value);
  if (!parsed.success)
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({
        file,
        path: formatPath(issue.path),
        message: issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message,
      })),
    };
  const expected = basename(file).replace(/\.ya?ml$/, "");
  if (parsed.data.id !== expected)
    return { ok: false, errors: [{ file, path: "id", message: `must be '${expected}', the file's name` }] };
  return { ok: true, board: parsed.data };
}

/** Every definition in `dir`, sorted by id; throws BoardDefinitionError listing all errors of all files. */
export function loadBoards(dir = defaultBoardDir): Board[] {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const boards: Board[] = [];
  const errors: BoardFileError[] = [];
  for (const file of files) {
    const result = parseBoard(readFileSync(join(dir, file), "utf8"), file);
    if (result.ok) boards.push(result.board);
    else errors.push(...result.errors);
  }
  if (errors.length > 0) throw new BoardDefinitionError(errors);
  if (boards.length === 0)
    throw new BoardDefinitionError([{ file: dir, path: "(dir)", message: "no board files" }]);
  return boards;
}
