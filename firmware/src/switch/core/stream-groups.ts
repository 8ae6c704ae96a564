// Stream groups from the directory (docs/switch.md): a content location (issContentLocation) with an
// issStreamGroup whose state is active or stale is served by each of its issContentServer entries; where
// the config puts such a server behind a port (switch.ports[].engines, by its cn), that port gets a permanent
// MDB entry for the group, on the entry's issVlan when the bridge filters VLANs. Streams that cannot be
// placed (no issVlan, a port outside the VLAN, a link-local group) are reported. A table of each directory
// entry's groups, kept up to date from the store's writes. Pure.
import { parseDnText } from "../../directory/model/dn-text.js";
import type { Entry } from "../../directory/model/types.js";
import type { SwitchConfig } from "../../config/switch-schema.js";
import { canonicalIp } from "../codec/ip.js";
import { vlanMembers } from "./desired.js";
import { compareGroups, groupKey, type GroupEntry } from "./model.js";

export interface StreamPlacement {
  /** Lowercased engine name to the port it sits behind. */
  portOf: Map<string, string>;
  vlanFiltering: boolean;
  /** The VLANs each port is a member of. */
  vlansOf: Map<string, Set<number>>;
}

export function streamPlacement(sw: SwitchConfig): StreamPlacement {
  return {
    portOf: new Map(sw.ports.flatMap((p) => p.engines.map((e) => [e.toLowerCase(), p.name] as const))),
    vlanFiltering: sw.vlanFiltering,
    vlansOf: new Map(sw.ports.map((p) => [p.name, new Set(vlanMembers(p).map((m) => m.vid))])),
  };
}

export interface EntryGroups {
  groups: GroupEntry[];
  /** Why a stream of one of the ports' engines got no entry. */
  unplaced: string[];
}

const servedStates = new Set(["active", "stale"]);
const cnTypes = new Set(["cn", "commonname", "2.5.4.3"]);

const first = (e: Entry, name: string): string | undefined => e.attributes[name]?.[0];

/** The lowercased cn of a server's DN (its first RDN), or undefined. */
function serverName(dn: string): string | undefined {
  try {
    return parseDnText(dn)
      .rdns[0]?.find((a) => cnTypes.has(a.type.toLowerCase()))
      ?.value.toLowerCase();
  } catch {
    return undefined;
  }
}

export function entryGroups(entry: Entry, placement: StreamPlacement): EntryGroups {
  const out: EntryGroups = { groups: [], unplaced: [] };
  const classes = (entry.attributes.objectClass ?? []).map((c) => c.toLowerCase());
  const group = first(entry, "issStreamGroup");
  const state = first(entry, "issContentState")?.toLowerCase();
  if (!classes.includes("isscontentlocation") || !group || !servedStates.has(state ?? "")) return out;
  const vlan = first(entry, "issVlan");
  for (const server of entry.attributes.issContentServer ?? []) {
    const name = serverName(server);
    const port = name === undefined ? undefined : placement.portOf.get(name);
    if (port === undefined) continue;
    const where = `${group} of ${entry.dn} on ${port}`;
    if (group.startsWith("224.0.0.")) {
      out.unplaced.push(`${where}: link-local, the bridge floods it and takes no entry`);
      continue;
    }
    let vid = 0;
    if (placement.vlanFiltering) {
      vid = Number(vlan);
      if (vlan === undefined) {
        out.unplaced.push(`${where}: no issVlan, and the bridge filters VLANs`);
        continue;
      }
      if (!placement.vlansOf.get(port)?.has(vid)) {
        out.unplaced.push(`${where}: the port is not a member of VLAN ${vid}`);
        continue;
      }
    }
    out.groups.push({ port, group: canonicalIp(group), vid });
  }
  return out;
}

/** Each directory entry's stream groups by its store key. */
export class StreamGroupTable {
  private readonly byKey = new Map<string, EntryGroups>();

  constructor(private readonly placement: StreamPlacement) {}

  /** Every entry anew (the store opened, or took a full refresh). */
  reset(entries: Iterable<{ key: string; entry: Entry }>): void {
    this.byKey.clear();
    for (const { key, entry } of entries) this.set(key, entry);
  }

  /** The entry at `key` was written (undefined: deleted). */
  set(key: string, entry: Entry | undefined): void {
    const g = entry ? entryGroups(entry, this.placement) : undefined;
    if (g && (g.groups.length > 0 || g.unplaced.length > 0)) this.byKey.set(key, g);
    else this.byKey.delete(key);
  }

  groups(): GroupEntry[] {
    const all = new Map<string, GroupEntry>();
    for (const g of this.byKey.values()) for (const e of g.groups) all.set(groupKey(e), e);
    return [...all.values()].sort(compareGroups);
  }

  unplaced(): string[] {
    return [...this.byKey.values()].flatMap((g) => g.unplaced).sort();
  }
}
