// Config validation: a valid file loads with its defaults; every kind of mistake is reported with its field
// path, all at once; `iss check-config` prints them and exits 1.
import test from "ava";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseConfig } from "../src/config/load.js";

const secret = "ab".repeat(32);
const valid = `
node: { name: b3, id: 3, role: se, dataDir: /tmp/x }
network: { interface: eth0, address: 10.77.0.3 }
rmtp:
  group: 239.192.77.1
  keys: [{ id: 1, secret: ${secret} }]
  sendKeyId: 1
`;

function errorsOf(text: string, dir = "/") {
  const r = parseConfig(text, dir);
  return r.ok ? [] : r.errors;
}

test("a valid config loads with the documented defaults", (t) => {
  const r = parseConfig(valid, "/");
  if (!r.ok) return t.fail(JSON.stringify(r.errors));
  t.is(r.value.config.rmtp.port, 5405);
  t.is(r.value.config.rmtp.frameBytes, 1400);
  t.deepEqual(r.value.config.rmtp.window, { initial: 64, min: 8, max: 1024 });
  t.is(r.value.config.control.socket, "/run/iss/iss.sock");
  t.deepEqual(r.value.keys, [{ id: 1, secret: Buffer.from(secret, "hex") }]);
});

test("missing sections are reported as required, each with its path", (t) => {
  t.deepEqual(errorsOf("{}"), [
    { path: "node", message: "is required" },
    { path: "network", message: "is required" },
    { path: "rmtp", message: "is required" },
  ]);
});

test("every bad field is reported with its path in one pass", (t) => {
  const text = valid
    .replace("name: b3", "name: B_3")
    .replace("address: 10.77.0.3", "address: 10.77.0.300")
    .replace("group: 239.192.77.1", "group: 10.1.1.1")
    .replace(`secret: ${secret}`, "secret: abcd")
    .replace("sendKeyId: 1", "sendKeyId: 1\n  frameBytes: 99\n  colour: red");
  const paths = errorsOf(text).map((e) => e.path);
  t.deepEqual(
    paths.sort(),
    ["network.address", "node.name", "rmtp", "rmtp.frameBytes", "rmtp.group", "rmtp.keys[0].secret"].sort(),
  );
  t.true(
    errorsOf(text).some((e) => e.path === "rmtp" && /colour/.test(e.message)),
    "unknown keys are named",
  );
});

test("sendKeyId must name a configured key; key ids are unique; no default key exists", (t) => {
  t.deepEqual(errorsOf(valid.replace("sendKeyId: 1", "sendKeyId: 2")), [
    { path: "rmtp.sendKeyId", message: "sendKeyId must name one of the keys" },
  ]);
  const twice = valid.replace(
    `keys: [{ id: 1, secret: ${secret} }]`,
    `keys: [{ id: 1, secret: ${secret} }, { id: 1, secret: ${secret} }]`,
  );
  t.deepEqual(errorsOf(twice), [{ path: "rmtp.keys", message: "key ids must be unique" }]);
  t.deepEqual(errorsOf(valid.replace(`keys: [{ id: 1, secret: ${secret} }]`, "keys: []")), [
    { path: "rmtp.keys", message: "at least one site key is required" },
    { path: "rmtp.sendKeyId", message: "sendKeyId must name one of the keys" },
  ]);
});

test("window limits must be ordered", (t) => {
  t.deepEqual(errorsOf(valid + "  window: { initial: 4, min: 8, max: 16 }\n"), [
    { path: "rmtp.window", message: "needs min <= initial <= max" },
  ]);
});

test("a key file is read relative to the config, must exist and must hold hex", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iss-config-"));
  const withFile = valid.replace(`secret: ${secret}`, "secretFile: site.key");
  t.regex(errorsOf(withFile, dir)[0]?.message ?? "", /cannot read .*site\.key: ENOENT/);
  writeFileSync(join(dir, "site.key"), "not hex\n");
  t.deepEqual(
    errorsOf(withFile, dir).map((e) => e.path),
    ["rmtp.keys[0].secretFile"],
  );
  writeFileSync(join(dir, "site.key"), secret + "\n");
  chmodSync(join(dir, "site.key"), 0o600);
  t.true(parseConfig(withFile, dir).ok);
});

test("SNMP password files are read relative to the config; each missing or short one is named", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iss-config-"));
  const withSnmp = `${valid}snmp:
  users: [{ name: ops, authPasswordFile: auth.pw, privPasswordFile: priv.pw, access: write }]
  v2c: { communityFile: community, allow: [10.77.0.0/24] }
`;
  writeFileSync(join(dir, "auth.pw"), "short\n");
  t.deepEqual(
    errorsOf(withSnmp, dir).map((e) => e.path),
    ["snmp.users[0].authPasswordFile", "snmp.users[0].privPasswordFile", "snmp.v2c.communityFile"],
  );
  t.regex(errorsOf(withSnmp, dir)[0]?.message ?? "", /auth\.pw must hold at least 8 characters/);
  writeFileSync(join(dir, "auth.pw"), "auth-secret-1\n");
  writeFileSync(join(dir, "priv.pw"), "priv-secret-2");
  writeFileSync(join(dir, "community"), "community-3\n");
  const r = parseConfig(withSnmp, dir);
  if (!r.ok) return t.fail(JSON.stringify(r.errors));
  t.deepEqual(r.value.snmp, {
    users: [{ name: "ops", authPassword: "auth-secret-1", privPassword: "priv-secret-2", access: "write" }],
    community: "community-3",
  });
});

test("YAML syntax errors name the line", (t) => {
  const errors = errorsOf("node: {name: b3\nnetwork: [");
  t.true(errors.length > 0);
  t.regex(errors[0]!.path, /^line \d+, column \d+$/);
});

test("iss check-config prints every error with its path and exits 1; a good file exits 0", async (t) => {
  const run = promisify(execFile);
  const dir = mkdtempSync(join(tmpdir(), "iss-config-"));
  const cli = join(process.cwd(), "dist/firmware/src/cli/iss.js");
  writeFileSync(join(dir, "bad.yaml"), valid.replace("id: 3", "id: 0").replace("role: se", "role: boss"));
  const bad = await run(process.execPath, [cli, "check-config", join(dir, "bad.yaml")]).catch(
    (e: { code: number; stderr: string }) => e,
  );
  t.is((bad as { code: number }).code, 1);
  t.regex((bad as { stderr: string }).stderr, /node\.id: /);
  t.regex((bad as { stderr: string }).stderr, /node\.role: /);
  t.regex((bad as { stderr: string }).stderr, /2 error\(s\)/);
  writeFileSync(join(dir, "good.yaml"), valid);
  const good = await run(process.execPath, [cli, "check-config", join(dir, "good.yaml")]);
  t.regex(good.stdout, /ok \(node b3, id 3, role se\)/);
});
