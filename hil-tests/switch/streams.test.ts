// Stream groups from the directory on this kernel: `iss run` as an SM with its directory and a switch whose
// ports name the engines behind them, in an nrt namespace. Content locations written with ldap-utils make
// MDB entries appear on the ports of the engines that serve them and go again when a server is removed,
// the stream is withdrawn or the entry deleted, cross-checked with `bridge -j mdb show`; the control op
// switch.status counts them.
import test, { type ExecutionContext } from "ava";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ControlClient } from "../../firmware/src/control/client.js";
import type { SwitchManagerStatus } from "../../firmware/src/switch/io/manager.js";
import { inNetns, run, systemTool } from "../lab/netns.js";
import { canBuildLab, privilegeMessage } from "../lab/privileges.js";
import { addNamespace, addPorts, deleteNamespace, ipr, nrtName, permanentGroups, until } from "./fixture.js";

const iss = fileURLToPath(new URL("../../firmware/src/cli/iss.js", import.meta.url));
const suffix = "dc=lan1,dc=iss,dc=example";
const admin = `cn=admin,${suffix}`;
const address = "10.77.0.1";
const group = "239.192.78.11";
const stream = `issContentId=rtsp://stream.lan1.example/live/news,ou=content,${suffix}`;

interface Board {
  ns: string;
  bridge: string;
  ports: string[];
  log: () => string;
  ldap(tool: string, ldif: string): Promise<void>;
  control: string;
}

async function board(t: ExecutionContext): Promise<Board> {
  const ns = nrtName();
  const dir = mkdtempSync(join(tmpdir(), `${ns}-`));
  t.teardown(async () => {
    await deleteNamespace(ns);
    rmSync(dir, { recursive: true, force: true });
  });
  await addNamespace(ns);
  await ipr(ns, "ip", ["link", "set", "lo", "up"]);
  const ports = await addPorts(ns, ns, 3);
  await ipr(ns, "ip", ["link", "add", `${ns}s0`, "type", "veth", "peer", "name", `${ns}s1`]);
  await ipr(ns, "ip", ["addr", "add", `${address}/24`, "dev", `${ns}s0`]);
  for (const l of ["s0", "s1"]) await ipr(ns, "ip", ["link", "set", `${ns}${l}`, "up"]);
  const password = join(dir, "admin.pw");
  writeFileSync(password, randomBytes(12).toString("hex"));
  chmodSync(password, 0o600);
  const bridge = `${ns}br`;
  const control = join(dir, "iss.sock");
  const config = join(dir, "iss.yaml");
  writeFileSync(
    config,
    `node: { name: b1, id: 1, role: sm, dataDir: ${join(dir, "data")} }
network: { interface: ${ns}s0, address: ${address} }
rmtp: { group: 239.192.77.1, keys: [{ id: 1, secret: ${"cd".repeat(32)} }], sendKeyId: 1 }
directory: { suffix: "${suffix}", users: [{ dn: "${admin}", passwordFile: ${password}, access: write }] }
control: { socket: ${control} }
switch:
  bridge: ${bridge}
  ports:
    - { name: ${ports[0]}, engines: [se-stream1], serviceMembers: true }
    - { name: ${ports[1]}, engines: [SE-Stream2] }
    - { name: ${ports[2]} }
`,
  );
  const child = spawn("ip", ["netns", "exec", ns, process.execPath, iss, "run", "--config", config]);
  t.teardown(() => void child.kill("SIGTERM"));
  let log = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (log += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (log += s));
  t.teardown(() => {
    if (!t.passed) t.log(`daemon log:\n${log.slice(-4000)}`);
  });
  const ldap = async (tool: string, ldif: string): Promise<void> => {
    const argv = [systemTool(tool), "-x", "-H", `ldap://${address}`, "-D", admin, "-y", password];
    await run(inNetns(ns, argv), { input: ldif, timeoutMs: 20_000 });
  };
  await until("the SM's directory", 30_000, async () =>
    run(
      inNetns(ns, [
        systemTool("ldapsearch"),
        "-x",
        "-H",
        `ldap://${address}`,
        "-D",
        admin,
        "-y",
        password,
        "-b",
        `ou=engines,${suffix}`,
        "-s",
        "base",
      ]),
    )
      .then(() => true)
      .catch(() => false),
  );
  return { ns, bridge, ports, log: () => log, ldap, control };
}

