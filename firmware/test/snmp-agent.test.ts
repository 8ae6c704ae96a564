// The UDP agent (net-snmp bound to the MIB engine) against Debian's Net-SNMP tools on 127.0.0.1:
// snmpget, snmpgetnext, snmpwalk, snmpbulkwalk and snmpset with SNMPv3 authPriv (SHA-256, AES-128);
// a read-only user's SET is refused with noAccess; wrong keys and v2c without a v2c section get no answer
// and count as authentication failures; a configured v2c community is read-only and source-restricted.
import test from "ava";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mibDirs } from "./helpers/snmp-tools.js";
import { startTestAgent, type TestAgent } from "./helpers/snmp-snapshot.js";

const exec = promisify(execFile);
const mibs = ["-M", `+:${mibDirs}`, "-m", "+ISS-MIB"];

function v3(a: TestAgent, who: "writer" | "reader", auth?: string): string[] {
  const u = a.users[who];
  return [
    "-v3",
    "-l",
    "authPriv",
    "-u",
    u.name,
    "-a",
    "SHA-256",
    "-A",
    auth ?? u.auth,
    "-x",
    "AES",
    "-X",
    u.priv,
  ];
}

async function tool(cmd: string, args: string[]): Promise<{ out: string; ok: boolean }> {
  try {
    const r = await exec(cmd, [...mibs, "-r", "2", "-t", "2", ...args]);
    return { out: r.stdout, ok: true };
  } catch (err) {
    const e = err as { stdout: string; stderr: string };
    return { out: e.stdout + e.stderr, ok: false };
  }
}

test("snmpget, snmpgetnext, snmpwalk and snmpbulkwalk with SNMPv3 authPriv", async (t) => {
  const a = await startTestAgent();
  t.teardown(() => a.agent.close());
  const target = `127.0.0.1:${a.port}`;
  const get = await tool("snmpget", [
    ...v3(a, "reader"),
    target,
    "SNMPv2-MIB::sysName.0",
    "ISS-MIB::issUnitRole.0",
  ]);
  t.true(get.ok, get.out);
  t.regex(get.out, /sysName\.0 = STRING: b7/);
  t.regex(get.out, /issUnitRole\.0 = INTEGER: se\(3\)/);
  const next = await tool("snmpgetnext", [...v3(a, "reader"), target, "ISS-MIB::issTransport"]);
  t.regex(next.out, /issTxFramesSent\.0 = Counter64: 1099511627776/);
  const walk = await tool("snmpwalk", [...v3(a, "reader"), target, "ISS-MIB::issMIB"]);
  t.regex(walk.out, /issUnitManagerAddress\.0 = IpAddress: 10\.77\.0\.1/);
  t.regex(walk.out, /issDirLag\.0 = Gauge32: 1/);
  t.notRegex(walk.out, /issSwitch/);
  const bulk = await tool("snmpbulkwalk", [...v3(a, "reader"), target, "IF-MIB::ifXTable"]);
  t.regex(bulk.out, /ifHCInOctets\.3 = Counter64: 5000000003/);
  t.deepEqual(a.errors, []);
});

test("snmpset of issUnitIdentify by a write user identifies; a read user gets noAccess", async (t) => {
  const a = await startTestAgent();
  t.teardown(() => a.agent.close());
  const target = `127.0.0.1:${a.port}`;
  const set = await tool("snmpset", [...v3(a, "writer"), target, "ISS-MIB::issUnitIdentify.0", "u", "45"]);
  t.true(set.ok, set.out);
  t.deepEqual(a.actions, [{ kind: "identify", seconds: 45 }]);
  const refused = await tool("snmpset", [...v3(a, "reader"), target, "ISS-MIB::issUnitIdentify.0", "u", "5"]);
  t.regex(refused.out, /noAccess/);
  const bad = await tool("snmpset", [...v3(a, "writer"), target, "ISS-MIB::issUnitIdentify.0", "u", "4000"]);
  t.regex(bad.out, /wrongValue/);
  t.is(a.actions.length, 1);
});

test("wrong keys and v2c without a v2c section get no answer and count as authentication failures", async (t) => {
  const a = await startTestAgent();
  t.teardown(() => a.agent.close());
  const target = `127.0.0.1:${a.port}`;
  const wrong = await tool("snmpget", [
    ...v3(a, "reader", "not-the-password"),
    target,
    "SNMPv2-MIB::sysName.0",
  ]);
  t.false(wrong.ok);
  const v2c = await tool("snmpget", ["-v2c", "-c", "public", target, "SNMPv2-MIB::sysName.0"]);
  t.false(v2c.ok);
  t.regex(v2c.out, /Timeout/);
  t.true(a.authFailures.length >= 2, a.authFailures.join("; "));
});

test("a configured v2c community reads, cannot write, and only from the allowed sources", async (t) => {
  const a = await startTestAgent({ v2c: { community: "lab-community-x", allow: ["127.0.0.0/8"] } });
  t.teardown(() => a.agent.close());
  const target = `127.0.0.1:${a.port}`;
  const get = await tool("snmpget", ["-v2c", "-c", "lab-community-x", target, "SNMPv2-MIB::sysLocation.0"]);
  t.regex(get.out, /STRING: rack 4/);
  const set = await tool("snmpset", [
    "-v2c",
    "-c",
    "lab-community-x",
    target,
    "ISS-MIB::issUnitIdentify.0",
    "u",
    "5",
  ]);
  t.regex(set.out, /noAccess/);
  t.deepEqual(a.actions, []);
  const elsewhere = await startTestAgent({ v2c: { community: "lab-community-x", allow: ["10.0.0.0/8"] } });
  t.teardown(() => elsewhere.agent.close());
  const refused = await tool("snmpget", [
    "-v2c",
    "-c",
    "lab-community-x",
    `127.0.0.1:${elsewhere.port}`,
    "SNMPv2-MIB::sysName.0",
  ]);
  t.regex(refused.out, /Timeout/);
  t.regex(elsewhere.authFailures.join(";"), /not allowed/);
});
