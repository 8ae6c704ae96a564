// Which directory `iss dir` talks to and as whom: `--uri` with `--bind-dn`/`--password-file`/`--ca-file`, or
// `-c iss.yaml` (the unit's own service address, ldaps:// when directory.tls is set, trusting its certificate,
// and the first configured user with write access, or read access for read commands). Explicit options win.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { loadConfigFile } from "../../config/load.js";
import type { ConnectOptions } from "./ldap-client.js";

export const targetOptions = {
  uri: { type: "string" },
  "bind-dn": { type: "string" },
  "password-file": { type: "string" },
  "ca-file": { type: "string" },
  config: { type: "string", short: "c" },
  "follow-referrals": { type: "boolean", default: false },
} as const;

export interface TargetValues {
  uri?: string;
  "bind-dn"?: string;
  "password-file"?: string;
  "ca-file"?: string;
  config?: string;
}

export interface Target {
  connect: ConnectOptions;
  /** directory.suffix of the config, the default search base */
  suffix: string | undefined;
}

function readPassword(path: string): string {
  return readFileSync(path, "utf8").replace(/\r?\n$/, "");
}

function fromConfig(path: string, access: "read" | "write"): Target {
  const loaded = loadConfigFile(path);
  if (!loaded.ok)
    throw new Error(`${path}: ${loaded.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
  const { config, directoryUsers } = loaded.value;
  const directory = config.directory;
  if (!directory) throw new Error(`${path} has no directory section`);
  const user =
    access === "write"
      ? directoryUsers.find((u) => u.access === "write")
      : (directoryUsers.find((u) => u.access === "read") ?? directoryUsers[0]);
  if (access === "write" && !user) throw new Error(`${path}: no directory user has access write`);
  const host = config.network.address;
  const connect: ConnectOptions = directory.tls
    ? {
        uri: `ldaps://${host}:${directory.tls.port}`,
        ca: readFileSync(resolve(dirname(resolve(path)), directory.tls.certFile)),
      }
    : { uri: `ldap://${host}:${directory.port}` };
  if (user) Object.assign(connect, { bindDn: user.dn, password: user.password.toString("utf8") });
  return { connect, suffix: directory.suffix };
}

export function resolveTarget(values: TargetValues, access: "read" | "write"): Target {
  if (!values.config && !values.uri) throw new Error("give --uri ldap://HOST:PORT or -c CONFIG");
  const target: Target = values.config
    ? fromConfig(values.config, access)
    : { connect: { uri: "" }, suffix: undefined };
  const connect = { ...target.connect };
  if (values.uri) {
    if (!/^ldaps?:\/\/[^/\s]+\/?$/.test(values.uri))
      throw new Error(`--uri ${values.uri}: expected ldap://HOST:PORT or ldaps://HOST:PORT`);
    connect.uri = values.uri;
  }
  if (values["bind-dn"] !== undefined) {
    if (values["password-file"] === undefined) throw new Error("--bind-dn needs --password-file");
    connect.bindDn = values["bind-dn"];
  }
  if (values["password-file"] !== undefined) connect.password = readPassword(values["password-file"]);
  if (values["ca-file"] !== undefined) connect.ca = readFileSync(values["ca-file"]);
  return { connect, suffix: target.suffix };
}