const engine = (cn: string, ip: string): string =>
  `dn: cn=${cn},ou=engines,${suffix}\nobjectClass: issServiceEngine\ncn: ${cn}\nissAddress: ${ip}\nissServerKind: stream\n`;
const modify = (change: string): string => `dn: ${stream}\nchangetype: modify\n${change}\n`;

if (!canBuildLab()) test.skip(`stream groups on this kernel (${privilegeMessage})`, () => undefined);
else {
  test("a stream's group follows the directory onto its engines' ports", async (t) => {
    const b = await board(t);
    const [p1, p2] = b.ports as [string, string];
    const service = `${p1} 239.192.77.1 0`;
    const groupsAre = async (want: string[]): Promise<void> => {
      const ms = await until(`MDB ${JSON.stringify(want)}`, 10_000, async () => {
        const have = await permanentGroups(b.ns, b.bridge);
        return JSON.stringify(have) === JSON.stringify([...want, service].sort());
      });
      t.log(`${JSON.stringify(want)} after ${ms.toFixed(0)} ms`);
    };
    await groupsAre([]);
    await b.ldap("ldapadd", `${engine("se-stream1", "10.77.0.21")}\n${engine("se-stream2", "10.77.0.22")}`);
    await b.ldap(
      "ldapadd",
      `dn: ${stream}\nobjectClass: issContentLocation\nissContentId: rtsp://stream.lan1.example/live/news\n` +
        `issContentServer: cn=se-stream1,ou=engines,${suffix}\nissServerKind: stream\nissContentState: active\n` +
        `issStreamGroup: ${group}\n`,
    );
    await groupsAre([`${p1} ${group} 0`]);
    await b.ldap(
      "ldapmodify",
      modify(`add: issContentServer\nissContentServer: cn=se-stream2,ou=engines,${suffix}\n-`),
    );
    await groupsAre([`${p1} ${group} 0`, `${p2} ${group} 0`]);
    const client = await ControlClient.connect(b.control);
    t.teardown(() => client.close());
    const status = await client.call<SwitchManagerStatus>("switch.status");
    t.like(status, { bridge: b.bridge, ok: true, groups: 3, streamGroups: 2, repairs: 0 });
    const shown = await run([process.execPath, iss, "status", "--socket", b.control]);
    t.regex(
      shown.stdout,
      new RegExp(
        `switch: ${b.bridge} as configured, 0 VLANs \\(0 memberships\\), 3 permanent groups \\(2 from streams\\); drift repairs 0; updates \\d+`,
      ),
    );
    await b.ldap(
      "ldapmodify",
      modify(`delete: issContentServer\nissContentServer: cn=se-stream1,ou=engines,${suffix}\n-`),
    );
    await groupsAre([`${p2} ${group} 0`]);
    await b.ldap("ldapmodify", modify("replace: issContentState\nissContentState: withdrawn\n-"));
    await groupsAre([]);
    await b.ldap("ldapmodify", modify("replace: issContentState\nissContentState: active\n-"));
    await groupsAre([`${p2} ${group} 0`]);
    await b.ldap("ldapdelete", `${stream}\n`);
    await groupsAre([]);
    const events = b
      .log()
      .split("\n")
      .filter((l) => l.includes('"switch-update"'))
      .flatMap((l) => (JSON.parse(l) as { commands: string[] }).commands);
    t.true(
      events.includes(`bridge mdb add dev ${b.bridge} port ${p1} grp ${group} permanent`),
      events.join("\n"),
    );
    t.true(
      events.includes(`bridge mdb del dev ${b.bridge} port ${p2} grp ${group} permanent`),
      events.join("\n"),
    );
    t.false(b.log().includes('"switch-drift"'), "a directory change is an update, not drift");
  });
}
