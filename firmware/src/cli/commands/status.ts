// `iss status`: what a running daemon says about itself: role, epoch, manager, members, transport counters,
// on an SM/BSM board its failover state (role, term, VRRP, sync peers and their lag), and the unit's board
// and status LEDs.
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { connectDaemon, controlOptions } from "../control-target.js";
import type { DaemonStatus } from "../../daemon/daemon.js";
import type { FailoverUnitStatus } from "../../daemon/failover.js";
import type { FieldUnitStatus } from "../../daemon/field-unit.js";
import type { SwitchManagerStatus } from "../../switch/io/manager.js";

export function renderStatus(s: DaemonStatus): string {
  const r = s.rmtp;
  const c = r.counters;
  const manager = r.manager ? `${r.manager.name}${r.manager.self ? " (this unit)" : ""}` : "none heard";
  return (
    [
      `${s.node.name} (id ${s.node.id}, ${s.node.role}, ${s.node.address}), up ${(s.uptimeMs / 1000).toFixed(0)} s`,
      `  transport: epoch ${r.epoch}, manager ${manager}, ${r.admitted ? "admitted" : "not admitted"}, ${r.members.length} members: ${r.members.map((m) => m.name).join(" ")}`,
      `  frames sent ${c.framesSent}, received ${c.framesReceived}, re-sent ${c.resentFrames}; messages sent ${c.messagesSent}, delivered ${c.messagesDelivered}`,
      `  rejected: auth ${c.authFailures}, replayed ${c.replayedFrames}, stale epoch ${c.staleEpochFrames}, malformed ${c.rejectedFrames}; evictions ${c.evictions}, gaps ${c.gaps}`,
      ...(s.failover ? renderFailover(s.failover) : []),
      ...(s.switch ? [renderSwitch(s.switch)] : []),
      renderUnit(s.unit),
    ].join("\n") + "\n"
  );
}

/** The switch: VLAN and MDB counts as last read from the kernel, stream groups, drift repairs, updates. */
export function renderSwitch(w: SwitchManagerStatus): string {
  const unplaced = w.unplacedStreams.length ? `, ${w.unplacedStreams.length} streams unplaced` : "";
  const drift = w.lastDrift ? ` (last ${w.lastDrift.at}: ${w.lastDrift.commands.join("; ")})` : "";
  return (
    `  switch: ${w.bridge} ${w.ok ? "as configured" : "differs from the config"}, ${w.vlans} VLANs ` +
    `(${w.vlanMemberships} memberships), ${w.groups} permanent groups (${w.streamGroups} from streams${unplaced}); ` +
    `drift repairs ${w.repairs}${drift}; updates ${w.updates}`
  );
}

/** The board, what its LEDs show (docs/leds.md) and whether systemd was told the unit is ready. */
function renderUnit(u: FieldUnitStatus): string {
  const board = u.board ? `board ${u.board.id}` : "no board";
  const leds = u.leds
    ? `LEDs ${u.leds.shown} (${u.leds.leds.map((l) => `${l.colour} ${l.pattern}`).join(", ")})`
    : "no LEDs";
  const systemd = u.systemd.notify
    ? `systemd ${u.systemd.ready ? "ready" : "starting"}`
    : "not under systemd";
  return `  unit: ${board}, ${leds}, ${systemd}`;
}

/** Role, term, VRRP, the peer(s) on the sync link and how far behind they are, and the last role change. */
function renderFailover(f: FailoverUnitStatus): string[] {
  const term =
    f.role === "sm" ? `SM of epoch ${f.epoch}${f.established ? "" : " (not yet established)"}` : "standby";
  const lease = f.leaseRemainingMs !== null ? `, lease ${f.leaseRemainingMs} ms left` : "";
  const eligible =
    f.role === "standby" ? `, ${f.eligible ? `eligible by ${f.eligibleBy}` : "not eligible"}${lease}` : "";
  const vrrp = f.vrrpRouter
    ? `vrrp ${f.vrrp}, priority ${f.vrrpRouter.priority}, master ${f.vrrpRouter.master ?? "none"}`
    : "vrrp not running";
  const peers =
    f.role === "sm"
      ? f.replication.standbys.map(
          (p) =>
            `  standby node ${p.node}: ${p.connected ? "connected" : "disconnected"}, ${p.inSync ? "in sync" : "out of sync"}, durable CSN ${p.durableCsn}, lag ${f.replication.lastCsn - p.durableCsn}`,
        )
      : [
          `  sync: ${f.replication.sm ? `to SM node ${f.replication.sm.node} in epoch ${f.replication.sm.epoch}` : "no link"}, last CSN ${f.replication.lastCsn}`,
        ];
  const change = f.lastChange ? [`  last change: ${f.lastChange.role}, ${f.lastChange.cause}`] : [];
  return [
    `  failover: ${term}${eligible}; ${vrrp}; virtual address ${f.virtualAddress}; stalls ${f.stalls}`,
    ...peers,
    ...change,
  ];
}

export const statusCommand: Command = {
  name: "status",
  summary: "show a running daemon's role, epoch, members and transport counters",
  usage: "iss status [--socket PATH | --config FILE] [--json]",
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { ...controlOptions, json: { type: "boolean", default: false } },
    });
    const client = await connectDaemon(values);
    try {
      const status = await client.call<DaemonStatus>("status");
      process.stdout.write(values.json ? JSON.stringify(status, null, 2) + "\n" : renderStatus(status));
      return 0;
    } finally {
      client.close();
    }
  },
};
