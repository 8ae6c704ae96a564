// Multicast management over the daemon's RMTP endpoint (fig 8): on the SM, request() multicasts one
// GET/GETNEXT/SET to every member or a named subset, answers for itself in-process, and collects one
// response per member (UDP unicast to its response port, authenticated with the site key) until the
// timeout, asking the members it still waits for again after 150, 300, 600 ms...; on every member, a
// request from the current manager is executed once against the unit's own MIB engine, and its response
// is kept so a request asked again is answered again without running twice. Wire format: docs/snmp-wire.md.
import { createSocket, type Socket } from "node:dgram";
import type { Logger } from "../../log/logger.js";
import type { Keyring } from "../../rmtp/codec/keyring.js";
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
  keyring: Keyring;
  /** The UDP port every unit receives responses on (snmp.responsePort). */
  port: number;
  /** Executes a request against this unit's MIB and carries out a SET's actions. */
  execute(pduType: number, varbinds: Varbind[]): PduResult;
  log: Logger;
}

const retryMs = 150;
/** Responses a member keeps, by requester and request id, to answer a repeated request. */
const keptResponses = 256;

export class MulticastManagement {
  private readonly coordinator: Coordinator;
  private readonly waiters = new Map<number, (o: Outcome) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly kept = new Map<string, Buffer>();
  private readonly socket: Socket;
  /** Requests this member executed, and responses that failed authentication or decoding. */
  executed = 0;
  refused = 0;

  constructor(private readonly o: MulticastOptions) {
    this.coordinator = new Coordinator(o.endpoint.status().id, Date.now() >>> 0);
    this.socket = createSocket("udp4");
    this.socket.on("message", (msg) => this.onResponse(msg));
    this.socket.on("error", (err) => o.log.warn("snmp-response-socket", { error: err.message }));
    this.socket.bind(o.port);
  }

  /** Takes a delivered RMTP message if it is a multicast management request. */
  onDeliver(d: Delivery): boolean {
    if (!isSnmpPayload(d.payload)) return false;
    try {
      if (kindOf(d.payload) !== Kind.Request) throw new SnmpWireError(`kind ${kindOf(d.payload)} over RMTP`);
      this.onRequest(d, decodeRequest(Buffer.from(d.payload)));
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
    const started = this.coordinator.start(pduType, varbinds, members, targets, Date.now() + timeoutMs);
    const { requestId } = started;
    const done = new Promise<Outcome>((resolve) =>
      this.waiters.set(requestId, (o) => resolve({ ...o, missing: [...o.missing, ...absent] })),
    );
    if (members.some((m) => m.id === status.id)) {
      const mine = answer(decodeRequest(started.payload), status.id, status.id, (t, v) =>
        this.o.execute(t, v),
      );
      if (mine) this.settle(this.coordinator.onResponse(status.id, mine.response));
    }
    /* Asks again after 150, 300, 600 ms...: a few copies, also while a dead member stalls the stream. */
    let retry: NodeJS.Timeout | undefined;
    const send = (delayMs: number): void => {
      const payload = this.coordinator.again(requestId);
      if (!payload) return;
      this.o.endpoint
        .send(payload)
        .catch((err: Error) => this.o.log.warn("snmp-request-failed", { requestId, error: err.message }));
      retry = setTimeout(() => send(delayMs * 2), delayMs);
    };
    send(retryMs);
    const end = setTimeout(() => {
      clearTimeout(retry);
      this.timers.delete(end);
      for (const o of this.coordinator.expire(Date.now())) this.settle(o);
    }, timeoutMs + 1);
    this.timers.add(end);
    void done.then(() => {
      clearTimeout(retry);
      clearTimeout(end);
      this.timers.delete(end);
    });
    return done;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    for (const o of this.coordinator.expire(Infinity)) this.settle(o);
    this.socket.close();
  }

  private onRequest(d: Delivery, request: ReturnType<typeof decodeRequest>): void {
    const status = this.o.endpoint.status();
    const address = status.manager?.address;
    if (status.manager?.id !== d.source || !address) {
      this.o.log.warn("snmp-request-refused", { source: d.sourceName, reason: "not from the manager" });
      return;
    }
    if (request.targets.length > 0 && !request.targets.includes(status.id)) return;
    const key = `${d.source}:${request.requestId}`;
    let bytes = this.kept.get(key);
    if (!bytes) {
      const done = answer(request, d.source, status.id, (t, v) => this.o.execute(t, v));
      if (!done) return;
      this.executed++;
      bytes = encodeResponse(done.response, this.o.keyring);
      this.kept.set(key, bytes);
      if (this.kept.size > keptResponses) this.kept.delete(this.kept.keys().next().value as string);
    }
    this.socket.send(bytes, this.o.port, address);
  }

  private onResponse(msg: Buffer): void {
    try {
      const r = decodeResponse(msg, this.o.keyring);
      this.settle(this.coordinator.onResponse(r.responder, r));
    } catch (err) {
      if (!(err instanceof SnmpWireError)) throw err;
      this.refused++;
    }
  }

  private settle(outcome: Outcome | null): void {
    if (!outcome) return;
    this.waiters.get(outcome.requestId)?.(outcome);
    this.waiters.delete(outcome.requestId);
  }
}
