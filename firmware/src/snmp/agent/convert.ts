// Conversion between the engine's values and net-snmp's varbinds (the same BER type numbers; net-snmp
// carries OIDs as dotted strings and Counter64 as an 8-byte buffer).
import type { NetSnmpVarbind } from "net-snmp";
import { formatOid, parseOid } from "../mib/oid.js";
import { ValueType, type Value, type Varbind } from "../mib/types.js";

export function toNetSnmp(vb: Varbind): NetSnmpVarbind {
  return { oid: formatOid(vb.oid), type: vb.value.type, value: netSnmpValue(vb.value) };
}

function netSnmpValue(v: Value): unknown {
  switch (v.type) {
    case ValueType.ObjectIdentifier:
      return formatOid(v.value);
    case ValueType.Counter64: {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(v.value);
      return b;
    }
    default:
      return v.value;
  }
}

/** A request varbind from net-snmp; null when its OID or value cannot be represented. */
export function fromNetSnmp(vb: NetSnmpVarbind): Varbind | null {
  let oid: number[];
  try {
    oid = parseOid(vb.oid);
  } catch {
    return null;
  }
  const value = engineValue(vb.type, vb.value);
  return value && { oid, value };
}

function engineValue(type: number, raw: unknown): Value | null {
  switch (type) {
    case ValueType.Integer:
    case ValueType.Counter32:
    case ValueType.Gauge32:
    case ValueType.TimeTicks:
      return typeof raw === "number" ? { type, value: raw } : null;
    case ValueType.OctetString:
      return { type, value: Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)) };
    case ValueType.IpAddress:
      return typeof raw === "string" ? { type, value: raw } : null;
    case ValueType.ObjectIdentifier:
      try {
        return { type, value: parseOid(String(raw)) };
      } catch {
        return null;
      }
    case ValueType.Counter64:
      return Buffer.isBuffer(raw) && raw.length <= 8
        ? { type, value: BigInt("0x" + (raw.toString("hex") || "0")) }
        : null;
    case ValueType.Null:
    case ValueType.NoSuchObject:
    case ValueType.NoSuchInstance:
    case ValueType.EndOfMibView:
      return { type, value: null };
    default:
      return null;
  }
}
