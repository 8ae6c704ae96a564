// Multicast management across the virtual lab with 5% random loss on every board (nftables, both
// directions): GET, GETNEXT and SET from the SM as one RMTP message each; every member's answer is in the
// result exactly once, with its own values (an answer repeated for a repeated request is dropped); a SET
// is all or nothing on every member; a killed member is named as not answering, whether the request
// names it or goes to every member. `iss snmp` prints the same through the SM's control socket.
import test from "ava";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { issCli } from "../lab/daemons.js";
import type { Lab } from "../lab/index.js";
import { call, startSnmpLab, status } from "./snmp-lab.js";

const exec = promisify(execFile);
const roles = { sm: 1, bsm: 2, se: 3 } as const;
const iss = "1.3.6.1.4.1.32473.1";
const oids = ["1.3.6.1.2.1.1.5.0", `${iss}.1.3.0`, `${iss}.1.2.0`, `${iss}.2.1.0`, "1.3.6.1.2.1.2.1.0"];

interface Answer {
  results: Array<{
    name: string;
    errorStatus: string;
    errorIndex: number;
    varbinds: Array<{ oid: string; type: string; value: string | number }>;
  }>;
  missing: string[];
  duplicates: number;
  elapsedMs: number;
}

function request(lab: Lab, pdu: string, varbinds: object[], members: string[] = [], timeoutMs = 4000) {
  return call<Answer>(lab, 1, "snmp.request", { pdu, varbinds, members, timeoutMs });
}

test("GET, GETNEXT and SET to every member under 5% loss; a killed member is named", async (t) => {
  const lab = await startSnmpLab(t, { boards: 6, directory: false });
  const names = lab.boards.map((b) => b.name).sort();
  for (const b of lab.boards) await lab.fault(b.index, { kind: "loss", percent: 5 });

  const elapsed: number[] = [];
  /* Answers a member sent again because the SM asked again (its first answer was late or lost): dropped. */
  let duplicates = 0;
  for (let round = 0; round < 15; round++) {
    const a = await request(
      lab,
      "get",
      oids.map((oid) => ({ oid })),
    );
    t.deepEqual(a.missing, [], `round ${round}`);
    t.deepEqual(a.results.map((r) => r.name).sort(), names, "every member answers exactly once");
    duplicates += a.duplicates;
    for (const r of a.results) {
      t.is(r.errorStatus, "noError");
      t.is(r.varbinds[0]?.value, r.name);
      t.is(r.varbinds[2]?.value, Number(r.name.slice(1)));
      t.is(r.varbinds[1]?.value, roles[lab.boards.find((b) => b.name === r.name)?.role ?? "se"]);
    }
    elapsed.push(a.elapsedMs);
  }
  t.log(
    `GET of 5 OIDs to 6 boards at 5% loss: ${elapsed.join(", ")} ms; ${duplicates} repeated answers dropped`,
  );

  const next = await request(lab, "getnext", [{ oid: `${iss}.1.1` }, { oid: "1.3.6.1.2.1.1.4" }]);
  t.deepEqual(next.results.map((r) => r.name).sort(), names);
  for (const r of next.results)
    t.deepEqual(
      r.varbinds.map((v) => v.oid),
      [`${iss}.1.1.0`, "1.3.6.1.2.1.1.4.0"],
    );

  const identify = { oid: `${iss}.1.7.0`, type: "u", value: "25" };
  const bad = await request(lab, "set", [identify, { oid: `${iss}.1.3.0`, type: "i", value: "1" }]);
  t.deepEqual(
    bad.results.map((r) => [r.errorStatus, r.errorIndex]),
    names.map(() => ["notWritable", 2]),
  );
  for (const b of lab.boards)
    t.not((await status(lab, b.index))?.unit.leds?.shown, "identify", "nothing applied");
  const set = await request(lab, "set", [identify]);
  t.deepEqual(
    set.results.map((r) => r.errorStatus),
    names.map(() => "noError"),
  );
  for (const b of lab.boards) t.is((await status(lab, b.index))?.unit.leds?.shown, "identify", b.name);
  await request(lab, "set", [{ ...identify, value: "0" }]);

  const cli = await exec(process.execPath, [
    issCli,
    "snmp",
    "get",
    "--all",
    "--json",
    "--socket",
    lab.board(1).controlSocket,
    "issUnitName.0",
  ]);
  const printed = JSON.parse(cli.stdout) as Answer;
  t.deepEqual(printed.results.map((r) => r.varbinds[0]?.value).sort(), names);

  await lab.fault(6, { kind: "kill" });
  const all = await request(lab, "get", [{ oid: oids[0] as string }], [], 1500);
  t.deepEqual(all.missing, ["b6"]);
  t.deepEqual(
    all.results.map((r) => r.name).sort(),
    names.filter((n) => n !== "b6"),
  );
  const named = await request(lab, "get", [{ oid: oids[0] as string }], ["b5", "b6"], 1500);
  t.deepEqual(
    named.results.map((r) => r.name),
    ["b5"],
  );
  t.deepEqual(named.missing, ["b6"]);
  const table = await exec(process.execPath, [
    issCli,
    "snmp",
    "get",
    "--members",
    "b5,b6",
    "--timeout",
    "1500",
    "--socket",
    lab.board(1).controlSocket,
    oids[0] as string,
  ]).then(
    (r) => r.stdout,
    (err: { stdout: string }) => err.stdout,
  );
  t.regex(table, /^b5 +ok +1\.3\.6\.1\.2\.1\.1\.5\.0 +STRING +b5$/m);
  t.regex(table, /^b6 +no answer$/m);
});
