// Reads iss.yaml, validates it against the schema and reads the key and password files it names (relative
// paths from the config file's directory); when board.name names a board, its board file gives the switch
// its ports. Returns every error with its field path instead of stopping at the first, so
// `iss check-config` can list them all.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { loadBoards } from "../board/load.js";
import type { Board } from "../board/schema.js";
import { boardBridgePorts, switchPortErrors } from "../board/switch-ports.js";
import { formatPath } from "./field-path.js";
import { configSchema, type IssConfig } from "./schema.js";
import type { SnmpConfig } from "./snmp-schema.js";

export interface ConfigError {
  path: string;
  message: string;
}

export interface SiteKey {
  id: number;
  secret: Buffer;
}

/** A directory user with the password read from its passwordFile. */
export interface DirectoryUser {
  dn: string;
  password: Buffer;
  access: "read" | "write";
}

/** An SNMPv3 USM user with the passwords read from its files. */
export interface SnmpUser {
  name: string;
  authPassword: string;
  privPassword: string;
  access: "read" | "write";
}

/** The SNMP section's secrets: its users' passwords and, when v2c is on, the community. */
export interface SnmpSecrets {
  users: SnmpUser[];
  community: string | null;
}

export interface LoadedConfig {
  config: IssConfig;
  keys: SiteKey[];
  directoryUsers: DirectoryUser[];
  /** Null when the config has no snmp section. */
  snmp: SnmpSecrets | null;
}

export type LoadResult = { ok: true; value: LoadedConfig } | { ok: false; errors: ConfigError[] };

export function parseConfig(text: string, baseDir: string): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter: lines });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const at = lines.linePos(e.pos[0]);
        return { path: `line ${at.line}, column ${at.col}`, message: e.message.split("\n")[0] ?? e.message };
      }),
    };
  }
  const raw: unknown = doc.toJS();
  const board = namedBoard(raw);
  if (board && "errors" in board) return { ok: false, errors: board.errors };
  const parsed = configSchema.safeParse(board ? withBoardPorts(raw, board) : raw);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => {
        const path = formatPath(issue.path);
        const required = issue.code === "invalid_type" && issue.input === undefined;
        return { path, message: required ? requiredMessage(path) : issue.message };
      }),
    };
  }
  const errors: ConfigError[] =
    board && parsed.data.switch ? switchPortErrors(board, parsed.data.switch.ports) : [];
  const keys: SiteKey[] = [];
  parsed.data.rmtp.keys.forEach((key, index) => {
    const hex =
      key.secret ??
      readKeyFile(resolve(baseDir, key.secretFile ?? ""), `rmtp.keys[${index}].secretFile`, errors);
    if (hex !== undefined) keys.push({ id: key.id, secret: Buffer.from(hex, "hex") });
  });
  const directoryUsers: DirectoryUser[] = [];
  parsed.data.directory?.users.forEach((user, index) => {
    const password = readPasswordFile(
      resolve(baseDir, user.passwordFile),
      `directory.users[${index}].passwordFile`,
      errors,
    );
    if (password !== undefined) directoryUsers.push({ dn: user.dn, password, access: user.access });
  });
  const snmp = parsed.data.snmp ? readSnmpSecrets(parsed.data.snmp, baseDir, errors) : null;
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { config: parsed.data, keys, directoryUsers, snmp } };
}

function requiredMessage(path: string): string {
  return path === "switch.ports"
    ? "is required unless board.name names the board (the switch then takes the board's ports)"
    : "is required";
}

/** The board file that board.name names, if it names one; an unknown name is an error at board.name. */
function namedBoard(raw: unknown): Board | { errors: ConfigError[] } | null {
  const name = (raw as { board?: { name?: unknown } } | null)?.board?.name;
  if (typeof name !== "string") return null;
  let boards: Board[];
  try {
    boards = loadBoards();
  } catch (err) {
    return { errors: [{ path: "board.name", message: (err as Error).message }] };
  }
  const board = boards.find((b) => b.id === name);
  if (board) return board;
  const known = boards.map((b) => b.id).join(", ");
  return { errors: [{ path: "board.name", message: `no board file ${name}.yaml (known boards: ${known})` }] };
}

/** A switch section without ports takes the board's (docs/switch.md, Ports from the board). */
function withBoardPorts(raw: unknown, board: Board): unknown {
  const config = raw as { switch?: unknown };
  const section = config.switch;
  if (typeof section !== "object" || section === null || "ports" in section) return raw;
  return { ...config, switch: { ...section, ports: boardBridgePorts(board).map((name) => ({ name })) } };
}

function readSnmpSecrets(snmp: SnmpConfig, baseDir: string, errors: ConfigError[]): SnmpSecrets {
  const read = (file: string, field: string): string =>
    readSnmpSecretFile(resolve(baseDir, file), field, errors) ?? "";
  return {
    users: snmp.users.map((u, i) => ({
      name: u.name,
      authPassword: read(u.authPasswordFile, `snmp.users[${i}].authPasswordFile`),
      privPassword: read(u.privPasswordFile, `snmp.users[${i}].privPasswordFile`),
      access: u.access,
    })),
    community: snmp.v2c ? read(snmp.v2c.communityFile, "snmp.v2c.communityFile") : null,
  };
}

/** The file's content less one trailing newline, at least 8 characters (USM's minimum password length). */
function readSnmpSecretFile(path: string, field: string, errors: ConfigError[]): string | undefined {
  const text = readText(path, field, errors)?.replace(/\r?\n$/, "");
  if (text === undefined) return undefined;
  if (text.length < 8) {
    errors.push({ path: field, message: `${path} must hold at least 8 characters` });
    return undefined;
  }
  return text;
}

function readText(path: string, field: string, errors: ConfigError[]): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    errors.push({
      path: field,
      message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    });
    return undefined;
  }
}

/** The complete file content is the password, as `ldapsearch -y` reads it (a trailing newline counts). */
function readPasswordFile(path: string, field: string, errors: ConfigError[]): Buffer | undefined {
  const text = readText(path, field, errors);
  if (text === undefined) return undefined;
  if (text.length < 12) {
    errors.push({ path: field, message: `${path} must hold a password of at least 12 characters` });
    return undefined;
  }
  return Buffer.from(text, "utf8");
}

function readKeyFile(path: string, field: string, errors: ConfigError[]): string | undefined {
  const text = readText(path, field, errors)?.trim();
  if (text === undefined) return undefined;
  if (!/^[0-9a-fA-F]+$/.test(text) || text.length < 64 || text.length % 2 !== 0) {
    errors.push({ path: field, message: `${path} must hold at least 32 bytes as hexadecimal` });
    return undefined;
  }
  return text;
}

export function loadConfigFile(path: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return {
      ok: false,
      errors: [
        {
          path: "(file)",
          message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        },
      ],
    };
  }
  return parseConfig(text, dirname(resolve(path)));
}
