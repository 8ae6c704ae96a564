// The probe, run inside a board's namespace: starts an attempt every `intervalMs` on a fresh TCP
// connection to the service address, whatever became of the earlier ones, so a takeover is seen within
// one interval and no client waits out a connection that the failed SM's kernel still holds. "ldap": bind
// as the admin and add one content entry (the write stream's shape: issContentSize and description agree),
// printing {n, dn, size, sent, at, outcome: acked | refused | unknown | unsent, code?}. As for the write
// stream, busy (51), unavailable (52) and other (80) are "unknown": an SM also answers so for a write it
// stored but could not see acknowledged. "unsent": the add was never written. "tcp": read what the listener at the address answers, printing {n, sent, at, who | error}.
// SIGTERM: no new attempts; when those under way are over, {done: true} and exit.
// Usage: node probe-agent.js SPEC_JSON
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { encodeOp } from "../../firmware/src/directory/codec/ldap-ops.js";
import { LdapConnection } from "../directory/ldap-connection.js";

export type ProbeSpec =
  | {
      mode: "ldap";
      host: string;
      port: number;
      intervalMs: number;
      timeoutMs: number;
      bindDn: string;
      passwordFile: string;
      suffix: string;
      prefix: string;
    }
  | { mode: "tcp"; host: string; port: number; intervalMs: number; timeoutMs: number };

const outcomeUnknown = new Set([51, 52, 80]);

function emit(record: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(record) + "\n");
}

/** `promise`, or a rejection after `ms`; `onTimeout` lets the caller drop what it held. */
function bounded<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function ldapAttempt(spec: Extract<ProbeSpec, { mode: "ldap" }>, password: string) {
  return async (n: number): Promise<void> => {
    const id = `${spec.prefix}-${n}`;
    const dn = `issContentId=${id},ou=content,${spec.suffix}`;
    const sent = Date.now();
    const held: { conn?: LdapConnection; written: boolean } = { written: false };
    const work = async (): Promise<number> => {
      const conn = await LdapConnection.open(spec.host, spec.port, spec.timeoutMs);
      held.conn = conn;
      await conn.bind(spec.bindDn, password);
      held.written = true;
      const r = await conn.request((messageId) =>
        encodeOp(messageId, {
          type: "add",
          dn,
          attributes: {
            objectClass: ["issContentLocation"],
            issContentId: [id],
            issContentServer: [`cn=b1,ou=switches,${spec.suffix}`],
            issServerKind: ["cache"],
            issContentState: ["active"],
            issContentSize: [String(n)],
            description: [`size ${n}`],
          },
        }),
      );
      return r.resultCode;
    };
    try {
      const code = await bounded(work(), spec.timeoutMs, () => held.conn?.close());
      emit({
        n,
        op: "add",
        dn,
        size: n,
        sent,
        at: Date.now(),
        outcome: code === 0 ? "acked" : outcomeUnknown.has(code) ? "unknown" : "refused",
        code,
      });
    } catch (err) {
      const outcome = held.written ? "unknown" : "unsent";
      emit({ n, op: "add", dn, size: n, sent, at: Date.now(), outcome, error: (err as Error).message });
    } finally {
      held.conn?.close();
    }
  };
}

function tcpAttempt(spec: Extract<ProbeSpec, { mode: "tcp" }>) {
  return async (n: number): Promise<void> => {
    const sent = Date.now();
    const socket = connect({ host: spec.host, port: spec.port });
    const answer = new Promise<string>((resolve, reject) => {
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (d: string) => (text += d));
      socket.on("end", () => resolve(text.trim()));
      socket.on("error", reject);
    });
    try {
      const who = await bounded(answer, spec.timeoutMs, () => socket.destroy());
      emit({ n, sent, at: Date.now(), who });
    } catch (err) {
      emit({ n, sent, at: Date.now(), error: (err as Error).message });
    } finally {
      socket.destroy();
    }
  };
}

const spec = JSON.parse(process.argv[2] ?? "{}") as ProbeSpec;
const attempt =
  spec.mode === "ldap" ? ldapAttempt(spec, readFileSync(spec.passwordFile, "utf8").trim()) : tcpAttempt(spec);
let next = 0;
const underWay = new Set<Promise<void>>();
const launch = (): void => {
  const p = attempt(next++).finally(() => underWay.delete(p));
  underWay.add(p);
};
const timer = setInterval(launch, spec.intervalMs);
launch();
process.on("SIGTERM", () => {
  clearInterval(timer);
  void Promise.allSettled([...underWay]).then(() => {
    emit({ done: true, attempts: next });
    process.exit(0);
  });
});
