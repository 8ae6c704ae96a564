// IF-MIB (RFC 2863) for the unit's ports: ifNumber, ifTable and ifXTable rows indexed by the kernel's
// ifindex, from the kernel's own counters (snapshot ports). 32-bit counters wrap as IF-MIB says; the HC
// columns carry the full 64-bit values.
import type { Instance, MibModule } from "./engine.js";
import type { PortSnapshot, UnitSnapshot } from "./snapshot.js";
import { ValueType, valueHelpers as v, type Value } from "./types.js";

const ifMib = [1, 3, 6, 1, 2, 1, 2];
const ifNumber = [...ifMib, 1];
const ifEntry = [...ifMib, 2, 1];
const ifXEntry = [1, 3, 6, 1, 2, 1, 31, 1, 1, 1];

const ethernetCsmacd = 6;
const softwareLoopback = 24;
const up = 1;
const down = 2;

type Column = [number, (p: PortSnapshot) => Value];

const ifColumns: Column[] = [
  [1, (p) => v.int(p.index)],
  [2, (p) => v.str(p.name)],
  [3, (p) => v.int(p.name === "lo" ? softwareLoopback : ethernetCsmacd)],
  [4, (p) => v.int(p.mtu)],
  [5, (p) => v.gauge(Math.min(p.speedMbps * 1e6, 0xffffffff))],
  [6, (p) => ({ type: ValueType.OctetString, value: p.mac })],
  [7, (p) => v.int(p.adminUp ? up : down)],
  [8, (p) => v.int(p.operUp ? up : down)],
  [9, (p) => v.ticks(p.lastChangeCs)],
  [10, (p) => v.counter(p.rxBytes)],
  [11, (p) => v.counter(Math.max(0, p.rxPackets - p.rxMulticast))],
  [13, (p) => v.counter(p.rxDropped)],
  [14, (p) => v.counter(p.rxErrors)],
  [16, (p) => v.counter(p.txBytes)],
  [17, (p) => v.counter(p.txPackets)],
  [19, (p) => v.counter(p.txDropped)],
  [20, (p) => v.counter(p.txErrors)],
];

const ifXColumns: Column[] = [
  [1, (p) => v.str(p.name)],
  [2, (p) => v.counter(p.rxMulticast)],
  [6, (p) => v.counter64(p.rxBytes)],
  [7, (p) => v.counter64(Math.max(0, p.rxPackets - p.rxMulticast))],
  [8, (p) => v.counter64(p.rxMulticast)],
  [10, (p) => v.counter64(p.txBytes)],
  [11, (p) => v.counter64(p.txPackets)],
  [15, (p) => v.gauge(p.speedMbps)],
  [18, () => v.str("")],
];

function cells(entry: number[], columns: Column[], ports: readonly PortSnapshot[]): Instance[] {
  return columns.flatMap(([c, read]) => ports.map((p) => ({ oid: [...entry, c, p.index], value: read(p) })));
}

export const interfacesModule: MibModule<UnitSnapshot> = {
  objects: [
    ifNumber,
    ...ifColumns.map(([c]) => [...ifEntry, c]),
    ...ifXColumns.map(([c]) => [...ifXEntry, c]),
  ],
  instances: (s) => [
    { oid: [...ifNumber, 0], value: v.int(s.ports.length) },
    ...cells(ifEntry, ifColumns, s.ports),
    ...cells(ifXEntry, ifXColumns, s.ports),
  ],
};

/** IF-MIB linkDown and linkUp, and the ifEntry columns their notifications carry. */
export const linkDownOid = [1, 3, 6, 1, 6, 3, 1, 1, 5, 3];
export const linkUpOid = [1, 3, 6, 1, 6, 3, 1, 1, 5, 4];
export function linkVarbinds(p: PortSnapshot): Array<{ oid: number[]; value: Value }> {
  return [1, 7, 8].map((c) => {
    const column = ifColumns.find(([n]) => n === c) as Column;
    return { oid: [...ifEntry, c, p.index], value: column[1](p) };
  });
}
