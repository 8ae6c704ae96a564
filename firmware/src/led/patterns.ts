// The status LEDs' language, pure data: the blink patterns, and the table from the unit's state to the
// pattern of each LED function (status: the green LED, alert: the red one). docs/leds.md prints this table
// for technicians; renderLedTable() writes it and a test keeps the page in step.
import type { LedFunction } from "../board/schema.js";

export interface Pattern {
  name: PatternName;
  /** Lit this long, then dark for offMs; offMs 0 is steady on, onMs 0 steady off. */
  onMs: number;
  offMs: number;
  text: string;
}

const definitions = {
  off: { onMs: 0, offMs: 0, text: "off" },
  on: { onMs: 1000, offMs: 0, text: "on" },
  slow: { onMs: 1000, offMs: 1000, text: "slow blink: 1 s on, 1 s off" },
  blink: { onMs: 250, offMs: 250, text: "blink: twice a second" },
  fast: { onMs: 50, offMs: 50, text: "fast flicker: ten times a second" },
  wink: { onMs: 100, offMs: 1900, text: "short flash every 2 s" },
  dip: { onMs: 1900, offMs: 100, text: "on, dark for a moment every 2 s" },
} as const;

export type PatternName = keyof typeof definitions;
export const patternNames = Object.keys(definitions) as PatternName[];

export function pattern(name: PatternName): Pattern {
  return { name, ...definitions[name] };
}

export function isSteady(p: Pattern): boolean {
  return p.onMs === 0 || p.offMs === 0;
}

/** Whether the LED is lit `elapsedMs` after the pattern started (each blink starts lit). */
export function litAt(p: Pattern, elapsedMs: number): boolean {
  if (isSteady(p)) return p.onMs > 0;
  return elapsedMs % (p.onMs + p.offMs) < p.onMs;
}

export const ledStates = [
  "booting",
  "unprovisioned",
  "provisioning",
  "se-ready",
  "sm-active",
  "bsm-standby",
  "degraded",
  "fault",
  "identify",
  "stopped",
] as const;
export type LedState = (typeof ledStates)[number];

export interface StateRow {
  status: PatternName;
  alert: PatternName;
  meaning: string;
}

export const stateTable: Record<LedState, StateRow> = {
  booting: {
    status: "blink",
    alert: "off",
    meaning: "firmware starting: role not known yet, or not yet admitted to the group",
  },
  unprovisioned: {
    status: "off",
    alert: "slow",
    meaning: "no configuration (/etc/iss/iss.yaml missing): the unit waits to be provisioned",
  },
  provisioning: { status: "slow", alert: "off", meaning: "receiving its configuration" },
  "se-ready": { status: "on", alert: "off", meaning: "Service Engine: admitted to the group, serving" },
  "sm-active": {
    status: "dip",
    alert: "off",
    meaning: "Service Manager: manages the group and the directory",
  },
  "bsm-standby": {
    status: "wink",
    alert: "off",
    meaning: "Backup Service Manager: standing by, ready to take over",
  },
  degraded: {
    status: "on",
    alert: "blink",
    meaning: "working, but: SM or standby lost, a member evicted in the last minute, or drift repaired often",
  },
  fault: {
    status: "off",
    alert: "on",
    meaning: "stopped on an error (bad config, fatal error): see `journalctl -u iss`",
  },
  identify: {
    status: "fast",
    alert: "fast",
    meaning: "someone asked this unit to show itself (`iss identify`)",
  },
  stopped: { status: "off", alert: "off", meaning: "firmware not running (stopped, or not started yet)" },
};

export function patternsFor(state: LedState): Record<LedFunction, Pattern> {
  const row = stateTable[state];
  return { status: pattern(row.status), alert: pattern(row.alert) };
}

/** The technicians' table (docs/leds.md) as Markdown. */
export function renderLedTable(): string {
  const rows = ledStates.map((s) => {
    const row = stateTable[s];
    return `| ${s} | ${pattern(row.status).text} | ${pattern(row.alert).text} | ${row.meaning} |`;
  });
  return [
    "| state | green (status) | red (alert) | what it means |",
    "| --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
