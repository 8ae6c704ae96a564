// Reads iss.yaml, validates it against the schema and resolves key files. Returns every error with its
// field path instead of stopping at the first, so `iss check-config` can list them all.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { configSchema, type IssConfig } from "./schema.js";

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

export interface LoadedConfig {
  config: IssConfig;
  keys: SiteKey[];
  directoryUsers: DirectoryUser[];
}

export type LoadResult = { ok: true; value: LoadedConfig } | { ok: false; errors: ConfigError[] };

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

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
  const parsed = configSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({
        path: formatPath(issue.path),
        message: issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message,
      })),
    };
  }
  const errors: ConfigError[] = [];
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
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { config: parsed.data, keys, directoryUsers } };
}

/** The complete file content is the password, as `ldapsearch -y` reads it (a trailing newline counts). */
function readPasswordFile(path: string, field: string, errors: ConfigError[]): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    errors.push({
      path: field,
      message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    });
    return undefined;
  }
  if (text.length < 12) {
    errors.push({ path: field, message: `${path} must hold a password of at least 12 characters` });
    return undefined;
  }
  return Buffer.from(text, "utf8");
}

function readKeyFile(path: string, field: string, errors: ConfigError[]): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (err) {
    errors.push({
      path: field,
      message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    });
    return undefined;
  }
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
