// The VRRPv3 timer formulas (RFC 5798 6.1, RFC 9568 6.1) in milliseconds, from intervals in centiseconds.

/** Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256, rounded to the millisecond. */
export function skewTimeMs(priority: number, masterAdverIntervalCs: number): number {
  return Math.round(((256 - priority) * masterAdverIntervalCs * 10) / 256);
}

/** Master_Down_Interval = (3 * Master_Adver_Interval) + Skew_Time. */
export function masterDownIntervalMs(priority: number, masterAdverIntervalCs: number): number {
  return 3 * masterAdverIntervalCs * 10 + skewTimeMs(priority, masterAdverIntervalCs);
}
