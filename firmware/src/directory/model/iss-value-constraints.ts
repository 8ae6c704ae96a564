// Value rules of the ISS directory that an LDAP schema cannot express and slapd does not enforce (see
// docs/directory-schema.md): the value sets of kind, state, health and role, the form of IPv4 addresses and
// multicast groups, the VLAN range and non-negative sizes. Keyed by canonical attribute name; each returns
// why a value is refused, or undefined. Pure.

/** A dotted quad without leading zeros, as four numbers; undefined if the text is not one. */
function ipv4(value: string): number[] | undefined {
  const parts = value.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(?:0|[1-9][0-9]{0,2})$/.test(p))) return undefined;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

const oneOf = (...allowed: string[]) => {
  return (value: string) =>
    allowed.includes(value.toLowerCase()) ? undefined : `must be one of ${allowed.join(", ")}`;
};

const integerAtLeast = (min: number, max = Infinity) => {
  return (value: string) => {
    const n = Number(value);
    return n >= min && n <= max
      ? undefined
      : max === Infinity
        ? `must be at least ${min}`
        : `must be ${min} to ${max}`;
  };
};

export const ISS_VALUE_CONSTRAINTS: ReadonlyMap<string, (value: string) => string | undefined> = new Map([
  ["issServerKind", oneOf("http", "cache", "stream")],
  ["issContentState", oneOf("active", "stale", "withdrawn")],
  ["issHealth", oneOf("ok", "degraded", "down")],
  ["issRole", oneOf("sm", "bsm", "se")],
  ["issAddress", (v: string) => (ipv4(v) ? undefined : "must be an IPv4 address (dotted quad)")],
  [
    "issStreamGroup",
    (v: string) => {
      const first = ipv4(v)?.[0];
      return first !== undefined && first >= 224 && first <= 239
        ? undefined
        : "must be an IPv4 multicast group (224.0.0.0 to 239.255.255.255)";
    },
  ],
  ["issVlan", integerAtLeast(1, 4094)],
  ["issContentSize", integerAtLeast(0)],
  ["issCapacity", integerAtLeast(0)],
]);
