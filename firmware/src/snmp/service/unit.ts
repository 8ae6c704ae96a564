// The SNMP part of a board, composed from its config: the net-snmp agent on the service address answering
// from the MIB engine (SNMPv2-MIB system, IF-MIB, ISS-MIB), notifications (role change, link down/up,
// authentication failure), and multicast management over RMTP. Credentials come only from the files the
// config names, which the config loader reads; a SET of issUnitIdentify goes the same way as
// `iss identify` (the field unit's identify).
import type { SnmpSecrets } from "../../config/load.js";
import type { SnmpConfig } from "../../config/snmp-schema.js";
import type { DaemonStatus } from "../../daemon/daemon.js";
import type { DirectoryStatus } from "../../directory/service/sm-directory.js";
import type { Logger } from "../../log/logger.js";
import { RateLimitedLog } from "../../log/rate-limited-log.js";
import type { Delivery } from "../../rmtp/core/types.js";
import type { Keyring } from "../../rmtp/codec/keyring.js";
import type { RmtpEndpoint } from "../../rmtp/io/endpoint.js";
import { SnmpAgent, type AgentUser } from "../agent/agent.js";
import { Notifier } from "../agent/notifier.js";
import { PortWatcher, readLinkStates, readPorts } from "../agent/ports.js";
import { MibEngine, type SetAction } from "../mib/engine.js";
import { enterprisesArc, issModule, issObjects, issRoleChangeOid } from "../mib/iss.js";
import { interfacesModule, linkDownOid, linkUpOid, linkVarbinds } from "../mib/interfaces.js";
import type { PortSnapshot, UnitSnapshot } from "../mib/snapshot.js";
import { systemModule } from "../mib/system.js";
import { type Varbind } from "../mib/types.js";
import { unitSnapshot } from "../unit-snapshot.js";
import { MulticastManagement } from "./multicast.js";

export interface SnmpSources {
  status(): DaemonStatus;
  directory(): DirectoryStatus | null;
  identify(seconds: number): void;
}

const authenticationFailureOid = [1, 3, 6, 1, 6, 3, 1, 1, 5, 5];
/**
 * How often role and link state are compared for notifications (the link check reads one operstate file per
 * port; every counter is read again only when a state changed or IF-MIB is asked), and how long port
 * readings are reused.
 */
const watchMs = 250;
const portCacheMs = 100;
const authNotifyGapMs = 5000;

/** The ports' names and operational states, to tell whether any link changed since the last reading. */
function linkKey(ports: readonly { name: string; operUp: boolean }[]): string {
  return ports
    .map((p) => `${p.name}:${p.operUp ? 1 : 0}`)
    .sort()
    .join(" ");
}

export class SnmpUnit {
  readonly engine: MibEngine<UnitSnapshot>;
  readonly multicast: MulticastManagement;
  private readonly agent: SnmpAgent;
  private readonly notifier: Notifier | null;
  private readonly ports = new PortWatcher();
  private readonly startedAt = Date.now();
  private readonly enterprise: number[];
  private portsAt = -Infinity;
  private lastPorts: PortSnapshot[] = [];
  private lastLinks = "";
  private lastRole: string | null = null;
  private lastAuthNotify = -Infinity;
  private readonly timer: NodeJS.Timeout;
  private readonly authLog: RateLimitedLog;

