// Test helper: a throwaway OpenLDAP slapd (Debian's package, back-mdb) with core.schema and iss.schema, the
// example suffix, a random rootpw in a file, on free ports of 127.0.0.1; optionally LDAPS with a self-signed
// certificate made by `openssl req`. Also runs commands (ldap-utils) and says what is missing.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = fileURLToPath(new URL("../../../../", import.meta.url));
export const schemaFile = join(repo, "firmware/schema/iss.schema");
export const exampleLdif = join(repo, "firmware/schema/example-lan.ldif");
export const suffix = "dc=lan1,dc=iss,dc=example";
export const rootDn = `cn=admin,${suffix}`;
export const slapdBin = "/usr/sbin/slapd";
export const slaptestBin = "/usr/sbin/slaptest";
const debianSchema = "/etc/ldap/schema";
const mdbModuleDir = "/usr/lib/ldap";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; `code` is its exit code (-1 when it could not run or was killed). */
export function run(
  cmd: string,
  args: string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { timeout: options.timeoutMs ?? 20_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.on("error", () => undefined); // a tool that exits without reading its input
    child.stdin?.end(options.input ?? "");
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? "").split(":").some((d) => {
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Throws a clear error naming what is missing when slapd or ldap-utils (or openssl, for TLS) is not installed. */
export function requireOpenLdap(tools: string[] = ["ldapadd", "ldapsearch"]): void {
  const missing = [
    slapdBin,
    slaptestBin,
    join(debianSchema, "core.schema"),
    join(mdbModuleDir, "back_mdb.so"),
  ].filter((f) => !existsSync(f));
  for (const tool of tools) if (!onPath(tool)) missing.push(tool);
  if (missing.length > 0)
    throw new Error(
      `OpenLDAP is not installed (missing: ${missing.join(", ")}); install the Debian packages slapd and ldap-utils ` +
        "(bash tools/ensure-deps.sh does it as root)",
    );
}

export interface Slapd {
  /** ldap://127.0.0.1:PORT */
  uri: string;
  /** ldaps://127.0.0.1:PORT when started with tls */
  ldapsUri: string | undefined;
  /** the self-signed certificate slapd serves on ldapsUri (also the CA to trust) */
  caFile: string | undefined;
  dir: string;
  conf: string;
  passwordFile: string;
  log(): string;
  /** runs an ldap-utils tool with -x -H uri */
  ldap(tool: string, args: string[], input?: string): Promise<Run>;
  /** runs an ldap-utils tool bound as the rootdn */
  ldapAsRoot(tool: string, args: string[], input?: string): Promise<Run>;
  stop(): Promise<void>;
}

async function selfSignedCertificate(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const r = await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
    "-keyout",
    key,
    "-out",
    cert,
  ]);
  if (r.code !== 0) throw new Error(`openssl req exited ${r.code}: ${r.stderr}`);
  return { cert, key };
}

export async function startSlapd(options: { tls?: boolean } = {}): Promise<Slapd> {
  requireOpenLdap();
  const dir = mkdtempSync(join(tmpdir(), "iss-slapd-"));
  const conf = join(dir, "slapd.conf");
  const passwordFile = join(dir, "rootpw");
  const pw = randomBytes(18).toString("base64url");
  writeFileSync(passwordFile, pw, { mode: 0o600 });
  mkdirSync(join(dir, "db"));
  const tls = options.tls ? await selfSignedCertificate(dir) : undefined;
  writeFileSync(
    conf,
    [
      `modulepath ${mdbModuleDir}`,
      "moduleload back_mdb",
      `include ${debianSchema}/core.schema`,
      `include ${schemaFile}`,
      `pidfile ${join(dir, "slapd.pid")}`,
      ...(tls ? [`TLSCertificateFile ${tls.cert}`, `TLSCertificateKeyFile ${tls.key}`] : []),
      "database mdb",
      `directory ${join(dir, "db")}`,
      "maxsize 67108864",
      `suffix "${suffix}"`,
      `rootdn "${rootDn}"`,
      `rootpw ${pw}`,
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  const uri = `ldap://127.0.0.1:${await freePort()}`;
  const ldapsUri = tls ? `ldaps://127.0.0.1:${await freePort()}` : undefined;
  const listen = [uri, ldapsUri].filter((u) => u !== undefined).map((u) => `${u}/`);
  const child: ChildProcess = spawn(slapdBin, ["-d", "0", "-f", conf, "-h", listen.join(" ")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const ldap = (tool: string, args: string[], input?: string): Promise<Run> =>
    run(tool, ["-x", "-H", uri, ...args], input === undefined ? {} : { input });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`slapd exited ${child.exitCode} at start: ${log}`);
    }
    const r = await ldap("ldapsearch", ["-LLL", "-b", "", "-s", "base", "(objectClass=*)", "namingContexts"]);
    if (r.code === 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`slapd did not answer on ${uri} within 15 s: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    uri,
    ldapsUri,
    caFile: tls?.cert,
    dir,
    conf,
    passwordFile,
    log: () => log,
    ldap,
    ldapAsRoot: (tool, args, input) => ldap(tool, ["-D", rootDn, "-y", passwordFile, ...args], input),
    stop,
  };
}
