// The snmp section of iss.yaml: defaults (port 161, PEN 32473, SHA-256 and AES-128, v2c off, no
// notifications), and each mistake reported with its field path: no users (there is no default
// credential), a notification user that is not a configured user, v2c without allowed sources.
import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config/load.js";

const base = `
node: { name: b3, id: 3, role: se, dataDir: /tmp/x }
network: { interface: eth0, address: 10.77.0.3 }
rmtp:
  group: 239.192.77.1
  keys: [{ id: 1, secret: ${"ab".repeat(32)} }]
  sendKeyId: 1
`;

/** A config directory holding the password files a, p and c (relative paths resolve from it). */
const dir = mkdtempSync(join(tmpdir(), "iss-snmp-config-"));
for (const f of ["a", "p", "c"]) writeFileSync(join(dir, f), `password-${f}\n`, { mode: 0o600 });

function parse(snmp: string) {
  return parseConfig(`${base}snmp:\n${snmp}`, dir);
}

test("defaults: port 161, the documentation PEN, SHA-256 with AES-128, v2c off", (t) => {
  const r = parse("  users: [{ name: ops, authPasswordFile: a, privPasswordFile: p, access: write }]\n");
  if (!r.ok) return t.fail(JSON.stringify(r.errors));
  t.deepEqual(r.value.snmp, {
    users: [{ name: "ops", authPassword: "password-a", privPassword: "password-p", access: "write" }],
    community: null,
  });
  const s = r.value.config.snmp;
  t.like(s, { port: 161, enterprise: 32473, authProtocol: "sha256", privProtocol: "aes128" });
  t.is(s?.v2c, undefined);
  t.is(s?.notifications, undefined);
});

test("errors carry their field path", (t) => {
  const errors = (text: string): string[] => {
    const r = parse(text);
    return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
  };
  t.deepEqual(errors("  users: []\n"), ["snmp.users: at least one SNMPv3 user is required"]);
  t.deepEqual(
    errors(
      "  users: [{ name: ops, authPasswordFile: a, privPasswordFile: p }]\n  notifications: { user: nobody, targets: [{ address: 10.0.0.9 }] }\n",
    ),
    ["snmp.notifications.user: must name one of snmp.users"],
  );
  t.deepEqual(
    errors(
      "  users: [{ name: ops, authPasswordFile: a, privPasswordFile: p }]\n  v2c: { communityFile: c, allow: [10.0.0.0/33] }\n",
    ),
    ["snmp.v2c.allow[0]: must be an IPv4 address or prefix such as 10.77.0.0/24"],
  );
  t.deepEqual(
    errors("  users: [{ name: ops, authPasswordFile: a, privPasswordFile: p }]\n  authProtocol: md5\n")
      .length,
    1,
  );
});
