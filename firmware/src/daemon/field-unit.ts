// What makes the daemon a field unit: at start it checks the board it runs on (board/*.yaml and the
// config's board section), takes over the status LEDs, and talks to systemd: READY=1 once the role is known
// and services listen, STATUS= lines, WATCHDOG=1 from the event loop, STOPPING=1. If the process exits with
// an error the LEDs show `fault`. Without a board section and without a device tree (a developer's machine,
// CI) it runs without LEDs; without $NOTIFY_SOCKET (not under systemd) it sends nothing.
import type { BoardSection, IssConfig } from "../config/schema.js";
import type { Logger } from "../log/logger.js";
import { detectConfiguredBoard, type DetectedBoard } from "../board/detect.js";
import { loadBoards } from "../board/load.js";
import type { Board } from "../board/schema.js";
import type { BaseState } from "../led/core.js";
import { openBoardLeds } from "../led/open.js";
import { StatusLeds, type StatusLedsStatus } from "../led/status-leds.js";
import { realClock } from "../rmtp/io/clock.js";
import { SdNotify } from "../service/notify.js";
import { watchdogIntervalMs, WatchdogPinger } from "../service/watchdog.js";
import type { DaemonStatus } from "./daemon.js";
import { UnitConditions } from "./unit-state.js";

export const unitPollMs = 500;

export interface FieldUnitStatus {
  board: { id: string; name: string; model: string } | null;
  leds: StatusLedsStatus | null;
  systemd: { notify: boolean; watchdogMs: number | null; ready: boolean; status: string | null };
}

async function openLeds(
  detected: DetectedBoard | null,
  section: BoardSection | undefined,
  initial: BaseState,
) {
  if (!detected) return null;
  const lines = await openBoardLeds(detected.board, section?.sysfs ?? "/sys", realClock);
  return new StatusLeds(lines, realClock, initial);
}

/** Shows one state on the board's LEDs and leaves them so (`iss run` before it exits: unprovisioned, fault). */
export async function showUnitState(state: BaseState, section: BoardSection | undefined): Promise<boolean> {
  const leds = await openLeds(detectConfiguredBoard(section, loadBoards()), section, state);
  leds?.close();
  return leds !== null;
}

export class FieldUnit {
  private poll: NodeJS.Timeout | undefined;
  private ready = false;
  private lastStatus: string | null = null;
  private readonly onExit = (code: number): void => {
    if (code !== 0) this.leds?.set("fault");
  };

  private constructor(
    /** How long a failover board listens for an SM before its role is settled (as failover-start.ts). */
    private readonly discoveryMs: number,
    private readonly detected: DetectedBoard | null,
    private readonly leds: StatusLeds | null,
    private readonly notify: SdNotify | null,
    private readonly pinger: WatchdogPinger | null,
    private readonly log: Logger,
  ) {
    process.on("exit", this.onExit);
  }

  static async open(
    config: IssConfig,
    log: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<FieldUnit> {
    const detected = detectConfiguredBoard(config.board, loadBoards());
    const leds = await openLeds(detected, config.board, "booting");
    const notify = SdNotify.fromEnv(env);
    const intervalMs = notify ? watchdogIntervalMs(env, process.pid) : null;
    const pinger =
      notify && intervalMs !== null
        ? new WatchdogPinger(notify, intervalMs, (err, failures) => {
            if (failures === 1 || failures % 100 === 0)
              log.warn("watchdog-ping-failed", { error: err.message, failures });
          })
        : null;
    log.info("field-unit", {
      board: detected ? { id: detected.board.id, model: detected.model } : null,
      leds: leds?.status().leds.map((l) => `${l.name}: ${l.where}`) ?? [],
      notifySocket: notify?.path ?? null,
      watchdogPingMs: pinger?.intervalMs ?? null,
    });
    return new FieldUnit(3 * config.rmtp.announceIntervalMs, detected, leds, notify, pinger, log);
  }

  /** Follows the daemon's status: LED state, STATUS= when it changes, READY=1 once the role is known. */
  follow(status: () => DaemonStatus): void {
    const conditions = new UnitConditions(this.discoveryMs);
    const step = (): void => {
      const reading = conditions.observe(status(), realClock.now());
      this.leds?.set(reading.state);
      if (reading.statusLine === this.lastStatus && (this.ready || !reading.ready)) return;
      this.lastStatus = reading.statusLine;
      const becameReady = reading.ready && !this.ready;
      this.ready ||= reading.ready;
      this.send({ ...(becameReady ? { READY: "1" } : {}), STATUS: reading.statusLine });
    };
    step();
    this.poll = setInterval(step, unitPollMs);
    this.poll.unref();
  }

  identify(seconds: number): { seconds: number; leds: boolean } {
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600)
      throw new Error("seconds must be between 0 and 3600");
    this.leds?.identify(seconds);
    this.log.info("identify", { seconds });
    return { seconds, leds: this.leds !== null };
  }

  /** The board the unit was found to run on; null without a device tree or board section. */
  get board(): Board | null {
    return this.detected?.board ?? null;
  }

  status(): FieldUnitStatus {
    const b = this.detected;
    return {
      board: b ? { id: b.board.id, name: b.board.name, model: b.model } : null,
      leds: this.leds?.status() ?? null,
      systemd: {
        notify: this.notify !== null,
        watchdogMs: this.pinger?.intervalMs ?? null,
        ready: this.ready,
        status: this.lastStatus,
      },
    };
  }

  /** Before the daemon stops its services: STOPPING=1; after, the LEDs go dark (stopped). */
  async stopping(): Promise<void> {
    clearInterval(this.poll);
    await this.notify?.send({ STOPPING: "1", STATUS: "stopping" }).catch(() => undefined);
  }

  /** The LEDs are left showing `final`: stopped after a graceful stop, fault when the daemon cannot start. */
  close(final: "stopped" | "fault" = "stopped"): void {
    process.off("exit", this.onExit);
    this.pinger?.stop();
    this.leds?.set(final);
    this.leds?.close();
  }

  private send(fields: Parameters<SdNotify["send"]>[0]): void {
    this.notify?.send(fields).catch((err: Error) => this.log.warn("notify-failed", { error: err.message }));
  }
}
