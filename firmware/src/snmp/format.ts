// Values as people and JSON see them: snmpset-style typed values (`i 5`, `u 30`, `s text`, `a 10.0.0.1`)
// parsed into engine values, and varbinds rendered for `iss snmp` tables and --json.
import { formatOid, parseOid } from "./mib/oid.js";
import { errorStatusNames, ValueType, type Value, type Varbind } from "./mib/types.js";

const typeNames: Record<number, string> = {
  [ValueType.Integer]: "INTEGER",
  [ValueType.OctetString]: "STRING",
  [ValueType.Null]: "NULL",
  [ValueType.ObjectIdentifier]: "OID",
  [ValueType.IpAddress]: "IpAddress",
  [ValueType.Counter32]: "Counter32",
  [ValueType.Gauge32]: "Gauge32",
  [ValueType.TimeTicks]: "Timeticks",
  [ValueType.Counter64]: "Counter64",
  [ValueType.NoSuchObject]: "noSuchObject",
  [ValueType.NoSuchInstance]: "noSuchInstance",
  [ValueType.EndOfMibView]: "endOfMibView",
};

/** Parses a value given as snmpset does: i, u, c, t, s, x, a or o and its text. */
export function parseTypedValue(type: string, text: string): Value {
  const uint = (): number => {
    if (!/^\d+$/.test(text) || Number(text) > 0xffffffff)
      throw new Error(`'${text}' is not an unsigned 32-bit number`);
    return Number(text);
  };
  switch (type) {
    case "i": {
      const n = Number(text);
      if (!/^-?\d+$/.test(text) || n < -(2 ** 31) || n >= 2 ** 31)
        throw new Error(`'${text}' is not a 32-bit integer`);
      return { type: ValueType.Integer, value: n };
    }
    case "u":
      return { type: ValueType.Gauge32, value: uint() };
    case "c":
      return { type: ValueType.Counter32, value: uint() };
    case "t":
      return { type: ValueType.TimeTicks, value: uint() };
    case "s":
      return { type: ValueType.OctetString, value: Buffer.from(text, "utf8") };
    case "x":
      if (!/^([0-9a-fA-F]{2})*$/.test(text.replace(/\s/g, "")))
        throw new Error(`'${text}' is not hexadecimal`);
      return { type: ValueType.OctetString, value: Buffer.from(text.replace(/\s/g, ""), "hex") };
    case "a":
      if (!/^(\d{1,3})(\.\d{1,3}){3}$/.test(text) || text.split(".").some((o) => Number(o) > 255))
        throw new Error(`'${text}' is not an IPv4 address`);
      return { type: ValueType.IpAddress, value: text };
    case "o":
      return { type: ValueType.ObjectIdentifier, value: parseOid(text) };
    default:
      throw new Error(`unknown value type '${type}' (one of i u c t s x a o)`);
  }
}

export interface JsonVarbind {
  oid: string;
  type: string;
  value: string | number | null;
}

function printable(b: Buffer): boolean {
  return b.every((c) => (c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x09);
}

export function jsonVarbind(vb: Varbind): JsonVarbind {
  const v = vb.value;
  const type = typeNames[v.type] ?? `0x${v.type.toString(16)}`;
  let value: string | number | null;
  if (v.type === ValueType.OctetString)
    value = printable(v.value) ? v.value.toString("utf8") : v.value.toString("hex");
  else if (v.type === ValueType.ObjectIdentifier) value = formatOid(v.value);
  else if (v.type === ValueType.Counter64) value = v.value.toString();
  else value = v.value;
  return { oid: formatOid(vb.oid), type, value };
}

export function errorStatusName(status: number): string {
  return errorStatusNames[status] ?? `error${status}`;
}
