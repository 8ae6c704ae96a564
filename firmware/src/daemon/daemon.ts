// The firmware daemon's composition root: from a validated config it opens the UDP multicast transport on
// the service interface, starts the RMTP endpoint (as manager on the Service Manager), persists the
// incarnation and epoch, serves the control socket, and logs what happens as JSON lines. Its field unit
// (field-unit.ts) checks the board, drives the status LEDs and tells systemd when it is ready.
import { createHash } from "node:crypto";
import type { LoadedConfig } from "../config/load.js";
import { ControlServer } from "../control/server.js";
import type { Logger } from "../log/logger.js";
import { Role } from "../rmtp/codec/frames.js";
import type { Delivery, NodeEvent } from "../rmtp/core/types.js";
import { realClock } from "../rmtp/io/clock.js";
import { RmtpEndpoint } from "../rmtp/io/endpoint.js";
import type { NodeStatus } from "../rmtp/core/node.js";
import { UdpTransport } from "../rmtp/io/udp-transport.js";
import { readCounters, writeCounters } from "./persistent-counters.js";
import { RateLimitedLog } from "../log/rate-limited-log.js";
import { SendTracker } from "./send-tracker.js";
import { rmtpParams } from "./rmtp-params.js";
import { Keyring } from "../rmtp/codec/keyring.js";
import { startDirectory, type RunningDirectory } from "./directory.js";
import { startFailover } from "./failover-start.js";
import type { FailoverUnit, FailoverUnitStatus } from "./failover.js";
import type { ChangeOp } from "../directory/model/types.js";
import { FieldUnit, type FieldUnitStatus } from "./field-unit.js";
import { switchPortErrors } from "../board/switch-ports.js";
import { desiredState } from "../switch/core/desired.js";
import { SwitchManager, type SwitchManagerStatus } from "../switch/io/manager.js";
import { followStreamGroups } from "./switch-streams.js";
import { SnmpUnit } from "../snmp/service/unit.js";
import { snmpRequest } from "../snmp/service/control.js";

const roles = { sm: Role.Sm, bsm: Role.Bsm, se: Role.Se } as const;

function messageIdArg(args: Record<string, unknown>): number {
  const id = args.messageId;
  if (typeof id !== "number" || !Number.isSafeInteger(id)) throw new Error("messageId must be an integer");
  return id;
}

/** What the control op `status` answers. */
export interface DaemonStatus {
  node: { name: string; id: number; role: string; address: string };
  uptimeMs: number;
  rmtp: NodeStatus;
  failover?: FailoverUnitStatus;
  switch?: SwitchManagerStatus;
  /** Board, status LEDs and systemd notification (field-unit.ts). */
  unit: FieldUnitStatus;
}

export interface RunningDaemon {
  endpoint: RmtpEndpoint;
  stop(reason: string): Promise<void>;
}

