// Composes the directory of a board without failover from its config: the SM's writer or an SE's replica
// on top of the RMTP endpoint, and the LDAP service on the board's service address. Routes directory
// messages from RMTP to it and re-syncs a replica whenever RMTP reports that it (re)joined or missed data.
import type { LoadedConfig } from "../config/load.js";
import type { DirectoryConfig } from "../config/schema.js";
import type { Logger } from "../log/logger.js";
import type { Delivery, NodeEvent } from "../rmtp/core/types.js";
import type { RmtpEndpoint } from "../rmtp/io/endpoint.js";
import { isDirectoryPayload, unpackMessage } from "../directory/codec/envelope.js";
import { DirectoryLdapService } from "../directory/ldap/ldap-server.js";
import type { ChangeOp } from "../directory/model/types.js";
import { SeDirectory, type AnnounceResult } from "../directory/service/se-directory.js";
import { SmDirectory, type DirectoryStatus } from "../directory/service/sm-directory.js";
import { ldapServiceOptions, openDirectoryStore, SelfRegistration } from "./directory-parts.js";

export interface RunningDirectory {
  /** Takes a delivered RMTP message if it is a directory message; false when it is not one. */
  onDeliver(d: Delivery): boolean;
  onEvent(e: NodeEvent): void;
  status(): DirectoryStatus;
  announce(ops: ChangeOp[]): Promise<AnnounceResult>;
  close(): Promise<void>;
}

export async function startDirectory(
  loaded: LoadedConfig,
  directory: DirectoryConfig,
  endpoint: RmtpEndpoint,
  log: Logger,
): Promise<RunningDirectory> {
  const { config } = loaded;
  const parts = openDirectoryStore(loaded, directory);
  const { ctx, store } = parts;
  const views = parts.views();
  const dirLog = log.child("directory");
  const isSm = config.node.role === "sm";
  const sm = isSm
    ? new SmDirectory({
        ctx,
        view: views.writer,
        link: endpoint,
        log: dirLog,
        node: { id: config.node.id, name: config.node.name, address: config.network.address },
      })
    : undefined;
  const se = isSm
    ? undefined
    : new SeDirectory({ ctx, view: views.writer, link: endpoint, log: dirLog, node: config.node.id });
  const registration = new SelfRegistration(ctx, config, dirLog);
  const referral = (): string | undefined => {
    if (directory.managerUri) return directory.managerUri;
    const address = endpoint.status().manager?.address;
    return address ? `ldap://${address}:${directory.port}` : undefined;
  };
  const ldap = await DirectoryLdapService.start(
    sm ? { ctx, view: views.readers, write: (op) => sm.write(op) } : { ctx, view: views.writer, referral },
    ldapServiceOptions(loaded, directory, config.network.address, log),
  );
  if (sm) {
    sm.bootstrap().catch((err: unknown) => dirLog.error("bootstrap-failed", { reason: String(err) }));
  } else se?.catchUp("started");
  dirLog.info("started", {
    role: isSm ? "sm" : "se",
    suffix: ctx.suffix.display,
    entries: store.count(),
    lastCsn: store.lastCsn(),
    ldap: ldap.ports,
  });

  return {
    onDeliver(d) {
      if (!isDirectoryPayload(d.payload)) return false;
      let message;
      try {
        message = unpackMessage(d.payload, config.rmtp.maxMessageBytes);
      } catch (err) {
        dirLog.warn("message-undecodable", { source: d.sourceName, reason: String(err) });
        return true;
      }
      if (sm) sm.onMessage(message, { id: d.source, name: d.sourceName });
      else se?.onMessage(message);
      return true;
    },
    onEvent(e) {
      if (sm && (e.event === "member-left" || e.event === "member-evicted")) sm.forgetReplica(e.id);
      if (se && (e.event === "admitted" || e.event === "gap")) se.catchUp(e.event);
      if (se && e.event === "admitted") registration.admitted(se, e.manager);
    },
    status: () => (sm ? sm.status() : (se as SeDirectory).status()),
    announce(ops) {
      if (!se) return Promise.reject(new Error("the SM writes directly; announcements come from SEs"));
      return se.announce(ops);
    },
    async close() {
      registration.stop();
      await ldap.close();
      sm?.close();
      await se?.close();
      await store.close();
    },
  };
}
