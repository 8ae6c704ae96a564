// The changes a plan is made of, in the order they are applied, and each one as the iproute2 command lines
// that would do the same (`iss net diff` prints them; a network engineer can paste them into `ip`/`bridge`).
// Structural changes (links created, deleted or moved between bridges) come first: the state is read
// again after them, because the kernel adds defaults (VLAN 1 on a new port) that the plan must see.
import { bridgeOptionAttrs, type BridgeOptionName, type BridgeOptions } from "../codec/link.js";
import type { GroupEntry, VlanMember } from "./model.js";
import { toRanges } from "./vlan-ranges.js";
import { BRIDGE_VLAN_INFO_PVID, BRIDGE_VLAN_INFO_UNTAGGED } from "../codec/bridge-vlan.js";

export type Change =
  | { op: "link-del"; link: string }
  | { op: "bridge-create"; bridge: string; options: Partial<BridgeOptions> }
  | { op: "link-master"; link: string; master: string | null }
  | { op: "vlan-link-add"; link: string; parent: string; vid: number }
  | { op: "bridge-set"; bridge: string; options: Partial<BridgeOptions> }
  | { op: "link-up"; link: string; up: boolean }
  | { op: "port-router"; port: string; mode: number }
  | { op: "vlan-add"; dev: string; self: boolean; vlans: VlanMember[] }
  | { op: "vlan-del"; dev: string; self: boolean; vlans: VlanMember[] }
  | { op: "addr-add"; link: string; cidr: string }
  | { op: "addr-del"; link: string; cidr: string }
  | { op: "mdb-add"; bridge: string; entry: GroupEntry }
  | { op: "mdb-del"; bridge: string; entry: GroupEntry };

export type ChangeOp = Change["op"];

/** Application order; the structural ones first. */
export const opOrder: readonly ChangeOp[] = [
  "link-del",
  "bridge-create",
  "link-master",
  "vlan-link-add",
  "bridge-set",
  "link-up",
  "port-router",
  "vlan-add",
  "addr-del",
  "addr-add",
  "mdb-del",
  "vlan-del",
  "mdb-add",
];

const structuralOps = new Set<ChangeOp>(["link-del", "bridge-create", "link-master", "vlan-link-add"]);

export function isStructural(c: Change): boolean {
  return structuralOps.has(c.op);
}

export function sortChanges(changes: readonly Change[]): Change[] {
  return [...changes].sort((a, b) => opOrder.indexOf(a.op) - opOrder.indexOf(b.op));
}

const optionWords: Record<BridgeOptionName, string> = {
  vlanFiltering: "vlan_filtering",
  mcastSnooping: "mcast_snooping",
  mcastQuerier: "mcast_querier",
  igmpVersion: "mcast_igmp_version",
  mldVersion: "mcast_mld_version",
};

function optionText(options: Partial<BridgeOptions>): string {
  return (Object.keys(bridgeOptionAttrs) as BridgeOptionName[])
    .filter((k) => options[k] !== undefined)
    .map((k) => ` ${optionWords[k]} ${options[k]}`)
    .join("");
}

function vlanLines(verb: "add" | "del", dev: string, self: boolean, vlans: readonly VlanMember[]): string[] {
  return toRanges(vlans).map((r) => {
    const vid = r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`;
    const flags =
      verb === "add"
        ? `${r.flags & BRIDGE_VLAN_INFO_PVID ? " pvid" : ""}${r.flags & BRIDGE_VLAN_INFO_UNTAGGED ? " untagged" : ""}`
        : "";
    return `bridge vlan ${verb} dev ${dev} vid ${vid}${flags}${self ? " self" : ""}`;
  });
}

function mdbLine(verb: "add" | "del", bridge: string, e: GroupEntry): string {
  return `bridge mdb ${verb} dev ${bridge} port ${e.port} grp ${e.group} permanent${e.vid ? ` vid ${e.vid}` : ""}`;
}

/** The iproute2 command lines doing `c`. */
export function describe(c: Change): string[] {
  switch (c.op) {
    case "link-del":
      return [`ip link del ${c.link}`];
    case "bridge-create":
      return [`ip link add ${c.bridge} type bridge${optionText(c.options)}`];
    case "link-master":
      return [`ip link set ${c.link} ${c.master === null ? "nomaster" : `master ${c.master}`}`];
    case "vlan-link-add":
      return [`ip link add link ${c.parent} name ${c.link} type vlan id ${c.vid}`];
    case "bridge-set":
      return [`ip link set ${c.bridge} type bridge${optionText(c.options)}`];
    case "link-up":
      return [`ip link set ${c.link} ${c.up ? "up" : "down"}`];
    case "port-router":
      return [`bridge link set dev ${c.port} mcast_router ${c.mode}`];
    case "vlan-add":
      return vlanLines("add", c.dev, c.self, c.vlans);
    case "vlan-del":
      return vlanLines("del", c.dev, c.self, c.vlans);
    case "addr-add":
      return [`ip addr add ${c.cidr} dev ${c.link}`];
    case "addr-del":
      return [`ip addr del ${c.cidr} dev ${c.link}`];
    case "mdb-add":
      return [mdbLine("add", c.bridge, c.entry)];
    case "mdb-del":
      return [mdbLine("del", c.bridge, c.entry)];
  }
}
