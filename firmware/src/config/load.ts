// Reads iss.yaml, validates it against the schema and reads the key and password files it names (relative
// paths from the config file's directory). Returns every error with its field path instead of stopping at
// the first, so `iss check-config` can list them all.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
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
  const snmp = parsed.data.snmp ? readSnmpSecrets(parsed.data.snmp, baseDir, errors) : null;
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { config: parsed.data, keys, directoryUsers, snmp } };
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
