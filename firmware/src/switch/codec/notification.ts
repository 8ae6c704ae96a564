// Which object a notification on the link, IPv4 address, MDB and bridge VLAN multicast groups is about:
// the ifindex (and name, for links) it names. RTM_NEWVLAN/DELVLAN carry struct br_vlan_msg (8 bytes: u8
// family, u8 and u16 reserved, u32 ifindex). Pure; throws NetlinkDecodeError on a short or malformed message.
import { NetlinkDecodeError } from "./attrs.js";
import { RTM_DELADDR, RTM_NEWADDR } from "./addr.js";
import { decodeLink, RTM_DELLINK, RTM_NEWLINK } from "./link.js";
import { RTM_DELMDB, RTM_NEWMDB } from "./mdb.js";
import type { NlMessage } from "./nlmsg.js";

export const RTM_NEWVLAN = 112;
export const RTM_DELVLAN = 113;

/** rtnetlink multicast groups (RTNLGRP_*) the switch listens to. */
export const notificationGroups = { link: 1, ipv4Address: 5, mdb: 26, bridgeVlan: 33 } as const;

export interface NotificationSubject {
  kind: "link" | "address" | "mdb" | "vlan";
  index: number;
  name?: string;
  master?: number;
}

function u32At(payload: Buffer, offset: number, what: string): number {
  if (payload.length < offset + 4) throw new NetlinkDecodeError(`${what}: ${payload.length} bytes`);
  return payload.readUInt32LE(offset);
}

/** The subject of a notification, or undefined for message types the switch does not follow. */
export function notificationSubject(m: NlMessage): NotificationSubject | undefined {
  switch (m.type) {
    case RTM_NEWLINK:
    case RTM_DELLINK: {
      const l = decodeLink(m.payload);
      return { kind: "link", index: l.index, name: l.name, master: l.master };
    }
    case RTM_NEWADDR:
    case RTM_DELADDR:
      return { kind: "address", index: u32At(m.payload, 4, "ifaddrmsg") };
    case RTM_NEWMDB:
    case RTM_DELMDB:
      return { kind: "mdb", index: u32At(m.payload, 4, "br_port_msg") };
    case RTM_NEWVLAN:
    case RTM_DELVLAN:
      return { kind: "vlan", index: u32At(m.payload, 4, "br_vlan_msg") };
    default:
      return undefined;
  }
}
