// Every board's agent in the virtual lab, with Debian's Net-SNMP tools and each board's own SNMPv3
// authPriv credentials (SHA-256, AES-128): snmpget, snmpgetnext, snmpwalk of ISS-MIB and IF-MIB, and
// snmpset of issUnitIdentify, which makes the board's LEDs show identify (read back from its status).
// One board's credentials do not open another board's agent.
import test from "ava";
import { setTimeout as sleep } from "node:timers/promises";
import { startSnmpLab, status, tool, v3Args } from "./snmp-lab.js";

test("snmpget, snmpgetnext, snmpwalk and snmpset against every board's agent", async (t) => {
  const lab = await startSnmpLab(t, { boards: 4 });
  for (const board of lab.boards) {
    const i = board.index;
    const role = { sm: "sm\\(1\\)", bsm: "bsm\\(2\\)", se: "se\\(3\\)" }[board.role];
    const get = await tool(lab, 1, i, "snmpget", [
      "SNMPv2-MIB::sysName.0",
      "ISS-MIB::issUnitRole.0",
      "ISS-MIB::issUnitManagerAddress.0",
    ]);
    t.regex(get, new RegExp(`sysName\\.0 = STRING: ${board.name}\\n`));
    t.regex(get, new RegExp(`issUnitRole\\.0 = INTEGER: ${role}`));
    t.regex(
      get,
      new RegExp(`issUnitManagerAddress\\.0 = IpAddress: ${lab.board(1).address.replace(/\./g, "\\.")}`),
    );
    const next = await tool(lab, 1, i, "snmpgetnext", ["ISS-MIB::issUnitNodeId"]);
    t.regex(next, new RegExp(`issUnitNodeId\\.0 = Gauge32: ${i}\\n`));
    const walk = await tool(lab, 1, i, "snmpwalk", ["ISS-MIB::issMIB"]);
    t.regex(walk, /issTxFramesSent\.0 = Counter64: [1-9]\d*/);
    t.regex(walk, /issDirEntries\.0 = Gauge32: \d+/);
    const ifs = await tool(lab, 1, i, "snmpwalk", ["IF-MIB::ifDescr"]);
    t.regex(ifs, new RegExp(`STRING: ${board.interface}\\n`));
    const octets = await tool(lab, 1, i, "snmpwalk", ["IF-MIB::ifHCInOctets"]);
    t.regex(octets, /Counter64: [1-9]/);
    const set = await tool(lab, 1, i, "snmpset", ["ISS-MIB::issUnitIdentify.0", "u", "20"]);
    t.regex(set, /issUnitIdentify\.0 = Gauge32: 20/);
    const leds = (await status(lab, i))?.unit.leds;
    t.is(leds?.shown, "identify", `board ${i}`);
    t.true((leds?.identifyRemainingMs ?? 0) > 15_000);
    await tool(lab, 1, i, "snmpset", ["ISS-MIB::issUnitIdentify.0", "u", "0"]);
  }
  await sleep(600);
  t.not((await status(lab, 2))?.unit.leds?.shown, "identify");
  const wrong = await lab
    .runInBoard(1, [
      "snmpget",
      "-r",
      "0",
      "-t",
      "1",
      ...v3Args(lab, 3),
      lab.board(2).address,
      "1.3.6.1.2.1.1.5.0",
    ])
    .then(
      () => "answered",
      (err: Error) => err.message,
    );
  t.regex(wrong, /Unknown user name|Authentication failure|Timeout/);
});
