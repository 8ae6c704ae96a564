// Sends the agent's notifications (SNMPv3 informs or traps, authPriv with the configured user's keys) to
// every configured target, through net-snmp sessions. A failed or unanswered inform is logged, not retried
// beyond net-snmp's own retries: a notification is a hint, the MIB holds the state.
import snmp from "net-snmp";
import type { Session } from "net-snmp";
import type { Logger } from "../../log/logger.js";
import { formatOid } from "../mib/oid.js";
import type { Varbind } from "../mib/types.js";
import type { AgentOptions, AgentUser } from "./agent.js";
import { toNetSnmp } from "./convert.js";

export interface NotifierOptions {
  kind: "inform" | "trap";
  user: AgentUser;
  authProtocol: AgentOptions["authProtocol"];
  privProtocol: AgentOptions["privProtocol"];
  targets: Array<{ address: string; port: number }>;
}

export class Notifier {
  private readonly sessions: Array<{ target: string; session: Session }>;
  sent = 0;

  constructor(
    private readonly options: NotifierOptions,
    private readonly log: Logger,
  ) {
    const user = {
      name: options.user.name,
      level: snmp.SecurityLevel.authPriv as number,
      authProtocol: snmp.AuthProtocols[options.authProtocol] as string,
      authKey: options.user.authPassword,
      privProtocol: snmp.PrivProtocols[options.privProtocol === "aes128" ? "aes" : "aes256b"] as string,
      privKey: options.user.privPassword,
    };
    this.sessions = options.targets.map((t) => {
      const session = snmp.createV3Session(t.address, user, {
        port: t.port,
        trapPort: t.port,
        version: snmp.Version3,
        retries: 2,
        timeout: 1000,
      });
      session.on("error", (err) =>
        log.warn("notify-session-error", { target: t.address, error: err.message }),
      );
      return { target: `${t.address}:${t.port}`, session };
    });
  }

  notify(oid: number[], varbinds: Varbind[]): void {
    const name = formatOid(oid);
    const vbs = varbinds.map(toNetSnmp);
    for (const { target, session } of this.sessions) {
      const done = (err: Error | null): void => {
        if (err) this.log.warn("notify-failed", { target, oid: name, error: err.message });
        else this.sent++;
      };
      if (this.options.kind === "inform") session.inform(name, vbs, done);
      else session.trap(name, vbs, done);
    }
    this.log.info("notify", { kind: this.options.kind, oid: name, targets: this.sessions.length });
  }

  close(): void {
    for (const { session } of this.sessions) session.close();
  }
}
