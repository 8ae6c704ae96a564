// What every board's directory is built from, whatever its role: the lmdb store in the data directory
// with the ISS schema's index terms (watched, when the daemon asked to follow it), views over it, the LDAP
// service options from the config, and the registration of the board's own switch entry with the SM that
// admitted it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DirectoryConfig, IssConfig } from "../config/schema.js";
import type { LoadedConfig } from "../config/load.js";
import type { Logger } from "../log/logger.js";
import type { TreeContext } from "../directory/core/apply-op.js";
import { indexTermsFor } from "../directory/core/index-terms.js";
import { OverlayView } from "../directory/core/view.js";
import type { LdapServiceOptions } from "../directory/ldap/ldap-server.js";
import { loadIssSchema } from "../directory/model/schema.js";
import { ResultCode } from "../directory/model/types.js";
import { ownEntryAdd, ownEntryRefresh } from "../directory/service/own-entry.js";
import type { AnnounceResult, SeDirectory } from "../directory/service/se-directory.js";
import { openLmdbStore } from "../directory/store/lmdb-store.js";
import type { DirectoryStore } from "../directory/store/store.js";
import { watchedStore, type StoreWatcher } from "../directory/store/watched-store.js";

export interface DirectoryParts {
  directory: DirectoryConfig;
  ctx: TreeContext;
  store: DirectoryStore;
  /**
   * Two fresh views over the store: the writer's (an SM's overlay holds writes that may still fail to
   * commit, a replica's the changes it applied before they commit) and the readers' (an SM's readers see
   * committed changes only).
   */
  views(): { writer: OverlayView; readers: OverlayView };
}

const watchers = new WeakMap<LoadedConfig, StoreWatcher>();

/** Asks to be told what the store that openDirectoryStore opens for `loaded` holds and how it changes. */
export function watchDirectoryStore(loaded: LoadedConfig, watcher: StoreWatcher): void {
  watchers.set(loaded, watcher);
}

export function openDirectoryStore(loaded: LoadedConfig, directory: DirectoryConfig): DirectoryParts {
  const schema = loadIssSchema();
  const ctx = { schema, suffix: schema.dn(directory.suffix) };
  const indexTerms = indexTermsFor(schema);
  const opened = openLmdbStore(join(loaded.config.node.dataDir, "directory"), {
    changeLogSize: directory.changeLogSize,
    indexTerms,
  });
  const watcher = watchers.get(loaded);
  const store = watcher ? watchedStore(opened, watcher) : opened;
  return {
    directory,
    ctx,
    store,
    views: () => ({
      writer: new OverlayView(store, indexTerms),
      readers: new OverlayView(store, indexTerms),
    }),
  };
}

function readFile(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The LDAP service's options for one listening address (the board's own, or the virtual address). */
export function ldapServiceOptions(
  loaded: LoadedConfig,
  directory: DirectoryConfig,
  address: string,
  log: Logger,
): LdapServiceOptions {
  const tls = directory.tls
    ? {
        port: directory.tls.port,
        cert: readFile(directory.tls.certFile, "directory.tls.certFile"),
        key: readFile(directory.tls.keyFile, "directory.tls.keyFile"),
      }
    : undefined;
  return {
    address,
    port: directory.port,
    ...(tls ? { tls } : {}),
    users: loaded.directoryUsers,
    anonymousRead: directory.anonymousRead,
    sizeLimit: directory.sizeLimit,
    timeLimitSeconds: directory.timeLimitSeconds,
    maxConnections: directory.maxConnections,
    log: log.child("ldap"),
  };
}

/**
 * An SE (or standby) announces its own switch entry: added the first time, its role and address refreshed
 * after. While the SM is still creating ou=switches (noSuchObject) or does not answer, it tries again
 * each second, for a minute. Null when `signal` aborted it (a newer registration took over).
 */
async function registerSelf(
  se: SeDirectory,
  ctx: TreeContext,
  config: IssConfig,
  signal?: AbortSignal,
): Promise<AnnounceResult | null> {
  const self = {
    suffix: ctx.suffix.display,
    name: config.node.name,
    role: config.node.role,
    address: config.network.address,
  };
  for (let attempt = 1; ; attempt++) {
    const added = await se.announce([ownEntryAdd(self)]).catch((err: unknown) => ({
      code: ResultCode.unavailable,
      message: String(err),
      csn: 0,
    }));
    if (signal?.aborted) return null;
    if (added.code === ResultCode.entryAlreadyExists) return se.announce([ownEntryRefresh(self)]);
    const retry = added.code === ResultCode.noSuchObject || added.code === ResultCode.unavailable;
    if (!retry || attempt === 60) return added;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (signal?.aborted) return null;
  }
}

/**
 * Each admission of this board registers its switch entry with the SM that admitted it; the registration
 * of an earlier admission stops, and announcements the old SM will not answer fail at once.
 */
export class SelfRegistration {
  private current: AbortController | undefined;

  constructor(
    private readonly ctx: TreeContext,
    private readonly config: IssConfig,
    private readonly log: Logger,
  ) {}

  admitted(se: SeDirectory, manager: string): void {
    this.current?.abort();
    const current = new AbortController();
    this.current = current;
    se.admittedBy(manager);
    registerSelf(se, this.ctx, this.config, current.signal).then(
      (r) => {
        if (r) this.log.info("registered", { manager, code: r.code, csn: r.csn, message: r.message });
      },
      (err: unknown) => this.log.warn("register-failed", { manager, reason: String(err) }),
    );
  }

  stop(): void {
    this.current?.abort();
  }
}
