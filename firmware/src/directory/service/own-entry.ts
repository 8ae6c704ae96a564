// A switch's own entry below ou=switches (issSwitch, named by the node name): the add that creates it and
// the modify that refreshes its role, address and health when it already exists.
import type { ChangeOp } from "../model/types.js";

export interface OwnSwitch {
  suffix: string;
  name: string;
  role: string;
  address: string;
}

function own(s: OwnSwitch): Record<string, string[]> {
  return { issRole: [s.role], issAddress: [s.address], issHealth: ["ok"] };
}

export function ownEntryDn(s: OwnSwitch): string {
  return `cn=${s.name},ou=switches,${s.suffix}`;
}

export function ownEntryAdd(s: OwnSwitch): ChangeOp {
  return {
    type: "add",
    dn: ownEntryDn(s),
    attributes: { objectClass: ["issSwitch"], cn: [s.name], ...own(s) },
  };
}

export function ownEntryRefresh(s: OwnSwitch): ChangeOp {
  return {
    type: "modify",
    dn: ownEntryDn(s),
    modifications: Object.entries(own(s)).map(([attribute, values]) => ({
      operation: "replace" as const,
      attribute,
      values,
    })),
  };
}
