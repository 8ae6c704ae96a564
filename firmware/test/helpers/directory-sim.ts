// Test helper: an SM and SEs as SmDirectory and SeDirectory on memory stores, connected by real RMTP
// endpoints on the in-memory network, wired as the daemon wires them (directory messages from deliveries,
// catch-up on admission and on RMTP gaps, replicas forgotten when members leave). The directory services
// run on real timers, so the network and the endpoints use the real clock too.
import { isDeepStrictEqual } from "node:util";
import { unpackMessage } from "../../src/directory/codec/envelope.js";
import type { DirectoryMessage } from "../../src/directory/codec/messages.js";
import type { OverlayView } from "../../src/directory/core/view.js";
import { SeDirectory } from "../../src/directory/service/se-directory.js";
import { SmDirectory } from "../../src/directory/service/sm-directory.js";
import type { DirectoryStore } from "../../src/directory/store/store.js";
import { Logger, type LogRecord } from "../../src/log/logger.js";
import { Keyring } from "../../src/rmtp/codec/keyring.js";
import { Role } from "../../src/rmtp/codec/frames.js";
import type { Delivery, NodeEvent } from "../../src/rmtp/core/types.js";
import { realClock } from "../../src/rmtp/io/clock.js";
import { RmtpEndpoint } from "../../src/rmtp/io/endpoint.js";
import { SimNetwork, type SimPort } from "../../src/rmtp/io/sim-network.js";
import { contents, ctx, memoryStore, newView } from "./directory-sim-fixture.js";
import { testKey, testParams } from "./sim-group.js";

export const smId = 1;

interface SimNode {
  id: number;
  name: string;
  port: SimPort;
  endpoint: RmtpEndpoint;
  store: DirectoryStore;
  view: OverlayView;
  logs: LogRecord[];
}

export interface SimSm extends SimNode {
  dir: SmDirectory;
}

export interface SimSe extends SimNode {
  dir: SeDirectory;
}

export interface DirectorySimOptions {
  seed?: number;
  /** The SM's change log size (SEs keep 10,000). */
  changeLogSize?: number;
  /** Wraps the SM's store (to inject failures). */
  wrapSmStore?: (store: DirectoryStore) => DirectoryStore;
}

/** Wraps an SE's store (to make it slow or failing). */
export type StoreWrapper = (store: DirectoryStore) => DirectoryStore;

/** Polls until the condition holds; rejects naming what did not happen in time. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export class DirectorySim {
  readonly net: SimNetwork;
  readonly sm: SimSm;
  readonly ses = new Map<number, SimSe>();

  constructor(o: DirectorySimOptions = {}) {
    this.net = new SimNetwork(realClock, 0.2, o.seed ?? 1);
    const store = (o.wrapSmStore ?? ((s) => s))(memoryStore(o.changeLogSize));
    // The endpoint's callbacks run on later timers, after this.sm is set.
    const node = this.node(
      smId,
      store,
      (m, d) => this.sm.dir.onMessage(m, { id: d.source, name: d.sourceName }),
      (e) => {
        if (e.event === "member-left" || e.event === "member-evicted") this.sm.dir.forgetReplica(e.id);
      },
    );
    const dir = new SmDirectory({
      ctx,
      view: node.view,
      link: node.endpoint,
      log: new Logger(node.name, (r) => node.logs.push(r), "debug"),
      node: { id: smId, name: node.name, address: node.port.local.address },
    });
    this.sm = { ...node, dir };
  }

  addSe(id: number, wrapStore: StoreWrapper = (store) => store): SimSe {
    const node = this.node(
      id,
      wrapStore(memoryStore()),
      (m) => this.se(id).dir.onMessage(m),
      (e) => {
        if (e.event === "admitted" || e.event === "gap") this.se(id).dir.catchUp(e.event);
      },
    );
    const dir = new SeDirectory({
      ctx,
      view: node.view,
      link: node.endpoint,
      log: new Logger(node.name, (r) => node.logs.push(r), "debug"),
      node: id,
    });
    const se = { ...node, dir };
    this.ses.set(id, se);
    return se;
  }

  se(id: number): SimSe {
    const se = this.ses.get(id);
    if (!se) throw new Error(`no SE ${id}`);
    return se;
  }

  setLoss(id: number, fraction: number): void {
    this.se(id).port.loss = { inbound: fraction, outbound: fraction };
  }

  /** Waits until the SM's RMTP manager counts every SE as a member. */
  async admitted(timeoutMs = 5000): Promise<void> {
    const members = () => new Set(this.sm.endpoint.status().members.map((m) => m.id));
    await waitFor(
      () => [...this.ses.keys()].every((id) => members().has(id) && this.se(id).endpoint.status().admitted),
      timeoutMs,
      `SEs ${[...this.ses.keys()].join(",")} admitted`,
    );
  }

  /** SEs whose store differs from the SM's (entries or last CSN). */
  lagging(): number[] {
    const expected = contents(this.sm.store);
    const last = this.sm.store.lastCsn();
    return [...this.ses.values()]
      .filter((se) => se.store.lastCsn() !== last || !isDeepStrictEqual(contents(se.store), expected))
      .map((se) => se.id);
  }

  async converged(timeoutMs = 5000): Promise<void> {
    await waitFor(
      () => this.lagging().length === 0,
      timeoutMs,
      `replicas equal the SM (lagging: ${this.lagging().join(",")})`,
    );
  }

  async close(): Promise<void> {
    this.sm.dir.close();
    for (const se of this.ses.values()) await se.dir.close();
    for (const node of [this.sm, ...this.ses.values()]) await node.endpoint.close();
  }

  private node(
    id: number,
    store: DirectoryStore,
    onMessage: (m: DirectoryMessage, d: Delivery) => void,
    onEvent: (e: NodeEvent) => void,
  ): SimNode {
    const name = `b${id}`;
    const port = this.net.attach(`10.0.0.${id}`);
    const endpoint = new RmtpEndpoint({
      identity: { id, name, role: id === smId ? Role.Sm : Role.Se, incarnation: 1 },
      params: testParams(),
      keyring: new Keyring([testKey], testKey.id),
      transport: port,
      clock: realClock,
      ...(id === smId ? { managerEpoch: 1 } : {}),
      onDeliver: (d) => onMessage(unpackMessage(d.payload, 16 << 20), d),
      onEvent,
    });
    return { id, name, port, endpoint, store, view: newView(store), logs: [] };
  }
}