  constructor(
    private readonly config: SnmpConfig,
    secrets: SnmpSecrets,
    address: string,
    endpoint: RmtpEndpoint,
    keyring: Keyring,
    private readonly sources: SnmpSources,
    private readonly log: Logger,
  ) {
    this.enterprise = [...enterprisesArc, config.enterprise];
    this.authLog = new RateLimitedLog(log);
    this.engine = new MibEngine([
      systemModule(this.enterprise),
      interfacesModule,
      issModule(this.enterprise),
    ]);
    const users = secrets.users;
    const n = config.notifications;
    this.notifier = n
      ? new Notifier(
          {
            kind: n.kind,
            user: users.find((u) => u.name === n.user) as AgentUser,
            authProtocol: config.authProtocol,
            privProtocol: config.privProtocol,
            targets: n.targets,
          },
          log,
        )
      : null;
    this.agent = new SnmpAgent({
      address,
      port: config.port,
      authProtocol: config.authProtocol,
      privProtocol: config.privProtocol,
      users,
      ...(config.v2c && secrets.community !== null
        ? { v2c: { community: secrets.community, allow: config.v2c.allow } }
        : {}),
      engine: this.engine,
      snapshot: () => this.snapshot(),
      onActions: (actions) => this.apply(actions),
      onAuthFailure: (from, reason) => this.onAuthFailure(from, reason),
      onError: (error) => log.warn("agent-error", { error: error.message }),
    });
    this.multicast = new MulticastManagement({
      endpoint,
      keyring,
      port: config.responsePort,
      log,
      execute: (pduType, varbinds) => {
        const result = this.engine.execute(this.snapshot(), pduType, varbinds, true);
        this.apply(result.actions);
        return result;
      },
    });
    this.timer = setInterval(() => this.watch(), watchMs);
    this.timer.unref();
    log.info("agent-started", {
      address: `${address}:${config.port}`,
      users: users.map((u) => `${u.name}(${u.access})`),
      usm: `authPriv ${config.authProtocol} ${config.privProtocol}`,
      v2c: config.v2c ? config.v2c.allow : "off",
      notifications: n ? `${n.kind} to ${n.targets.map((t) => `${t.address}:${t.port}`).join(", ")}` : "none",
    });
  }

  /** Requests the UDP agent answered. */
  get requests(): number {
    return this.agent.requests;
  }

  onDeliver(d: Delivery): boolean {
    return this.multicast.onDeliver(d);
  }

  snapshot(): UnitSnapshot {
    const uptimeCs = Math.floor((Date.now() - this.startedAt) / 10);
    return unitSnapshot({
      status: this.sources.status(),
      directory: this.sources.directory(),
      ports: () => this.readPorts(uptimeCs),
      uptimeCs,
      system: {
        descr: "ISS integrated service switch firmware",
        contact: this.config.contact,
        location: this.config.location,
      },
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.multicast.close();
    this.notifier?.close();
    await this.agent.close();
  }

  private readPorts(uptimeCs: number, fresh = false): PortSnapshot[] {
    const now = Date.now();
    if (fresh || now - this.portsAt >= portCacheMs) {
      const { ports, changes } = this.ports.observe(readPorts(), uptimeCs);
      this.portsAt = now;
      this.lastPorts = ports;
      this.lastLinks = linkKey(ports);
      for (const c of changes) {
        this.log.info(c.up ? "link-up" : "link-down", { port: c.port.name, ifIndex: c.port.index });
        this.notifier?.notify(c.up ? linkUpOid : linkDownOid, linkVarbinds(c.port));
      }
    }
    return this.lastPorts;
  }

  /** The unit's role changed: notify now rather than at the next comparison (a short term would be missed). */
  roleChanged(): void {
    this.watch();
  }

  private watch(): void {
    const s = this.snapshot();
    if (linkKey(readLinkStates()) !== this.lastLinks) this.readPorts(s.uptimeCs, true);
    if (this.lastRole !== null && this.lastRole !== s.role) {
      this.log.info("role-changed", { from: this.lastRole, to: s.role, epoch: s.epoch });
      this.notifier?.notify([...this.enterprise, ...issRoleChangeOid], this.roleVarbinds(s));
    }
    this.lastRole = s.role;
  }

  private roleVarbinds(s: UnitSnapshot): Varbind[] {
    return ["issUnitName", "issUnitRole", "issUnitEpoch"].map((name) => {
      const o = issObjects.find((x) => x.name === name);
      if (!o) throw new Error(`ISS-MIB has no ${name}`);
      return { oid: [...this.enterprise, ...o.oid, 0], value: o.read(s) as Varbind["value"] };
    });
  }

  private apply(actions: readonly SetAction[]): void {
    for (const a of actions) if (a.kind === "identify") this.sources.identify(a.seconds);
  }

  private onAuthFailure(from: string, reason: string): void {
    this.authLog.warn(`auth:${from}`, "snmp-auth-failure", { from, reason });
    const now = Date.now();
    if (now - this.lastAuthNotify < authNotifyGapMs) return;
    this.lastAuthNotify = now;
    this.notifier?.notify(authenticationFailureOid, []);
  }
}
