// The SM's answer to a replica's catch-up request: the changes after the replica's CSN from the change log,
// in messages of at most changesPerMessage changes, or a full refresh of every entry in chunks when the log
// no longer reaches back that far (RFC 4533's refresh, over RMTP). A refresh's chunks are read from the
// store as they are taken, so the SM takes them with its writes held: a refresh is the state at its CSN.
import type { DirectoryMessage } from "../codec/messages.js";
import type { Entry } from "../model/types.js";
import type { DirectoryStore } from "../store/store.js";

export interface CatchupLimits {
  changesPerMessage: number;
  entriesPerChunk: number;
}

export type CatchupAnswer =
  | { kind: "changes"; messages: DirectoryMessage[]; changes: number }
  | {
      kind: "refresh";
      /** Read from the store as they are taken: the store must not change until the last one is out. */
      messages: Iterable<DirectoryMessage>;
      count: number;
      entries: number;
      csn: number;
    };

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
  const entries = store.count();
  const count = Math.max(1, Math.ceil(entries / limits.entriesPerChunk));
  function* messages(): Generator<DirectoryMessage> {
    const iterator = store.range(suffixKey)[Symbol.iterator]();
    let next = iterator.next();
    for (let chunk = 0; ; chunk++) {
      const chunkEntries: Entry[] = [];
      for (; !next.done && chunkEntries.length < limits.entriesPerChunk; next = iterator.next())
        chunkEntries.push(next.value.entry);
      const last = next.done === true;
      yield { kind: "refresh", target, refreshId, csn, chunk, last, entries: chunkEntries };
      if (last) return;
    }
  }
  return { kind: "refresh", messages: messages(), count, entries, csn };
}
