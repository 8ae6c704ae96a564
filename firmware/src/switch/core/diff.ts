// The reconciler's core: (desired, actual) -> the ordered changes that make actual what desired says, and
// the configured ports that do not exist (nothing can be done for them until they appear). The same state
// twice gives no change. Used backwards for a rollback: the state read before an apply as the desired one.
// Pure.
import { bridgeOptionAttrs, type BridgeOptionName, type BridgeOptions } from "../codec/link.js";
import { sortChanges, type Change } from "./changes.js";
import { groupKey, type SwitchState, type VlanMember } from "./model.js";

export interface Plan {
  changes: Change[];
  /** Configured ports with no link of that name. */
  missing: string[];
}

const nonDefault = (o: BridgeOptions): Partial<BridgeOptions> => ({
  ...(o.vlanFiltering !== 0 ? { vlanFiltering: o.vlanFiltering } : {}),
  ...(o.mcastSnooping !== 1 ? { mcastSnooping: o.mcastSnooping } : {}),
  ...(o.mcastQuerier !== 0 ? { mcastQuerier: o.mcastQuerier } : {}),
  ...(o.igmpVersion !== 2 ? { igmpVersion: o.igmpVersion } : {}),
  ...(o.mldVersion !== 1 ? { mldVersion: o.mldVersion } : {}),
});

const sameMember = (a: VlanMember, b: VlanMember | undefined): boolean =>
  b !== undefined && a.vid === b.vid && a.pvid === b.pvid && a.untagged === b.untagged;

function vlanChanges(
  dev: string,
  self: boolean,
  want: readonly VlanMember[],
  have: readonly VlanMember[],
): Change[] {
  if (want.length === have.length && want.every((m, i) => sameMember(m, have[i]))) return [];
  const haveBy = new Map(have.map((m) => [m.vid, m]));
  const wantBy = new Set(want.map((m) => m.vid));
  const add = want.filter((m) => {
    const h = haveBy.get(m.vid);
    return !h || h.pvid !== m.pvid || h.untagged !== m.untagged;
  });
  const del = have.filter((m) => !wantBy.has(m.vid));
  return [
    ...(add.length ? [{ op: "vlan-add", dev, self, vlans: add } as const] : []),
    ...(del.length ? [{ op: "vlan-del", dev, self, vlans: del } as const] : []),
  ];
}

export function diff(desired: SwitchState, actual: SwitchState): Plan {
  const out: Change[] = [];
  const missing: string[] = [];
  const d = desired.bridge;
  const a = actual.bridge;
  const bridge = d.name;
  if (!d.present) {
    if (a.present) out.push({ op: "link-del", link: bridge });
  } else {
    if (!a.present) out.push({ op: "bridge-create", bridge, options: nonDefault(d.options) });
    else {
      const changed = (Object.keys(bridgeOptionAttrs) as BridgeOptionName[]).filter(
        (k) => d.options[k] !== a.options[k],
      );
      if (changed.length) {
        out.push({
          op: "bridge-set",
          bridge,
          options: Object.fromEntries(changed.map((k) => [k, d.options[k]])),
        });
      }
    }
    if (!a.up) out.push({ op: "link-up", link: bridge, up: true });
    if (d.vlans) out.push(...vlanChanges(bridge, true, d.vlans, a.present ? (a.vlans ?? []) : []));
  }
  const actualPorts = new Map(actual.ports.map((p) => [p.name, p]));
  const usablePorts = new Set<string>();
  for (const p of desired.ports) {
    const have = actualPorts.get(p.name);
    if (!have?.present) {
      if (p.present) missing.push(p.name);
      continue;
    }
    usablePorts.add(p.name);
    if (have.master !== p.master) out.push({ op: "link-master", link: p.name, master: p.master });
    if (have.up !== p.up) out.push({ op: "link-up", link: p.name, up: p.up });
    if (p.master === null) continue;
    const joined = have.master === p.master;
    if (p.mcastRouter !== (joined ? have.mcastRouter : 1))
      out.push({ op: "port-router", port: p.name, mode: p.mcastRouter });
    if (p.vlans) out.push(...vlanChanges(p.name, false, p.vlans, joined ? (have.vlans ?? []) : []));
  }
  const actualIfs = new Map(actual.interfaces.map((i) => [i.name, i]));
  for (const i of desired.interfaces) {
    const have = actualIfs.get(i.name);
    const matches = have?.present && have.parent === i.parent && have.vid === i.vid;
    if (have?.present && (!i.present || !matches)) out.push({ op: "link-del", link: i.name });
    if (!i.present) continue;
    if (!matches && i.parent !== null)
      out.push({ op: "vlan-link-add", link: i.name, parent: i.parent, vid: i.vid });
    if (!matches || have.up !== i.up) out.push({ op: "link-up", link: i.name, up: i.up });
    const had = new Set(matches ? have.addresses : []);
    for (const cidr of had) if (!i.addresses.includes(cidr)) out.push({ op: "addr-del", link: i.name, cidr });
    for (const cidr of i.addresses) if (!had.has(cidr)) out.push({ op: "addr-add", link: i.name, cidr });
  }
  if (d.present) {
    const want = new Map(desired.groups.filter((g) => usablePorts.has(g.port)).map((g) => [groupKey(g), g]));
    const have = new Map(a.present ? actual.groups.map((g) => [groupKey(g), g]) : []);
    for (const [key, entry] of have) if (!want.has(key)) out.push({ op: "mdb-del", bridge, entry });
    for (const [key, entry] of want) if (!have.has(key)) out.push({ op: "mdb-add", bridge, entry });
  }
  return { changes: sortChanges(out), missing };
}
