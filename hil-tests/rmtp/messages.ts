// Messages for the system tests: random payloads of the sizes that matter to the transport (empty, one byte,
// around the 1338-byte fragment boundary of 1400-byte frames, 100 KB, 1 MB), sending a batch through a
// board's control socket, and the check that every member delivered a batch exactly once and in order.
import type { ExecutionContext } from "ava";
import { randomBytes } from "node:crypto";
import type { SendResult } from "../../firmware/src/rmtp/core/types.js";
import { sha256, type GroupUnderTest } from "./group-under-test.js";

/** Payload bytes per DATA frame with the default frameBytes 1400 (1400 - 62). */
export const fragmentBytes = 1338;

export const mixedSizes = [
  0,
  1,
  fragmentBytes - 1,
  fragmentBytes,
  fragmentBytes + 1,
  2 * fragmentBytes,
  2 * fragmentBytes + 1,
  100_000,
  1_000_000,
  64,
];

/** `count` sizes cycling through mixedSizes. */
export function sizes(count: number): number[] {
  return Array.from({ length: count }, (_, i) => mixedSizes[i % mixedSizes.length]!);
}

export interface SentMessage {
  source: number;
  messageId: number;
  bytes: number;
  sha256: string;
}

export interface Batch {
  messages: SentMessage[];
  /** Settles with every rmtp.result (rejections included). */
  results: Promise<PromiseSettledResult<SendResult>[]>;
}

/**
 * Submits one random payload per size from `board`. The payloads are made first and the submissions
 * pipelined on the control connection (the daemon handles its requests in order, so the message ids follow
 * `byteCounts`), so the whole batch is queued at the sender within a few milliseconds of each other.
 */
export async function submitBatch(
  group: GroupUnderTest,
  board: number,
  byteCounts: number[],
): Promise<Batch> {
  const payloads = byteCounts.map((bytes) => randomBytes(bytes));
  const ids = await Promise.all(payloads.map((payload) => group.submit(board, payload)));
  const messages = payloads.map((payload, i) => ({
    source: board,
    messageId: ids[i]!,
    bytes: payload.length,
    sha256: sha256(payload),
  }));
  const results = Promise.allSettled(ids.map((id) => group.result(board, id)));
  return { messages, results };
}

/** Asserts every result of the batch is ok and names the message of each failure. */
export function assertAllSent(
  t: ExecutionContext,
  batch: Batch,
  settled: PromiseSettledResult<SendResult>[],
): void {
  const failures = settled.flatMap((r, i) =>
    r.status === "rejected" ? [`message ${batch.messages[i]!.messageId}: ${String(r.reason)}`] : [],
  );
  t.deepEqual(failures, [], "every rmtp.result is ok");
}

function describe(m: { messageId: number; bytes: number; sha256: string }): string {
  return `${m.messageId}/${m.bytes}/${m.sha256.slice(0, 12)}`;
}

/**
 * Every board in `boards` (the source excepted) delivered exactly `messages` from their source: each once,
 * in message-id order, with the right length and sha256, and nothing else from that source.
 */
export function assertDeliveredExactlyOnceInOrder(
  t: ExecutionContext,
  group: GroupUnderTest,
  messages: SentMessage[],
  boards: number[],
): void {
  const sources = [...new Set(messages.map((m) => m.source))];
  for (const source of sources) {
    const expected = messages
      .filter((m) => m.source === source)
      .sort((a, b) => a.messageId - b.messageId)
      .map(describe);
    for (const board of boards) {
      if (board === source) continue;
      const got = group.deliveredFrom(board, source).map(describe);
      t.deepEqual(got, expected, `board ${board}: deliveries from board ${source}`);
    }
  }
}
