// Sends a search's result entries to the client in time slices. Between slices it yields to the event loop,
// so a search over the whole directory never holds up the daemon's timers. The SM's VRRP adverts go out
// every 50 ms: one 30,000-entry search that took 170-280 ms in one turn let the standby take over. It waits
// for the socket to drain when too much is queued, and stops when the client has gone.
import type { Socket } from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";
import { ResultCode, type Entry } from "../model/types.js";

export interface SendLimits {
  sizeLimit: number;
  /** Work per turn of the event loop before yielding (ms). */
  sliceMs: number;
  /** Bytes queued on the socket above which sending waits for 'drain'. */
  highWaterBytes: number;
}

export type SendOutcome = { code: number; message: string; sent: number } | "closed";

const flushBytes = 256 * 1024;

/**
 * Encodes and writes each entry of `results` (a search generator, whose nulls are pause points), corked
 * in batches. A sizeLimit overrun gives sizeLimitExceeded; errors of the generator (timeLimitExceeded)
 * propagate to the caller with what was sent already written.
 */
export async function sendEntries(
  conn: Socket,
  results: Iterator<Entry | null>,
  encode: (entry: Entry) => Buffer,
  limits: SendLimits,
  now: () => number = () => performance.now(),
): Promise<SendOutcome> {
  const pending: Buffer[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (conn.destroyed) pending.length = 0;
    if (pending.length === 0) return;
    conn.cork();
    for (const pdu of pending.splice(0)) conn.write(pdu);
    conn.uncork();
    bytes = 0;
  };
  let sent = 0;
  let sliceStart = now();
  try {
    for (let next = results.next(); !next.done; next = results.next()) {
      const entry = next.value;
      if (entry !== null) {
        if (sent === limits.sizeLimit) {
          return {
            code: ResultCode.sizeLimitExceeded,
            message: `more than ${limits.sizeLimit} entries`,
            sent,
          };
        }
        const pdu = encode(entry);
        pending.push(pdu);
        sent++;
        bytes += pdu.length;
        if (bytes >= flushBytes) flush();
      }
      if ((entry === null || (sent & 31) === 0) && now() - sliceStart >= limits.sliceMs) {
        flush();
        await (conn.writableLength > limits.highWaterBytes ? drained(conn) : nextTurn());
        if (conn.destroyed) return "closed";
        sliceStart = now();
      }
    }
    return { code: ResultCode.success, message: "", sent };
  } finally {
    flush();
    results.return?.(undefined);
  }
}

function drained(conn: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      conn.off("drain", done);
      conn.off("close", done);
      resolve();
    };
    conn.on("drain", done);
    conn.on("close", done);
  });
}
