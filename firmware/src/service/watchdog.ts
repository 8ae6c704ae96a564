// The service watchdog (WatchdogSec=): systemd passes WATCHDOG_USEC (and WATCHDOG_PID, which must be this
// process) and kills and restarts a service that does not send WATCHDOG=1 within that time. The pings run
// on a timer of the event loop at half the interval, as sd_watchdog_enabled(3) advises, so a blocked or
// starved loop stops them: that is the point, a hung daemon gets restarted.
import type { SdNotify } from "./notify.js";

/** The ping interval in ms (half of WATCHDOG_USEC), or null when no watchdog is asked of this process. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isSafeInteger(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

export class WatchdogPinger {
  private readonly timer: NodeJS.Timeout;
  private failures = 0;

  constructor(
    private readonly notify: SdNotify,
    readonly intervalMs: number,
    onError: (err: Error, failures: number) => void,
  ) {
    this.timer = setInterval(() => {
      this.notify.send({ WATCHDOG: "1" }).then(
        () => (this.failures = 0),
        (err: Error) => onError(err, ++this.failures),
      );
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
