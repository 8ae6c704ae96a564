// Each change as the rtnetlink requests that do it, given the ifindex of every link it names (the apply
// adapter resolves names from its last dump). A VLAN change is one request per device with its VLANs as
// ranges; an MDB change is one request per entry (the kernel takes one entry per message). Pure.
import { addrPayload, RTM_DELADDR, RTM_NEWADDR } from "../codec/addr.js";
import { vlanPayload } from "../codec/bridge-vlan.js";
import {
  bridgeOptionsPayload,
  createBridgePayload,
  createVlanPayload,
  deleteLinkPayload,
  portRouterPayload,
  RTM_DELLINK,
  RTM_NEWLINK,
  RTM_SETLINK,
  setMasterPayload,
  setUpPayload,
} from "../codec/link.js";
import { MDB_PERMANENT, mdbPayload, RTM_DELMDB, RTM_NEWMDB } from "../codec/mdb.js";
import { NLM_F_CREATE, NLM_F_EXCL } from "../codec/nlmsg.js";
import type { Change } from "./changes.js";
import { toRanges } from "./vlan-ranges.js";

export interface Request {
  type: number;
  /** NLM_F_CREATE, NLM_F_EXCL...; the session adds REQUEST and ACK. */
  flags: number;
  payload: Buffer;
}

const create = NLM_F_CREATE | NLM_F_EXCL;

/** `index(name)` throws when the link is unknown. */
export function toRequest(c: Change, index: (name: string) => number): Request {
  switch (c.op) {
    case "link-del":
      return { type: RTM_DELLINK, flags: 0, payload: deleteLinkPayload(index(c.link)) };
    case "bridge-create":
      return { type: RTM_NEWLINK, flags: create, payload: createBridgePayload(c.bridge, c.options) };
    case "link-master":
      return {
        type: RTM_SETLINK,
        flags: 0,
        payload: setMasterPayload(index(c.link), c.master === null ? 0 : index(c.master)),
      };
    case "vlan-link-add":
      return { type: RTM_NEWLINK, flags: create, payload: createVlanPayload(c.link, index(c.parent), c.vid) };
    case "bridge-set":
      return { type: RTM_NEWLINK, flags: 0, payload: bridgeOptionsPayload(index(c.bridge), c.options) };
    case "link-up":
      return { type: RTM_SETLINK, flags: 0, payload: setUpPayload(index(c.link), c.up) };
    case "port-router":
      return { type: RTM_SETLINK, flags: 0, payload: portRouterPayload(index(c.port), c.mode) };
    case "vlan-add":
      return { type: RTM_SETLINK, flags: 0, payload: vlanPayload(index(c.dev), c.self, toRanges(c.vlans)) };
    case "vlan-del":
      return {
        type: RTM_DELLINK,
        flags: 0,
        payload: vlanPayload(
          index(c.dev),
          c.self,
          toRanges(c.vlans.map((v) => ({ vid: v.vid, pvid: false, untagged: false }))),
        ),
      };
    case "addr-add":
      return {
        type: RTM_NEWADDR,
        flags: create,
        payload: addrPayload({ index: index(c.link), cidr: c.cidr }),
      };
    case "addr-del":
      return { type: RTM_DELADDR, flags: 0, payload: addrPayload({ index: index(c.link), cidr: c.cidr }) };
    case "mdb-add":
    case "mdb-del":
      return {
        type: c.op === "mdb-add" ? RTM_NEWMDB : RTM_DELMDB,
        flags: c.op === "mdb-add" ? create : 0,
        payload: mdbPayload(index(c.bridge), {
          port: index(c.entry.port),
          state: MDB_PERMANENT,
          vid: c.entry.vid,
          group: c.entry.group,
        }),
      };
  }
}
