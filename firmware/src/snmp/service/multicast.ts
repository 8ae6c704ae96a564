// Multicast management over the daemon's RMTP endpoint (fig 8): on the SM, request() multicasts one
// GET/GETNEXT/SET to every member or a named subset, answers for itself in-process and collects one
// response per member until the timeout; on every member, a request from the current manager is executed
// against the unit's own MIB engine and answered with an RMTP message. Wire format: docs/snmp-wire.md.
import type { Logger } from "../../log/logger.js";
import type { Delivery } from "../../rmtp/core/types.js";
import type { RmtpEndpoint } from "../../rmtp/io/endpoint.js";
import type { PduResult } from "../mib/engine.js";
import type { Varbind } from "../mib/types.js";
import {
  decodeRequest,
  decodeResponse,
  encodeResponse,
  isSnmpPayload,
  Kind,
  kindOf,
  SnmpWireError,
} from "../multicast/codec.js";
import { Coordinator, type Member, type Outcome } from "../multicast/coordinator.js";
import { answer } from "../multicast/member.js";

export interface MulticastOptions {
  endpoint: RmtpEndpoint;
  /** Executes a request against this unit's MIB and carries out a SET's actions. */
  execute(pduType: number, varbinds: Varbind[]): PduResult;
  log: Logger;
}

export class MulticastManagement {
  private readonly coordinator: Coordinator;
  private readonly waiters = new Map<number, (o: Outcome) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Requests this member answered, and responses it could not send. */
  answered = 0;
  sendFailures = 0;

  constructor(private readonly o: MulticastOptions) {
    this.coordinator = new Coordinator(o.endpoint.status().id, Date.now() >>> 0);
  }

  /** Takes a delivered RMTP message if it is a multicast management message. */
  onDeliver(d: Delivery): boolean {
    if (!isSnmpPayload(d.payload)) return false;
    const payload = Buffer.from(d.payload);
    try {
      if (kindOf(payload) === Kind.Request) this.onRequest(d, payload);
      else if (kindOf(payload) === Kind.Response)
        this.settle(this.coordinator.onResponse(d.source, decodeResponse(payload)));
      else throw new SnmpWireError(`unknown kind ${kindOf(payload)}`);
    } catch (err) {
      if (!(err instanceof SnmpWireError)) throw err;
      this.o.log.warn("snmp-message-undecodable", { source: d.sourceName, reason: err.message });
    }
    return true;
  }

  /**
   * Multicasts one request (this unit must be the manager) to `names` (node names or ids), or to every
   * member when names is empty, and resolves with one result per member that answered within timeoutMs.
   */
  request(
    pduType: number,
    varbinds: Varbind[],
    names: readonly string[],
    timeoutMs: number,
  ): Promise<Outcome> {
    const status = this.o.endpoint.status();
    if (!status.manager?.self)
      throw new Error("multicast management runs on the SM: this unit is not the manager");
    const known = (n: string): Member | undefined =>
      status.members.find((m) => m.name === n || String(m.id) === n);
    const members = names.length === 0 ? status.members : names.flatMap((n) => known(n) ?? []);
    const absent = names.filter((n) => !known(n)).map((name) => ({ id: 0, name }));
    const targets = names.length === 0 ? [] : members.map((m) => m.id);
    const { requestId, payload } = this.coordinator.start(
      pduType,
      varbinds,
      members,
      targets,
      Date.now() + timeoutMs,
    );
    const done = new Promise<Outcome>((resolve) =>
      this.waiters.set(requestId, (o) => resolve({ ...o, missing: [...o.missing, ...absent] })),
    );
    const others = members.filter((m) => m.id !== status.id);
    if (others.length > 0)
      this.o.endpoint
        .send(payload)
        .catch((err: Error) => this.o.log.warn("snmp-request-failed", { requestId, error: err.message }));
    if (others.length < members.length) {
      const mine = answer(decodeRequest(payload), status.id, status.id, (t, v) => this.o.execute(t, v));
      if (mine) this.settle(this.coordinator.onResponse(status.id, mine.response));
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      for (const o of this.coordinator.expire(Date.now())) this.settle(o);
    }, timeoutMs + 1);
    this.timers.add(timer);
    return done;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    for (const o of this.coordinator.expire(Infinity)) this.settle(o);
  }

  private onRequest(d: Delivery, payload: Buffer): void {
    const status = this.o.endpoint.status();
    if (status.manager?.id !== d.source) {
      this.o.log.warn("snmp-request-refused", { source: d.sourceName, reason: "not from the manager" });
      return;
    }
    const done = answer(decodeRequest(payload), d.source, status.id, (t, v) => this.o.execute(t, v));
    if (!done) return;
    this.answered++;
    this.o.endpoint.send(encodeResponse(done.response)).catch((err: Error) => {
      this.sendFailures++;
      this.o.log.warn("snmp-response-failed", { requestId: done.response.requestId, error: err.message });
    });
  }

  private settle(outcome: Outcome | null): void {
    if (!outcome) return;
    this.waiters.get(outcome.requestId)?.(outcome);
    this.waiters.delete(outcome.requestId);
  }
}
