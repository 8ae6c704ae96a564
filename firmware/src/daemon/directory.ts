// Composes the directory of one board from its config: the lmdb store in the data directory, the ISS
// schema, the SM's writer or an SE's replica on top of the RMTP endpoint, and the LDAP service on the
// board's service address. Routes directory messages from RMTP to it and re-syncs a replica whenever RMTP
// reports that it (re)joined or missed data.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadedConfig } from "../config/load.js";
import type { DirectoryConfig } from "../config/schema.js";
import type { Logger } from "../log/logger.js";
import type { Delivery, NodeEvent } from "../rmtp/core/types.js";
import type { RmtpEndpoint } from "../rmtp/io/endpoint.js";
import { isDirectoryPayload, unpackMessage } from "../directory/codec/envelope.js";
import { indexTermsFor } from "../directory/core/index-terms.js";
import { OverlayView } from "../directory/core/view.js";
import { DirectoryLdapService } from "../directory/ldap/ldap-server.js";
import { loadIssSchema } from "../directory/model/schema.js";
import { ResultCode, type ChangeOp } from "../directory/model/types.js";
import { ownEntryAdd, ownEntryRefresh, type OwnSwitch } from "../directory/service/own-entry.js";
import { SeDirectory, type AnnounceResult } from "../directory/service/se-directory.js";
import { SmDirectory, type DirectoryStatus } from "../directory/service/sm-directory.js";
import { openLmdbStore } from "../directory/store/lmdb-store.js";

export interface RunningDirectory {
  /** Takes a delivered RMTP message if it is a directory message; false when it is not one. */
  onDeliver(d: Delivery): boolean;
  onEvent(e: NodeEvent): void;
  status(): DirectoryStatus;
  announce(ops: ChangeOp[]): Promise<AnnounceResult>;
  close(): Promise<void>;
}

/**
 * An SE (or BSM) announces its own switch entry: added the first time, its role and address refreshed
 * after. While the SM is still creating ou=switches (noSuchObject) or does not answer, it tries again
 * each second, for a minute.
 */
async function registerSelf(se: SeDirectory, self: OwnSwitch): Promise<AnnounceResult> {
  for (let attempt = 1; ; attempt++) {
    const added = await se.announce([ownEntryAdd(self)]).catch((err: unknown) => ({
      code: ResultCode.unavailable,
      message: String(err),
      csn: 0,
    }));
    if (added.code === ResultCode.entryAlreadyExists) return se.announce([ownEntryRefresh(self)]);
    const retry = added.code === ResultCode.noSuchObject || added.code === ResultCode.unavailable;
    if (!retry || attempt === 60) return added;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function readFile(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

export async function startDirectory(
  loaded: LoadedConfig,
  directory: DirectoryConfig,
  endpoint: RmtpEndpoint,
  log: Logger,
): Promise<RunningDirectory> {
  const { config } = loaded;
  const schema = loadIssSchema();
  const ctx = { schema, suffix: schema.dn(directory.suffix) };
  const indexTerms = indexTermsFor(schema);
  const store = openLmdbStore(join(config.node.dataDir, "directory"), {
    changeLogSize: directory.changeLogSize,
    indexTerms,
  });
  const view = new OverlayView(store, indexTerms);
  /* The SM's readers see committed changes only; its overlay holds writes that may still fail to commit. */
  const committedView = new OverlayView(store, indexTerms);
  const dirLog = log.child("directory");
  const isSm = config.node.role === "sm";
  const sm = isSm
    ? new SmDirectory({
        ctx,
        view,
        link: endpoint,
        log: dirLog,
        node: { id: config.node.id, name: config.node.name, address: config.network.address },
      })
    : undefined;
  const se = isSm
    ? undefined
    : new SeDirectory({ ctx, view, link: endpoint, log: dirLog, node: config.node.id });
  const referral = (): string | undefined => {
    if (directory.managerUri) return directory.managerUri;
    const address = endpoint.status().manager?.address;
    return address ? `ldap://${address}:${directory.port}` : undefined;
  };
  const tls = directory.tls
    ? {
        port: directory.tls.port,
        cert: readFile(directory.tls.certFile, "directory.tls.certFile"),
        key: readFile(directory.tls.keyFile, "directory.tls.keyFile"),
      }
    : undefined;
  const ldap = await DirectoryLdapService.start(
    sm ? { ctx, view: committedView, write: (op) => sm.write(op) } : { ctx, view, referral },
    {
      address: config.network.address,
      port: directory.port,
      ...(tls ? { tls } : {}),
      users: loaded.directoryUsers,
      anonymousRead: directory.anonymousRead,
      sizeLimit: directory.sizeLimit,
      timeLimitSeconds: directory.timeLimitSeconds,
      maxConnections: directory.maxConnections,
      log: log.child("ldap"),
    },
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
      if (se && e.event === "admitted") {
        registerSelf(se, {
          suffix: ctx.suffix.display,
          name: config.node.name,
          role: config.node.role,
          address: config.network.address,
        }).then(
          (r) => dirLog.info("registered", { code: r.code, csn: r.csn, message: r.message }),
          (err: unknown) => dirLog.warn("register-failed", { reason: String(err) }),
        );
      }
    },
    status: () => (sm ? sm.status() : (se as SeDirectory).status()),
    announce(ops) {
      if (!se) return Promise.reject(new Error("the SM writes directly; announcements come from SEs"));
      return se.announce(ops);
    },
    async close() {
      await ldap.close();
      sm?.close();
      await se?.close();
      await store.close();
    },
  };
}