export async function startDaemon(loaded: LoadedConfig, log: Logger): Promise<RunningDaemon> {
  const { config } = loaded;
  const field = await FieldUnit.open(config, log);
  const portErrors = field.board && config.switch ? switchPortErrors(field.board, config.switch.ports) : [];
  if (portErrors.length > 0) {
    field.close("fault");
    throw new Error(portErrors.map((e) => `${e.path}: ${e.message}`).join("; "));
  }
  const startedAt = Date.now();
  const dataDir = config.node.dataDir;
  const previous = readCounters(dataDir);
  /* Without failover the configured SM is the manager; with it, the failover unit elects one. */
  const isManager = config.node.role === "sm" && !config.failover;
  const counters = {
    incarnation: previous.incarnation + 1,
    epoch: isManager ? previous.epoch + 1 : previous.epoch,
    managerOf: previous.managerOf,
  };
  writeCounters(dataDir, counters);

  /* The switch first: the service address may live on one of its 802.1Q interfaces. */
  const switchManager = config.switch
    ? new SwitchManager(desiredState(config.switch, config.rmtp.group), log.child("switch"))
    : undefined;
  await switchManager?.start();
  if (switchManager && config.switch && config.directory)
    followStreamGroups(loaded, config.switch, switchManager, log.child("switch"));

  const transport = await UdpTransport.open({
    group: config.rmtp.group,
    port: config.rmtp.port,
    interfaceAddress: config.network.address,
  });
  const rmtpLog = log.child("rmtp");
  const rejects = new RateLimitedLog(rmtpLog);
  const status = (): DaemonStatus => ({
    node: {
      name: config.node.name,
      id: config.node.id,
      role: config.node.role,
      address: config.network.address,
    },
    uptimeMs: Date.now() - startedAt,
    rmtp: endpoint.status(),
    ...(failover ? { failover: failover.status() } : {}),
    ...(switchManager ? { switch: switchManager.status() } : {}),
    unit: field.status(),
  });
  const control = new ControlServer(config.control.socket, {
    status,
    "led.identify": (args) => field.identify(args.seconds === undefined ? 30 : Number(args.seconds)),
    "rmtp.submit": (args) => {
      if (typeof args.payloadBase64 !== "string") throw new Error("rmtp.submit needs payloadBase64");
      return { messageId: sends.submit(Buffer.from(args.payloadBase64, "base64")) };
    },
    "rmtp.result": (args) => sends.result(messageIdArg(args)),
    "rmtp.abort": (args) => ({ outcome: sends.abort(messageIdArg(args)) }),
    "failover.handover": (args) => {
      if (!failover) throw new Error("this unit has no failover section in its config");
      if (args.to !== undefined && !Number.isSafeInteger(args.to)) throw new Error("to must be a node id");
      return failover.handOver(args.to as number | undefined);
    },
    "switch.status": () => {
      if (!switchManager) throw new Error("this unit has no switch section in its config");
      return switchManager.status();
    },
    "dir.status": () => {
      if (!directory) throw new Error("this unit has no directory section in its config");
      return directory.status();
    },
    "dir.announce": (args) => {
      if (!directory) throw new Error("this unit has no directory section in its config");
      if (!Array.isArray(args.ops)) throw new Error("dir.announce needs ops (a list of LDAP operations)");
      return directory.announce(args.ops as ChangeOp[]);
    },
    "snmp.request": (args) => {
      if (!snmp) throw new Error("this unit has no snmp section in its config");
      return snmpRequest(snmp.multicast, args);
    },
  });
  let directory: RunningDirectory | undefined;
  let failover: FailoverUnit | undefined;
  let snmp: SnmpUnit | undefined;

  const onEvent = (event: NodeEvent): void => {
    const { event: name, ...fields } = event;
    if (name === "epoch-changed" && isManager && event.to > counters.epoch) {
      counters.epoch = event.to;
      writeCounters(dataDir, counters);
    }
    const level =
      name === "member-evicted" || name === "manager-lost" || name === "gap" || name === "evicted-self"
        ? "warn"
        : "info";
    rmtpLog[level](name, fields);
    control.publish("rmtp.event", event);
    directory?.onEvent(event);
    failover?.onRmtpEvent(event);
  };
  const onDeliver = (d: Delivery): void => {
    if (directory?.onDeliver(d) || snmp?.onDeliver(d)) return;
    const sha256 = createHash("sha256").update(d.payload).digest("hex");
    rmtpLog.info("delivered", {
      source: d.sourceName,
      messageId: d.messageId,
      bytes: d.payload.length,
      sha256,
    });
    control.publish("rmtp.deliver", {
      source: d.source,
      sourceName: d.sourceName,
      incarnation: d.incarnation,
      messageId: d.messageId,
      bytes: d.payload.length,
      sha256,
      payloadBase64: d.payload.toString("base64"),
    });
  };

  const endpoint = new RmtpEndpoint({
    identity: {
      id: config.node.id,
      name: config.node.name,
      role: roles[config.node.role],
      incarnation: counters.incarnation,
    },
    params: rmtpParams(config.rmtp),
    keyring: new Keyring(loaded.keys, config.rmtp.sendKeyId),
    transport,
    clock: realClock,
    managerEpoch: isManager ? counters.epoch : undefined,
    election: config.failover ? "external" : "static",
    onDeliver,
    onEvent,
    onReject: (reason, from, bytes) =>
      rejects.warn(`${reason}:${from.address}`, "frame-rejected", {
        reason,
        from: from.address,
        port: from.port,
        bytes,
      }),
  });

  const sends = new SendTracker(endpoint);
  try {
    if (config.directory && config.failover) {
      const unit = await startFailover(loaded, config.directory, config.failover, endpoint, counters, {
        bootEligible:
          (previous.managerOf !== 0 && previous.managerOf === previous.epoch) ||
          (previous.epoch === 0 && config.node.role === "sm"),
        log,
        onRoleChange: () => snmp?.roleChanged(),
      });
      failover = unit.failover;
      directory = unit.directory;
    } else if (config.directory) {
      directory = await startDirectory(loaded, config.directory, endpoint, log);
    }
  } catch (err) {
    await endpoint.close();
    throw err;
  }
  if (config.snmp && loaded.snmp)
    snmp = new SnmpUnit(
      config.snmp,
      loaded.snmp,
      config.network.address,
      endpoint,
      new Keyring(loaded.keys, config.rmtp.sendKeyId),
      {
        status,
        directory: () => directory?.status() ?? null,
        identify: (seconds) => field.identify(seconds),
      },
      log.child("snmp"),
    );
  await control.listen();
  field.follow(status);

  log.info("started", {
    name: config.node.name,
    id: config.node.id,
    role: config.node.role,
    address: config.network.address,
    group: `${config.rmtp.group}:${config.rmtp.port}`,
    incarnation: counters.incarnation,
    epoch: isManager ? counters.epoch : null,
    control: config.control.socket,
  });

  return {
    endpoint,
    async stop(reason: string) {
      log.info("stopping", { reason });
      await field.stopping();
      await failover?.stop();
      await directory?.close();
      await snmp?.close();
      await endpoint.close();
      await control.close();
      switchManager?.close();
      field.close();
      log.info("stopped", { reason });
    },
  };
}
