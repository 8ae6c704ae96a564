// The ISS-MIB module against the real tools: libsmi's smilint at level 4 reports nothing for it (a copy
// with a broken reference shows that smilint does check it), and Net-SNMP's snmptranslate resolves its
// names to the OIDs the agent serves (firmware/src/snmp/mib/iss.ts) and back.
import test from "ava";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { documentationEnterprise, enterprisesArc, issObjects } from "../src/snmp/mib/iss.js";
import { formatOid } from "../src/snmp/mib/oid.js";
import { issMibFile, mibDirs, standardMibDir } from "./helpers/snmp-tools.js";

const exec = promisify(execFile);

async function smilint(file: string): Promise<{ code: number; output: string }> {
  try {
    const r = await exec("smilint", ["-l", "4", "-s", file], {
      env: { ...process.env, SMIPATH: standardMibDir },
    });
    return { code: 0, output: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

test("smilint -l 4 reports nothing for ISS-MIB", async (t) => {
  const r = await smilint(issMibFile);
  t.is(r.output, "");
  t.is(r.code, 0);
});

test("smilint does check the module: a broken copy is reported", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iss-mib-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const broken = join(dir, "ISS-MIB.txt");
  writeFileSync(broken, readFileSync(issMibFile, "utf8").replace("{ issUnit 7 }", "{ issUnitMissing 7 }"));
  const r = await smilint(broken);
  t.regex(r.output, /issUnitMissing/);
});

test("snmptranslate resolves every object the agent serves, both ways", async (t) => {
  const args = ["-M", `+:${mibDirs}`, "-m", "+ISS-MIB"];
  for (const object of issObjects) {
    const oid = [...enterprisesArc, documentationEnterprise, ...object.oid];
    const numeric = await exec("snmptranslate", [...args, "-On", `ISS-MIB::${object.name}`]);
    t.is(numeric.stdout.trim(), "." + formatOid(oid), object.name);
    const named = await exec("snmptranslate", [...args, formatOid(oid)]);
    t.is(named.stdout.trim(), `ISS-MIB::${object.name}`);
  }
  const role = await exec("snmptranslate", [...args, "-Td", "ISS-MIB::issUnitRole"]);
  t.regex(role.stdout, /INTEGER \{sm\(1\), bsm\(2\), se\(3\)\}/);
});
