// What the benchmark writes and asks, the same for the SM and for slapd: the tree the SM bootstraps (suffix,
// ou=switches/engines/content), 20 Service Engine entries, N content location entries, the write mix of
// the write runs (an SE announcing new content, then confirming it), and the searches. Pure.
import type { ChangeOp, Entry, Filter } from "../../firmware/src/directory/model/types.js";
import type { SearchSpec } from "./ldap-wire.js";

export const engineCount = 20;
const kinds = ["http", "cache", "stream"] as const;
const seenAt = "20261125120000Z";

/** The suffix entry and the three containers, as the SM's bootstrap creates them (slapd needs them added). */
export function treeEntries(suffix: string): Entry[] {
  const first = suffix.split(",")[0] ?? "";
  const value = first.slice(first.indexOf("=") + 1);
  return [
    { dn: suffix, attributes: { objectClass: ["dcObject", "organization"], dc: [value], o: [value] } },
    ...["switches", "engines", "content"].map((ou) => ({
      dn: `ou=${ou},${suffix}`,
      attributes: { objectClass: ["organizationalUnit"], ou: [ou] },
    })),
  ];
}

export function engineDn(suffix: string, i: number): string {
  return `cn=se${String(i + 1).padStart(2, "0")},ou=engines,${suffix}`;
}

export function engineEntries(suffix: string): Entry[] {
  return Array.from({ length: engineCount }, (_, i) => ({
    dn: engineDn(suffix, i),
    attributes: {
      objectClass: ["issServiceEngine"],
      cn: [`se${String(i + 1).padStart(2, "0")}`],
      issAddress: [`10.78.0.${i + 10}`],
      issServerKind: [kinds[i % kinds.length]!],
      issCapacity: [String(2 ** 40)],
      issHealth: ["ok"],
      issLastSeen: [seenAt],
    },
  }));
}

/** The content identifier of loaded entry `i`, or of write `k` of client `client` in run `run`. */
export function contentId(i: number): string {
  return `http://cdn.lan1.example/v/${String(i).padStart(7, "0")}.mp4`;
}

export function writtenContentId(run: string, client: number, k: number): string {
  return `http://cdn.lan1.example/w/${run}/${client}/${k}.mp4`;
}

function contentDn(suffix: string, id: string): string {
  return `issContentId=${id},ou=content,${suffix}`;
}

function contentAttributes(suffix: string, id: string, i: number): Entry["attributes"] {
  return {
    objectClass: ["issContentLocation"],
    issContentId: [id],
    issContentServer: [engineDn(suffix, i % engineCount)],
    issServerKind: [kinds[i % kinds.length]!],
    issContentState: ["active"],
    issContentSize: [String(1_000_000 + ((i * 7919) % 9_000_000))],
    issLastSeen: [seenAt],
  };
}

/** Add of loaded content entry `i` (about 300 bytes on the wire). */
export function loadOp(suffix: string, i: number): ChangeOp {
  const id = contentId(i);
  return { type: "add", dn: contentDn(suffix, id), attributes: contentAttributes(suffix, id, i) };
}

/**
 * Write `k` of a client: even k adds a new content location (an SE announces content it now holds), odd k
 * replaces the state and last-seen time of the entry added just before (the SE confirms it).
 */
export function writeOp(suffix: string, run: string, client: number, k: number): ChangeOp {
  const id = writtenContentId(run, client, k - (k % 2));
  const dn = contentDn(suffix, id);
  if (k % 2 === 0) return { type: "add", dn, attributes: contentAttributes(suffix, id, client + k) };
  return {
    type: "modify",
    dn,
    modifications: [
      { operation: "replace", attribute: "issContentState", values: ["stale"] },
      { operation: "replace", attribute: "issLastSeen", values: ["20261125120500Z"] },
    ],
  };
}

export type SearchKind = "equality" | "onelevel";

/** An equality search for loaded content `i` (one entry), or the one-level search of the engines (20). */
export function searchSpec(suffix: string, kind: SearchKind, i: number): SearchSpec {
  if (kind === "onelevel") {
    const filter: Filter = { type: "equal", attribute: "objectClass", value: "issServiceEngine" };
    return { base: `ou=engines,${suffix}`, scope: "one", filter, attributes: [] };
  }
  const filter: Filter = {
    type: "and",
    filters: [
      { type: "equal", attribute: "objectClass", value: "issContentLocation" },
      { type: "equal", attribute: "issContentId", value: contentId(i) },
    ],
  };
  return { base: suffix, scope: "sub", filter, attributes: [] };
}

export function expectedEntries(kind: SearchKind): number {
  return kind === "onelevel" ? engineCount : 1;
}
