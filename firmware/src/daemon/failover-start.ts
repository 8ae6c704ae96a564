// Starts the failover of an SM/BSM board: its role-switching directory and the failover unit that drives
// it, wired to each other (leases from the sync link go to the unit; the unit switches the directory).
import type { LoadedConfig } from "../config/load.js";
import type { DirectoryConfig, FailoverConfig } from "../config/schema.js";
import type { Logger } from "../log/logger.js";
import type { RmtpEndpoint } from "../rmtp/io/endpoint.js";
import { FailoverDirectory } from "./failover-directory.js";
import { FailoverUnit } from "./failover.js";
import type { Counters } from "./persistent-counters.js";

export async function startFailover(
  loaded: LoadedConfig,
  directoryConfig: DirectoryConfig,
  failoverConfig: FailoverConfig,
  endpoint: RmtpEndpoint,
  counters: Counters,
  o: { bootEligible: boolean; log: Logger; onRoleChange?: () => void },
): Promise<{ directory: FailoverDirectory; failover: FailoverUnit }> {
  const { config } = loaded;
  const log = o.log.child("failover");
  const forward: { unit?: FailoverUnit } = {};
  const directory = await FailoverDirectory.start(
    loaded,
    directoryConfig,
    failoverConfig,
    endpoint,
    {
      onLease: (epoch, until) => forward.unit?.onLease(epoch, until),
      onTakeoverRequest: (node, priority) => {
        log.info("takeover-request", { node, priority });
        forward.unit?.onTakeoverRequest(node, priority);
      },
      mayConfirm: () => forward.unit?.mayConfirm() ?? false,
      onReleased: () => forward.unit?.onReleased(),
    },
    o.log,
    counters.managerOf,
  );
  const failover = new FailoverUnit({
    failover: failoverConfig,
    node: {
      id: config.node.id,
      interface: config.network.interface,
      address: config.network.address,
      dataDir: config.node.dataDir,
    },
    counters,
    bootEligible: o.bootEligible,
    discoveryMs: 3 * config.rmtp.announceIntervalMs,
    endpoint,
    directory,
    log,
    ...(o.onRoleChange ? { onRoleChange: o.onRoleChange } : {}),
  });
  forward.unit = failover;
  try {
    await failover.start();
  } catch (err) {
    await directory.close();
    throw err;
  }
  log.info("started", {
    vrid: failoverConfig.vrid,
    priority: failoverConfig.priority,
    virtualAddress: failoverConfig.virtualAddress,
    bootEligible: o.bootEligible,
    epoch: counters.epoch,
  });
  return { directory, failover };
}
