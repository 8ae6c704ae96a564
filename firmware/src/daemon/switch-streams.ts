// Feeds the directory's stream groups to the switch: follows the board's directory store (SM, BSM or SE,
// with or without failover) and after it opens, after each durable commit and after a full refresh hands
// the switch manager the groups its ports' engines serve, logging the streams it cannot place.
import type { LoadedConfig } from "../config/load.js";
import type { SwitchConfig } from "../config/switch-schema.js";
import type { Logger } from "../log/logger.js";
import { StreamGroupTable, streamPlacement } from "../switch/core/stream-groups.js";
import type { SwitchManager } from "../switch/io/manager.js";
import { watchDirectoryStore } from "./directory-parts.js";

export function followStreamGroups(
  loaded: LoadedConfig,
  sw: SwitchConfig,
  manager: SwitchManager,
  log: Logger,
): void {
  const table = new StreamGroupTable(streamPlacement(sw));
  let shown = "";
  const publish = (): void => {
    try {
      const unplaced = table.unplaced();
      manager.setStreamGroups(table.groups(), unplaced);
      if (unplaced.join("\n") !== shown && unplaced.length > 0)
        log.warn("switch-streams-unplaced", { unplaced });
      shown = unplaced.join("\n");
    } catch (err) {
      log.error("switch-streams-failed", { error: (err as Error).message });
    }
  };
  watchDirectoryStore(loaded, {
    opened(store) {
      table.reset(store.range(""));
      publish();
    },
    committed(writes) {
      for (const w of writes) table.set(w.key, w.entry);
      publish();
    },
    replaced(entries) {
      table.reset(entries);
      publish();
    },
  });
}
