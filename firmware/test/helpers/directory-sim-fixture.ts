// Test fixture of the directory core and simulation tests: the ISS schema with the example LAN's suffix,
// memory stores and overlay views over them, the operations that build a LAN's tree (suffix, containers,
// engines, content locations), numbered changes, and a seeded random generator of content operations.
import { applyOp, type TreeContext } from "../../src/directory/core/apply-op.js";
import { indexTermsFor } from "../../src/directory/core/index-terms.js";
import { OverlayView } from "../../src/directory/core/view.js";
import { loadIssSchema } from "../../src/directory/model/schema.js";
import type { Change, ChangeOp, Entry, Modification } from "../../src/directory/model/types.js";
import { openMemoryStore } from "../../src/directory/store/memory-store.js";
import type { DirectoryStore } from "../../src/directory/store/store.js";

export const suffix = "dc=lan1,dc=iss,dc=example";
export const schema = loadIssSchema();
export const ctx: TreeContext = { schema, suffix: schema.dn(suffix) };
export const indexTerms = indexTermsFor(schema);

export const keyOf = (dn: string): string => schema.dn(dn).key;
export const engineDn = (name: string): string => `cn=${name},ou=engines,${suffix}`;
export const contentDn = (id: string): string => `issContentId=${id},ou=content,${suffix}`;

export function memoryStore(changeLogSize = 10_000): DirectoryStore {
  return openMemoryStore({ changeLogSize, indexTerms });
}

export function newView(store: DirectoryStore = memoryStore()): OverlayView {
  return new OverlayView(store, indexTerms);
}

/** The suffix entry and the three containers the SM bootstraps. */
export function treeOps(): ChangeOp[] {
  return [
    {
      type: "add",
      dn: suffix,
      attributes: { objectClass: ["dcObject", "organization"], dc: ["lan1"], o: ["lan1"] },
    },
    ...["switches", "engines", "content"].map((ou): ChangeOp => ({
      type: "add",
      dn: `ou=${ou},${suffix}`,
      attributes: { objectClass: ["organizationalUnit"], ou: [ou] },
    })),
  ];
}

export function engineOp(name: string, kind: string, address: string): ChangeOp {
  return {
    type: "add",
    dn: engineDn(name),
    attributes: {
      objectClass: ["issServiceEngine"],
      cn: [name],
      issServerKind: [kind],
      issAddress: [address],
    },
  };
}

export function contentOp(id: string, servers: string[], kind = "http", state = "active"): ChangeOp {
  return {
    type: "add",
    dn: contentDn(id),
    attributes: {
      objectClass: ["issContentLocation"],
      issContentId: [id],
      issContentServer: servers.map(engineDn),
      issServerKind: [kind],
      issContentState: [state],
    },
  };
}

/** Operations numbered as committed changes from `firstCsn` on. */
export function numbered(ops: ChangeOp[], firstCsn: number, node = 1): Change[] {
  return ops.map((op, i) => ({
    csn: firstCsn + i,
    time: 1_700_000_000_000 + firstCsn + i,
    origin: { node, request: firstCsn + i },
    op,
  }));
}

/** Applies and commits each operation in turn (one change per commit), as the SM would. */
export async function commitOps(store: DirectoryStore, ops: ChangeOp[]): Promise<Change[]> {
  const view = newView(store);
  const changes = numbered(ops, store.lastCsn() + 1);
  for (const change of changes) await store.commit([change], applyOp(ctx, view, change.op));
  return changes;
}

/** Every entry of a store in key order: what two replicas must agree on. */
export function contents(store: DirectoryStore): { key: string; entry: Entry }[] {
  return [...store.range("")];
}

export const engines = ["se-http1", "se-http2", "se-cache1", "se-stream1"];

export function engineOps(): ChangeOp[] {
  return engines.map((name, i) =>
    engineOp(
      name,
      name.includes("cache") ? "cache" : name.includes("stream") ? "stream" : "http",
      `10.77.1.${i + 1}`,
    ),
  );
}

/**
 * A random mix of content writes that all apply in order: adds of new content, modifies (state replaced,
 * a server added or removed, size replaced) and deletes of content added before.
 */
export class ContentWorkload {
  private readonly live: string[] = [];
  private next = 0;

  constructor(private readonly random: () => number) {}

  op(): ChangeOp {
    const roll = this.random();
    const pick = Math.floor(this.random() * this.live.length);
    const id = this.live[pick];
    if (id === undefined || roll < 0.5) return this.add();
    if (roll < 0.85) return { type: "modify", dn: contentDn(id), modifications: this.modification() };
    this.live.splice(pick, 1);
    return { type: "delete", dn: contentDn(id) };
  }

  private add(): ChangeOp {
    const id = `http://www.lan1.example/c${this.next++}/`;
    this.live.push(id);
    const servers = engines.filter(() => this.random() < 0.5);
    return contentOp(
      id,
      servers.length > 0 ? servers : ["se-http1"],
      this.choose(["http", "cache", "stream"]),
    );
  }

  private modification(): Modification[] {
    const roll = this.random();
    if (roll < 0.4) {
      const state = this.choose(["active", "stale", "withdrawn"]);
      return [{ operation: "replace", attribute: "issContentState", values: [state] }];
    }
    if (roll < 0.7) {
      const size = String(Math.floor(this.random() * 1e9));
      return [{ operation: "replace", attribute: "issContentSize", values: [size] }];
    }
    return [
      { operation: "replace", attribute: "issContentServer", values: [engineDn(this.choose(engines))] },
    ];
  }

  private choose<T>(values: readonly T[]): T {
    const v = values[Math.floor(this.random() * values.length)];
    if (v === undefined) throw new Error("choose from an empty list");
    return v;
  }
}
