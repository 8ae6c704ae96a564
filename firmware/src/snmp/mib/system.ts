// SNMPv2-MIB's system group (RFC 3418) for a unit: description, sysObjectID under the ISS enterprise arc,
// uptime, contact, name and location from the config. The agent serves them read-only: the config is
// where they are set.
import type { MibModule } from "./engine.js";
import type { UnitSnapshot } from "./snapshot.js";
import { valueHelpers as v, type Value } from "./types.js";

const system = [1, 3, 6, 1, 2, 1, 1];
/** sysServices: layers 2 (bridging) and 7 (applications): 2^1 + 2^6. */
const services = 66;

export function systemModule(enterprise: readonly number[]): MibModule<UnitSnapshot> {
  const rows: Array<[number, (s: UnitSnapshot) => Value]> = [
    [1, (s) => v.str(s.system.descr)],
    [2, () => v.oid([...enterprise, 3, 1])],
    [3, (s) => v.ticks(s.uptimeCs)],
    [4, (s) => v.str(s.system.contact)],
    [5, (s) => v.str(s.system.name)],
    [6, (s) => v.str(s.system.location)],
    [7, () => v.int(services)],
  ];
  return {
    objects: rows.map(([n]) => [...system, n]),
    instances: (s) => rows.map(([n, read]) => ({ oid: [...system, n, 0], value: read(s) })),
  };
}
