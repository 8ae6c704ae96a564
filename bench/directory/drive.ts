// The load generator's loop: every simulated client keeps exactly one request in flight on its own
// connection, sending the next as soon as the last one's result is in, until its jobs run out or a deadline
// passes. Each result is checked (result code, entry count); latencies are kept when asked for.
import type { LdapConnection, Result } from "./ldap-connection.js";
import { now, type RunReport } from "./protocol.js";

export interface Job {
  encode: (messageId: number) => Buffer;
  /** Why the result is wrong, or null when it is what the request should get. */
  check: (r: Result) => string | null;
}

export interface DriveOptions {
  /** Job `k` of client `client`, or null when that client is done. */
  job: (client: number, k: number) => Job | null;
  /** CLOCK_MONOTONIC ms after which no client sends another request; null runs until the jobs end. */
  deadline: number | null;
  keepLatencies: boolean;
}

export async function drive(
  connections: ReadonlyMap<number, LdapConnection>,
  o: DriveOptions,
): Promise<RunReport> {
  const cpuStart = process.cpuUsage();
  const bytesStart = [...connections.values()].reduce((s, c) => s + c.bytesSent, 0);
  const latencies: number[] = [];
  let ops = 0;
  let errors = 0;
  let firstError: string | null = null;
  const startedAt = now();
  const client = async (id: number, conn: LdapConnection): Promise<void> => {
    for (let k = 0; o.deadline === null || now() < o.deadline; k++) {
      const job = o.job(id, k);
      if (job === null) return;
      const sentAt = now();
      const result = await conn.request(job.encode);
      const at = now();
      const wrong = job.check(result);
      if (wrong === null) {
        ops++;
        if (o.keepLatencies) latencies.push(Math.round((at - sentAt) * 1000) / 1000);
      } else {
        errors++;
        firstError ??= wrong;
      }
    }
  };
  await Promise.all([...connections].map(([id, conn]) => client(id, conn)));
  const endedAt = now();
  const cpu = process.cpuUsage(cpuStart);
  return {
    ops,
    errors,
    firstError,
    latencies,
    startedAt,
    endedAt,
    bytesSent: [...connections.values()].reduce((s, c) => s + c.bytesSent, 0) - bytesStart,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  };
}

/** A check that wants result code 0 and, for a search, `entries` entries. */
export function expect(entries: number | null): (r: Result) => string | null {
  return (r) => {
    if (r.resultCode !== 0) return `result code ${r.resultCode}: ${r.diagnostic}`;
    if (entries !== null && r.entries !== entries) return `${r.entries} entries instead of ${entries}`;
    return null;
  };
}
