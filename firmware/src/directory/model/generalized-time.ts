// GeneralizedTime (RFC 4517 section 3.3.13): validation and an order-preserving key in UTC. The key is
// YYYYMMDDHHMMSS followed by the fraction of a second's digits (trailing zeros dropped), so equal instants
// give equal keys whatever the zone, fraction unit or separator, and keys compare as strings chronologically.
// Pure.

const TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(?:(\d{2})(\d{2})?)?(?:[.,](\d+))?(?:(Z)|([+-])(\d{2})(\d{2})?)$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/** The UTC key of a GeneralizedTime value, or undefined when the value is not valid. */
export function generalizedTimeKey(value: string): string | undefined {
  const m = TIME.exec(value);
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, frac, , sign, ohs, oms] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = Number(mis ?? "0");
  const second = Number(ss ?? "0");
  const offHour = Number(ohs ?? "0");
  const offMinute = Number(oms ?? "0");
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60 || offHour > 23 || offMinute > 59) return undefined;

  // A fraction belongs to the last unit written: hour, minute or second. Exact decimal arithmetic.
  let extraSeconds = 0;
  let fraction = "";
  if (frac !== undefined) {
    const unit = mis === undefined ? 3600n : ss === undefined ? 60n : 1n;
    const scale = 10n ** BigInt(frac.length);
    const total = BigInt(frac) * unit;
    extraSeconds = Number(total / scale);
    fraction = (total % scale).toString().padStart(frac.length, "0").replace(/0+$/, "");
  }
  // A leap second (60) stays 60 in the key; the date arithmetic below must not roll it into the next minute.
  const leap = second === 60;
  const offset = (sign === "-" ? -1 : 1) * (offHour * 60 + offMinute);
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  t.setUTCHours(hour, minute - offset, (leap ? 59 : second) + extraSeconds, 0);
  const y = t.getUTCFullYear();
  if (y < 0 || y > 9999) return undefined;
  return (
    pad(y, 4) +
    pad(t.getUTCMonth() + 1, 2) +
    pad(t.getUTCDate(), 2) +
    pad(t.getUTCHours(), 2) +
    pad(t.getUTCMinutes(), 2) +
    (leap ? "60" : pad(t.getUTCSeconds(), 2)) +
    fraction
  );
}
