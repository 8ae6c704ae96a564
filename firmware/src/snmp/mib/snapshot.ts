// What the MIB modules read: one plain snapshot of the unit taken per request (the daemon's status, the
// switch's counts and the kernel's interface counters), so the engine stays free of I/O.
export type UnitRole = "sm" | "bsm" | "se";

export interface PortSnapshot {
  /** The kernel's ifindex (IF-MIB ifIndex). */
  index: number;
  name: string;
  mtu: number;
  /** Megabits per second; 0 when the kernel does not know (a veth). */
  speedMbps: number;
  mac: Buffer;
  adminUp: boolean;
  operUp: boolean;
  /** sysUpTime (centiseconds) when the agent last saw the operational state change. */
  lastChangeCs: number;
  rxBytes: number;
  rxPackets: number;
  rxMulticast: number;
  rxDropped: number;
  rxErrors: number;
  txBytes: number;
  txPackets: number;
  txDropped: number;
  txErrors: number;
}

export interface UnitSnapshot {
  uptimeCs: number;
  system: { descr: string; contact: string; location: string; name: string };
  node: { name: string; id: number };
  role: UnitRole;
  epoch: number;
  managerAddress: string | null;
  /** What the LEDs show; null on a unit without status LEDs. */
  ledState: string | null;
  identifyRemainingS: number;
  transport: {
    framesSent: number;
    framesReceived: number;
    resentFrames: number;
    evictions: number;
    authFailures: number;
  };
  directory: { entries: number; lastCsn: number; lag: number } | null;
  switch: { vlans: number; mdbEntries: number; driftRepairs: number } | null;
  ports: PortSnapshot[];
}
