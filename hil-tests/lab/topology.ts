// The lab's network: the switch (a Linux bridge with IGMP snooping and a querier, in a namespace of its
// own) and, per board, a namespace joined to a switch port by a veth pair, with its service LAN address,
// a multicast route and tbf rate limits in both directions. Nothing is created in the host's namespace.
import { addNetns, ip, tc } from "./netns.js";
import { tbfArgs } from "./rate.js";
import type { BoardState, LabState } from "./state.js";

/**
 * IGMP snooping with the bridge as an IGMPv3 querier. Version 3 matters: a v2 querier puts the boards in
 * v2 mode, where a board that hears another board's report for a group suppresses its own, and the bridge
 * floods reports while it waits for its first query round, so a joined board could stay unknown to the
 * snooping table. Times are in centiseconds: a general query every 10 s with a 1 s maximum response time
 * (switch defaults are 125 s and 10 s), so a board whose port came back up, and got the bridge's startup
 * query, is a group member again within about a second.
 */
const snooping = [
  ..."mcast_snooping 1 mcast_querier 1 mcast_igmp_version 3 mcast_mld_version 2".split(" "),
  ..."mcast_query_interval 1000 mcast_query_response_interval 100".split(" "),
];

export async function createSwitch(state: LabState): Promise<void> {
  const sw = state.switchNamespace;
  await addNetns(sw);
  await ip(sw, ["link", "add", state.bridge, "type", "bridge", ...snooping]);
  await ip(sw, ["link", "set", state.bridge, "up"]);
}

export async function addBoardNetwork(state: LabState, board: BoardState): Promise<void> {
  const sw = state.switchNamespace;
  const ns = board.namespace;
  await addNetns(ns);
  await ip(sw, ["link", "add", board.port, "type", "veth", "peer", "name", board.interface, "netns", ns]);
  await ip(sw, ["link", "set", board.port, "master", state.bridge, "up"]);
  await ip(ns, ["addr", "add", `${board.address}/${board.prefixLength}`, "dev", board.interface]);
  await ip(ns, ["link", "set", board.interface, "up"]);
  await ip(ns, ["route", "add", "224.0.0.0/4", "dev", board.interface]);
  if (state.rate !== null) {
    await tc(sw, tbfArgs(board.port, state.rate));
    await tc(ns, tbfArgs(board.interface, state.rate));
  }
}

export async function setPortUp(state: LabState, board: BoardState, up: boolean): Promise<void> {
  await ip(state.switchNamespace, ["link", "set", board.port, up ? "up" : "down"]);
}
