// The SM's answer to a replica's catch-up request: the changes after the replica's CSN from the change log,
// in messages of at most changesPerMessage changes, or a full refresh of every entry in chunks when the log
// no longer reaches back that far (RFC 4533's refresh, over RMTP). All messages are built in one go so that
// no live change can be multicast between two chunks of the answer.
import type { DirectoryMessage } from "../codec/messages.js";
import type { Entry } from "../model/types.js";
import type { DirectoryStore } from "../store/store.js";

export interface CatchupLimits {
  changesPerMessage: number;
  entriesPerChunk: number;
}

export type CatchupAnswer =
  | { kind: "changes"; messages: DirectoryMessage[]; changes: number }
  | { kind: "refresh"; messages: DirectoryMessage[]; entries: number; csn: number };

export function answerCatchup(
  store: DirectoryStore,
  suffixKey: string,
  target: number,
  have: number,
  head: number,
  refreshId: number,
  limits: CatchupLimits,
): CatchupAnswer {
  const messages: DirectoryMessage[] = [];
  let from = have;
  let count = 0;
  for (;;) {
    const changes = store.changesSince(from, limits.changesPerMessage);
    if (changes === undefined) return refresh(store, suffixKey, target, refreshId, limits);
    if (changes.length === 0 && messages.length > 0) break;
    const last = changes.at(-1)?.csn ?? from;
    messages.push({ kind: "changes", head: Math.max(head, last), target, changes });
    count += changes.length;
    if (changes.length < limits.changesPerMessage) break;
    from = last;
  }
  return { kind: "changes", messages, changes: count };
}

function refresh(
  store: DirectoryStore,
  suffixKey: string,
  target: number,
  refreshId: number,
  limits: CatchupLimits,
): CatchupAnswer {
  const csn = store.lastCsn();
  const chunks: Entry[][] = [[]];
  let entries = 0;
  for (const { entry } of store.range(suffixKey)) {
    let chunk = chunks.at(-1) ?? [];
    if (chunk.length >= limits.entriesPerChunk) chunks.push((chunk = []));
    chunk.push(entry);
    entries++;
  }
  const messages: DirectoryMessage[] = chunks.map((chunkEntries, chunk) => ({
    kind: "refresh",
    target,
    refreshId,
    csn,
    chunk,
    last: chunk === chunks.length - 1,
    entries: chunkEntries,
  }));
  return { kind: "refresh", messages, entries, csn };
}
