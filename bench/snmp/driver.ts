// The SNMP benchmark's driver, run inside the SM board's namespace with its spec file as argument: the
// same 5 OIDs from every agent, (1) as one multicast GET through the SM daemon's control socket, (2) as
// sequential unicast SNMPv3 authPriv GETs with net-snmp's manager (one warm session per agent), (3) as
// sequential Net-SNMP `snmpget` runs; then one agent's unicast requests per second with 8 requests in
// flight. (1) and (2) alternate, after warm-up rounds of both that are not recorded. Prints one JSON
// line: every sample in ms.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import snmp, { type Session } from "net-snmp";
import { ControlClient } from "../../firmware/src/control/client.js";

const exec = promisify(execFile);

export interface DriverSpec {
  controlSocket: string;
  oids: string[];
  rounds: number;
  /** Rounds of both kinds run first and not recorded: the daemons' JIT compiles the request path. */
  warmupRounds: number;
  snmpgetRounds: number;
  rateSeconds: number;
  timeoutMs: number;
  agents: Array<{ name: string; address: string; user: string; auth: string; priv: string }>;
}

function session(a: DriverSpec["agents"][number]): Session {
  const user = {
    name: a.user,
    level: snmp.SecurityLevel.authPriv as number,
    authProtocol: snmp.AuthProtocols.sha256,
    authKey: a.auth,
    privProtocol: snmp.PrivProtocols.aes,
    privKey: a.priv,
  };
  return snmp.createV3Session(a.address, user, { version: snmp.Version3, retries: 2, timeout: 1000 });
}

function get(s: Session, oids: string[]): Promise<number> {
  return new Promise((resolve, reject) =>
    s.get(oids, (err, varbinds) =>
      err ? reject(err) : resolve(varbinds.filter((v) => !snmp.isVarbindError(v)).length),
    ),
  );
}

async function timed(f: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2] as string, "utf8")) as DriverSpec;
  const control = await ControlClient.connect(spec.controlSocket, 2000);
  const sessions = spec.agents.map(session);
  for (const s of sessions) await get(s, spec.oids);
  const out = {
    multicast: [] as number[],
    multicastIncomplete: 0,
    netSnmp: [] as number[],
    snmpget: [] as number[],
    rate: 0,
  };
  const varbinds = spec.oids.map((oid) => ({ oid }));
  for (let r = -spec.warmupRounds; r < spec.rounds; r++) {
    let complete = true;
    const multicast = await timed(async () => {
      const a = await control.call<{ results: Array<{ varbinds: unknown[] }>; missing: string[] }>(
        "snmp.request",
        {
          pdu: "get",
          varbinds,
          timeoutMs: spec.timeoutMs,
        },
      );
      complete = a.missing.length === 0 && a.results.length === spec.agents.length;
    });
    const netSnmp = await timed(async () => {
      for (const s of sessions)
        if ((await get(s, spec.oids)) !== spec.oids.length) throw new Error("short answer");
    });
    if (r < 0) continue;
    out.multicast.push(multicast);
    if (!complete) out.multicastIncomplete++;
    out.netSnmp.push(netSnmp);
  }
  for (let r = 0; r < spec.snmpgetRounds; r++) {
    out.snmpget.push(
      await timed(async () => {
        for (const a of spec.agents) {
          const args = [
            "-v3",
            "-l",
            "authPriv",
            "-u",
            a.user,
            "-a",
            "SHA-256",
            "-A",
            a.auth,
            "-x",
            "AES",
            "-X",
            a.priv,
          ];
          await exec("snmpget", [...args, "-r", "2", "-t", "1", "-On", a.address, ...spec.oids]);
        }
      }),
    );
  }
  const target = sessions[sessions.length - 1];
  if (!target) throw new Error("no agents");
  const end = performance.now() + spec.rateSeconds * 1000;
  let answered = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < end) {
        await get(target, spec.oids);
        answered++;
      }
    }),
  );
  out.rate = answered / ((performance.now() - t0) / 1000);
  for (const s of sessions) s.close();
  control.close();
  process.stdout.write(`SNMP-BENCH ${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
