// The thin adapter that binds net-snmp's agent to the MIB engine: net-snmp receives the datagrams and
// does BER, SNMPv3 USM (authPriv) and communities; its four PDU handlers are replaced by ones that answer
// from the engine with the unit's snapshot (so the UDP agent and the multicast path share one MIB), check
// access (v3 users read or write, v2c read-only and only from the allowed sources, v1 refused) and report
// authentication failures. net-snmp is pinned by the lockfile: the handlers it calls are checked at start.
import type { RemoteInfo, Socket } from "node:dgram";
import snmp from "net-snmp";
import type { SnmpUser } from "../../config/load.js";
import type { Agent, RequestMessage, SnmpError } from "net-snmp";
import type { MibEngine, SetAction } from "../mib/engine.js";
import type { UnitSnapshot } from "../mib/snapshot.js";
import { ErrorStatus, type Varbind } from "../mib/types.js";
import { fromNetSnmp, toNetSnmp } from "./convert.js";
import { inPrefixes } from "./prefix.js";

/** A USM user as the config loader reads it, passwords included. */
export type AgentUser = SnmpUser;

export interface AgentOptions {
  address: string;
  port: number;
  authProtocol: "sha256" | "sha384" | "sha512";
  privProtocol: "aes128" | "aes256";
  users: AgentUser[];
  v2c?: { community: string; allow: string[] };
  engine: MibEngine<UnitSnapshot>;
  snapshot: () => UnitSnapshot;
  onActions: (actions: SetAction[]) => void;
  onAuthFailure: (from: string, reason: string) => void;
  onError: (error: Error) => void;
}

/** Varbinds in one GETBULK answer at most (keeps it under a 1,500-byte frame for typical values). */
const bulkLimit = 40;
const privProtocols = { aes128: "aes", aes256: "aes256b" } as const;
const handlers = ["getRequest", "getNextRequest", "getBulkRequest", "setRequest"] as const;

export class SnmpAgent {
  /** Requests answered (all PDU types), for the benchmark's requests per second. */
  requests = 0;
  private readonly agent: Agent;
  private readonly writers: Set<string>;

  constructor(private readonly options: AgentOptions) {
    this.agent = snmp.createAgent(
      { port: options.port, address: options.address, transport: "udp4", disableAuthorization: false },
      (error) => {
        if (error) this.onAgentError(error);
      },
    );
    for (const name of handlers) {
      if (typeof this.agent[name] !== "function")
        throw new Error(`net-snmp's agent has no ${name}: this adapter needs the locked version`);
      this.agent[name] = (socket, message, rinfo) => this.answer(socket, message, rinfo);
    }
    const auth = this.agent.getAuthorizer();
    for (const u of options.users) {
      auth.addUser({
        name: u.name,
        level: snmp.SecurityLevel.authPriv as number,
        authProtocol: snmp.AuthProtocols[options.authProtocol],
        authKey: u.authPassword,
        privProtocol: snmp.PrivProtocols[privProtocols[options.privProtocol]],
        privKey: u.privPassword,
      });
    }
    if (options.v2c) auth.addCommunity(options.v2c.community);
    this.writers = new Set(options.users.filter((u) => u.access === "write").map((u) => u.name));
  }

  /** The entry point the UDP socket uses for each datagram (tests feed it directly). */
  receive(buffer: Buffer, rinfo: RemoteInfo, socket: Pick<Socket, "send">): void {
    this.agent.onMsg(socket, buffer, rinfo);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.agent.close(() => resolve()));
  }

  private answer(socket: Socket, message: RequestMessage, rinfo: RemoteInfo): void {
    try {
      const v3 = message.version === snmp.Version3;
      if (message.version === snmp.Version1) return;
      if (!v3 && !inPrefixes(rinfo.address, this.options.v2c?.allow ?? [])) {
        this.options.onAuthFailure(rinfo.address, "v2c from a source not allowed");
        return;
      }
      const pdu = message.pdu;
      const request = pdu.varbinds.map(fromNetSnmp);
      const response = pdu.getResponsePduForRequest();
      const bad = request.findIndex((v) => v === null);
      if (bad >= 0) {
        response.varbinds = pdu.varbinds;
        response.errorStatus = ErrorStatus.WrongEncoding;
        response.errorIndex = bad + 1;
      } else {
        const varbinds = request as Varbind[];
        const snapshot = this.options.snapshot();
        const mayWrite = v3 && this.writers.has(message.user?.name ?? "");
        const result =
          pdu.type === snmp.PduType.GetBulkRequest
            ? this.options.engine.bulk(
                snapshot,
                varbinds,
                pdu.nonRepeaters ?? 0,
                pdu.maxRepetitions ?? 0,
                bulkLimit,
              )
            : this.options.engine.execute(snapshot, pdu.type, varbinds, mayWrite);
        response.varbinds = result.varbinds.map(toNetSnmp);
        response.errorStatus = result.errorStatus;
        response.errorIndex = result.errorIndex;
        if (result.actions.length > 0) this.options.onActions(result.actions);
      }
      this.requests++;
      this.agent.sendResponse(socket, rinfo, message, response);
    } catch (err) {
      this.options.onError(err as Error);
    }
  }

  private onAgentError(error: SnmpError): void {
    const from = error.rinfo?.address ?? "unknown";
    const codes = snmp.ResponseInvalidCode;
    if (
      error.code === codes.EAuthFailure ||
      error.code === codes.ECouldNotDecrypt ||
      /^Local (community|user) not found/.test(error.message)
    )
      this.options.onAuthFailure(from, error.message.split(" received")[0] ?? error.message);
    else this.options.onError(error);
  }
}
