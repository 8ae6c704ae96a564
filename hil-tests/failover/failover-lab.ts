// The failover system tests' view of a lab with failover on (b1 SM at VRRP priority 200, b2 BSM at 100,
// SEs after): each board's failover status over its control socket, waiting for a role, and the terms
// every SM/BSM board logged (role-changed to sm, with the epoch), to check that no two boards ever held
// the same epoch; and an nftables partition between two boards.
import { ControlClient } from "../../firmware/src/control/client.js";
import type { DaemonStatus } from "../../firmware/src/daemon/daemon.js";
import type { FailoverUnitStatus } from "../../firmware/src/daemon/failover.js";
import type { Lab } from "../lab/index.js";
import { nft } from "../lab/netns.js";
import { daemonRunsOf } from "../rmtp/daemon-log.js";
import { pollUntil } from "../rmtp/group-under-test.js";

export async function daemonStatus(lab: Lab, board: number): Promise<DaemonStatus> {
  const client = await ControlClient.connect(lab.board(board).controlSocket, 1000);
  try {
    return await client.call<DaemonStatus>("status");
  } finally {
    client.close();
  }
}

export async function failoverStatus(lab: Lab, board: number): Promise<FailoverUnitStatus | undefined> {
  return daemonStatus(lab, board).then(
    (s) => s.failover,
    () => undefined,
  );
}

/** Waits until `board` is an established SM (true) or an in-sync standby holding a lease (false). */
export async function waitRole(lab: Lab, board: number, sm: boolean, timeoutMs: number): Promise<boolean> {
  const reached = (s: FailoverUnitStatus | undefined): boolean =>
    s !== undefined &&
    (sm ? s.role === "sm" && s.established : s.role === "standby" && s.eligibleBy === "lease");
  return reached(await pollUntil(() => failoverStatus(lab, board), reached, timeoutMs, 20));
}

export interface Term {
  board: number;
  epoch: number;
  at: number;
}

/** Every manager term the boards' logs show, oldest first. */
export function terms(lab: Lab, boards: number[]): Term[] {
  const out: Term[] = [];
  for (const board of boards)
    for (const record of daemonRunsOf(lab, board).flat())
      if (record.event === "role-changed" && record.role === "sm")
        out.push({ board, epoch: Number(record.epoch), at: Date.parse(record.ts) });
  return out.sort((a, b) => a.at - b.at);
}

const partitionTable = "iss_partition";

/** Cuts boards `a` and `b` off from each other only (nftables in both namespaces); both still see the rest. */
export async function partition(lab: Lab, a: number, b: number): Promise<void> {
  for (const [self, peer] of [
    [a, b],
    [b, a],
  ] as const) {
    await nft(
      lab.board(self).namespace,
      `table inet ${partitionTable} {\n  chain input {\n    type filter hook input priority -10; policy accept;\n` +
        `    ip saddr ${lab.board(peer).address} drop\n  }\n}\n`,
    );
  }
}

export async function heal(lab: Lab, a: number, b: number): Promise<void> {
  for (const self of [a, b]) await nft(lab.board(self).namespace, `delete table inet ${partitionTable}\n`);
}
