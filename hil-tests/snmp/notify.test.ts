// Notifications to Debian's snmptrapd (SNMPv3 informs, authPriv with each board's own user): on the
// failover lab, a planned handover from b1 to b2 (control op failover.handover) makes b2 report
// issRoleChange with role sm(1) and b1 with bsm(2); a board whose port comes back reports linkUp; a
// request with a wrong password makes the board report authenticationFailure.
import test from "ava";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { editBoardConfig, snmpSecretFiles, snmpUserName } from "../lab/configs.js";
import type { Lab } from "../lab/index.js";
import { waitRole } from "../failover/failover-lab.js";
import { pollUntil } from "../rmtp/group-under-test.js";
import { call, startSnmpLab, v3Args } from "./snmp-lab.js";

const trapPort = 1162;
const roleChange = ".1.3.6.1.4.1.32473.0.1";
const roleOid = ".1.3.6.1.4.1.32473.1.1.3.0";
const nameOid = ".1.3.6.1.4.1.32473.1.1.1.0";

/** Each notification snmptrapd printed (-Lo): a dated header line and its varbinds. */
function notifications(output: string): string[] {
  return output.split(/\n(?=\d{4}-\d\d-\d\d )/).filter((n) => n.includes(".1.3.6.1.6.3.1.1.4.1.0 = OID"));
}
function addNotifications(lab: Lab, index: number, receiver: string): void {
  const board = lab.board(index);
  editBoardConfig(board.configPath, (config) => {
    (config.snmp as Record<string, unknown>).notifications = {
      kind: "inform",
      user: snmpUserName(board),
      targets: [{ address: receiver, port: trapPort }],
    };
  });
}

function trapdConfig(lab: Lab): string {
  return lab.boards
    .map((b) => {
      const f = snmpSecretFiles(b);
      const user = snmpUserName(b);
      const auth = readFileSync(f.authPasswordFile, "utf8");
      const priv = readFileSync(f.privPasswordFile, "utf8");
      return `createUser ${user} SHA-256 ${auth} AES ${priv}\nauthUser log ${user} priv\n`;
    })
    .join("");
}

test("role change on a planned handover, linkUp and authenticationFailure reach snmptrapd", async (t) => {
  const lab = await startSnmpLab(t, { boards: 3, failover: true, daemons: false });
  const receiver = lab.board(3).address;
  const dir = mkdtempSync(join(tmpdir(), "iss-trapd-"));
  writeFileSync(join(dir, "snmptrapd.conf"), trapdConfig(lab));
  const trapd = lab.spawnInBoard(
    3,
    [
      "/usr/sbin/snmptrapd",
      "-f",
      "-Lo",
      "-C",
      "-c",
      join(dir, "snmptrapd.conf"),
      "-m",
      "",
      "-On",
      `udp:${receiver}:${trapPort}`,
    ],
    { env: { ...process.env, SNMP_PERSISTENT_DIR: dir }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  trapd.stdout?.setEncoding("utf8").on("data", (s: string) => (output += s));
  trapd.stderr?.setEncoding("utf8").on("data", (s: string) => (output += s));
  const trapdExited = new Promise((resolve) => trapd.once("exit", resolve));
  t.teardown(async () => {
    // snmptrapd writes its persistent file into dir as it exits: remove dir only after it is gone.
    trapd.kill();
    await trapdExited;
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  for (const b of lab.boards) addNotifications(lab, b.index, receiver);
  for (const b of lab.boards) await lab.fault(b.index, { kind: "restart" });
  t.true(await waitRole(lab, 1, true, 30_000), "b1 became the SM");
  t.true(await waitRole(lab, 2, false, 30_000), "b2 is an in-sync standby");

  await call(lab, 1, "failover.handover", { to: 2 });
  const fromBoard = (name: string, role: number) => (n: string) =>
    n.includes(roleChange) &&
    n.includes(`${nameOid} = STRING: "${name}"`) &&
    n.includes(`${roleOid} = INTEGER: ${role}`);
  const seen = await pollUntil(
    () => notifications(output),
    (ns) => ns.some(fromBoard("b2", 1)) && ns.some(fromBoard("b1", 2)),
    20_000,
    100,
  );
  t.true(seen.some(fromBoard("b2", 1)), `b2 reports sm(1):\n${output}`);
  t.true(seen.some(fromBoard("b1", 2)), `b1 reports bsm(2):\n${output}`);

  await lab.fault(3, { kind: "cut" });
  await new Promise((r) => setTimeout(r, 1500));
  await lab.fault(3, { kind: "restore" });
  const linkUp = await pollUntil(
    () => notifications(output).filter((n) => n.includes(".1.3.6.1.6.3.1.1.5.4")),
    (ns) => ns.length > 0,
    10_000,
    100,
  );
  t.true(linkUp.length > 0, `linkUp:\n${output}`);

  const wrong = v3Args(lab, 2).map((a, i, all) => (all[i - 1] === "-A" ? "wrong-password-123" : a));
  await lab
    .runInBoard(1, ["snmpget", "-r", "0", "-t", "1", ...wrong, lab.board(2).address, "1.3.6.1.2.1.1.5.0"])
    .catch(() => undefined);
  const authFailure = await pollUntil(
    () => notifications(output).filter((n) => n.includes(".1.3.6.1.6.3.1.1.5.5")),
    (ns) => ns.length > 0,
    10_000,
    100,
  );
  t.true(authFailure.length > 0, `authenticationFailure:\n${output}`);
});
