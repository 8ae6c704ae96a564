// Text views of the switch for `iss net`: VLANs in the layout of `bridge -c vlan show` (ranges joined),
// groups in the layout of `bridge mdb show` lines, then ports, interfaces and problems. Pure.
import { toRanges } from "./core/vlan-ranges.js";
import type { SwitchState, VlanMember } from "./core/model.js";
import { BRIDGE_VLAN_INFO_PVID, BRIDGE_VLAN_INFO_UNTAGGED } from "./codec/bridge-vlan.js";
import type { ChangeResult } from "./io/apply.js";

const col = (s: string, width: number): string => s.padEnd(width);

function vlanRows(dev: string, vlans: readonly VlanMember[]): string[] {
  return toRanges(vlans).map((r, i) => {
    const vid = r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`;
    const flags = `${r.flags & BRIDGE_VLAN_INFO_PVID ? " PVID" : ""}${r.flags & BRIDGE_VLAN_INFO_UNTAGGED ? " Egress Untagged" : ""}`;
    return `${col(i === 0 ? dev : "", 18)}${vid}${flags}`;
  });
}

export function renderState(s: SwitchState): string {
  const b = s.bridge;
  const o = b.options;
  const lines = [
    b.present
      ? `bridge ${b.name}: ${b.up ? "up" : "down"}, vlan_filtering ${o.vlanFiltering}, mcast_snooping ${o.mcastSnooping}, mcast_querier ${o.mcastQuerier}, mcast_igmp_version ${o.igmpVersion}, mcast_mld_version ${o.mldVersion}`
      : `bridge ${b.name}: absent`,
  ];
  if (b.vlans) {
    lines.push("", `${col("port", 18)}vlan-id`, ...vlanRows(b.name, b.vlans));
    for (const p of s.ports) if (p.vlans) lines.push(...vlanRows(p.name, p.vlans));
  }
  lines.push("", `${col("port", 18)}${col("master", 16)}${col("state", 8)}mcast_router`);
  for (const p of s.ports) {
    lines.push(
      p.present
        ? `${col(p.name, 18)}${col(p.master ?? "-", 16)}${col(p.up ? "up" : "down", 8)}${p.mcastRouter}`
        : `${col(p.name, 18)}absent`,
    );
  }
  if (s.interfaces.length) {
    lines.push("", `${col("interface", 18)}${col("link", 16)}${col("vid", 6)}${col("state", 8)}addresses`);
    for (const i of s.interfaces) {
      lines.push(
        i.present
          ? `${col(i.name, 18)}${col(i.parent ?? "-", 16)}${col(String(i.vid), 6)}${col(i.up ? "up" : "down", 8)}${i.addresses.join(" ")}`
          : `${col(i.name, 18)}absent`,
      );
    }
  }
  if (s.groups.length) {
    lines.push("");
    for (const g of s.groups) {
      lines.push(`dev ${b.name} port ${g.port} grp ${g.group} permanent${g.vid ? ` vid ${g.vid}` : ""}`);
    }
  }
  return lines.join("\n") + "\n";
}

export function renderChanges(changes: readonly ChangeResult[], missing: readonly string[]): string {
  const lines = changes.flatMap((c) =>
    c.commands.map((cmd) => (c.error ? `${cmd}    # failed: ${c.error}` : cmd)),
  );
  for (const m of missing) lines.push(`# port ${m} does not exist`);
  return lines.length ? lines.join("\n") + "\n" : "";
}
