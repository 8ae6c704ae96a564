// The README's example iss.yaml is a config the firmware accepts: its files are written to a directory of
// their own (the example's /etc/iss/ paths moved there) and the loader must find nothing else wrong.
import test from "ava";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config/load.js";

test("the README's example config loads once its key and password files exist", (t) => {
  const readme = readFileSync(join(process.cwd(), "README.md"), "utf8");
  const example = /^```yaml\n([\s\S]*?)^```/m.exec(readme)?.[1];
  if (example === undefined) return t.fail("README.md has no yaml block");
  const dir = mkdtempSync(join(tmpdir(), "iss-readme-"));
  const text = example.replaceAll("/etc/iss/", `${dir}/`);
  writeFileSync(join(dir, "site.key"), `${"3c".repeat(32)}\n`, { mode: 0o600 });
  for (const file of ["ldap-admin.pw", "snmp.auth", "snmp.priv"])
    writeFileSync(join(dir, file), "a-per-device-secret\n", { mode: 0o600 });
  const r = parseConfig(text, dir);
  if (!r.ok) return t.fail(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  t.like(r.value.config, { node: { role: "bsm" }, board: { name: "rpi4b" } });
  t.deepEqual(
    r.value.config.switch?.ports.map((p) => p.name),
    ["eth1", "eth2"],
  );
});
