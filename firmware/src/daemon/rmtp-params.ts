// Maps the validated `rmtp` config section onto the transport's tuning parameters.
import type { RmtpConfig } from "../config/schema.js";
import { defaultTimingParams, type RmtpParams } from "../rmtp/core/types.js";

export function rmtpParams(c: RmtpConfig): RmtpParams {
  return {
    frameBytes: c.frameBytes,
    maxMessageBytes: c.maxMessageBytes,
    helloIntervalMs: c.helloIntervalMs,
    announceIntervalMs: c.announceIntervalMs,
    memberTimeoutMs: c.memberTimeoutMs,
    evictAfterMs: c.evictAfterMs,
    sendTimeoutMs: c.sendTimeoutMs,
    window: { ...c.window },
    ...defaultTimingParams,
  };
}
