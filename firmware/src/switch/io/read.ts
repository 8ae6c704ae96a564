// Reads the kernel's switch state over a netlink session: up to four dumps (links, bridge ports with VLAN
// ranges, the MDB, and IPv4 addresses when the desired state has 802.1Q interfaces), decoded and projected
// onto what the desired state names.
import { decodeAddr, dumpAddrPayload, RTM_GETADDR, type AddrRecord } from "../codec/addr.js";
import { AF_BRIDGE, AF_UNSPEC } from "../codec/ifinfo.js";
import { decodeLink, dumpLinksPayload, RTM_GETLINK } from "../codec/link.js";
import { decodeMdb, dumpMdbPayload, RTM_GETMDB } from "../codec/mdb.js";
import { actualState, type KernelSnapshot } from "../core/actual.js";
import type { SwitchState } from "../core/model.js";
import type { NetlinkSession } from "./session.js";

export interface ReadResult {
  snapshot: KernelSnapshot;
  state: SwitchState;
  /** performance.now() when the read began: every change notified before then is in it. */
  startedAt: number;
}

/** `addresses`: whether to dump the IPv4 addresses (only 802.1Q interfaces have managed ones). */
export async function readSnapshot(session: NetlinkSession, addresses = true): Promise<KernelSnapshot> {
  const links = (await session.dump(RTM_GETLINK, dumpLinksPayload(AF_UNSPEC), "link dump")).map((m) =>
    decodeLink(m.payload),
  );
  const bridgeLinks = (await session.dump(RTM_GETLINK, dumpLinksPayload(AF_BRIDGE), "bridge port dump")).map(
    (m) => decodeLink(m.payload),
  );
  const mdb = (await session.dump(RTM_GETMDB, dumpMdbPayload(), "MDB dump")).flatMap((m) =>
    decodeMdb(m.payload),
  );
  const addrs = addresses
    ? (await session.dump(RTM_GETADDR, dumpAddrPayload(), "address dump"))
        .map((m) => decodeAddr(m.payload))
        .filter((a): a is AddrRecord => a !== undefined)
    : [];
  return { links, bridgeLinks, mdb, addresses: addrs };
}

export async function readState(session: NetlinkSession, desired: SwitchState): Promise<ReadResult> {
  const startedAt = performance.now();
  const snapshot = await readSnapshot(session, desired.interfaces.length > 0);
  return { snapshot, state: actualState(snapshot, desired), startedAt };
}
