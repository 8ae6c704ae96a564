// SNMP values as the MIB engine and the multicast codec carry them. The type numbers are the BER tags of
// RFC 3416 (and net-snmp's ObjectType): application types 0x40.., exceptions 0x80..0x82.
export const ValueType = {
  Integer: 0x02,
  OctetString: 0x04,
  Null: 0x05,
  ObjectIdentifier: 0x06,
  IpAddress: 0x40,
  Counter32: 0x41,
  Gauge32: 0x42,
  TimeTicks: 0x43,
  Counter64: 0x46,
  NoSuchObject: 0x80,
  NoSuchInstance: 0x81,
  EndOfMibView: 0x82,
} as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];

export type Value =
  | { type: typeof ValueType.Integer; value: number }
  | { type: typeof ValueType.OctetString; value: Buffer }
  | { type: typeof ValueType.ObjectIdentifier; value: number[] }
  | { type: typeof ValueType.IpAddress; value: string }
  | {
      type: typeof ValueType.Counter32 | typeof ValueType.Gauge32 | typeof ValueType.TimeTicks;
      value: number;
    }
  | { type: typeof ValueType.Counter64; value: bigint }
  | {
      type:
        | typeof ValueType.Null
        | typeof ValueType.NoSuchObject
        | typeof ValueType.NoSuchInstance
        | typeof ValueType.EndOfMibView;
      value: null;
    };

export interface Varbind {
  oid: number[];
  value: Value;
}

/** RFC 3416 error-status values the engine answers with. */
export const ErrorStatus = {
  NoError: 0,
  TooBig: 1,
  NoSuchName: 2,
  BadValue: 3,
  ReadOnly: 4,
  GenErr: 5,
  NoAccess: 6,
  WrongType: 7,
  WrongLength: 8,
  WrongEncoding: 9,
  WrongValue: 10,
  NoCreation: 11,
  InconsistentValue: 12,
  ResourceUnavailable: 13,
  CommitFailed: 14,
  UndoFailed: 15,
  AuthorizationError: 16,
  NotWritable: 17,
  InconsistentName: 18,
} as const;

export const errorStatusNames: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(ErrorStatus).map(([name, code]) => [code, name[0]!.toLowerCase() + name.slice(1)]),
);

export const PduKind = { Get: 0xa0, GetNext: 0xa1, Set: 0xa3 } as const;
export type PduKind = (typeof PduKind)[keyof typeof PduKind];

export const valueHelpers = {
  int: (value: number): Value => ({ type: ValueType.Integer, value }),
  str: (value: string): Value => ({ type: ValueType.OctetString, value: Buffer.from(value, "utf8") }),
  gauge: (value: number): Value => ({ type: ValueType.Gauge32, value: clamp32(value) }),
  counter: (value: number): Value => ({ type: ValueType.Counter32, value: value % 2 ** 32 }),
  counter64: (value: number | bigint): Value => ({
    type: ValueType.Counter64,
    value: BigInt(value) & 0xffffffffffffffffn,
  }),
  ticks: (value: number): Value => ({ type: ValueType.TimeTicks, value: value % 2 ** 32 }),
  ip: (value: string): Value => ({ type: ValueType.IpAddress, value }),
  oid: (value: number[]): Value => ({ type: ValueType.ObjectIdentifier, value }),
};

function clamp32(n: number): number {
  return Math.max(0, Math.min(0xffffffff, Math.floor(n)));
}
