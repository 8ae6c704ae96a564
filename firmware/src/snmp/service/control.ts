// The daemon's control op `snmp.request` (what `iss snmp` calls): checks its arguments, runs one
// multicast GET, GETNEXT or SET from the SM and answers with a JSON result per member and the members
// that did not answer.
import { parseOid } from "../mib/oid.js";
import { PduKind, ValueType, type Varbind } from "../mib/types.js";
import { errorStatusName, jsonVarbind, parseTypedValue } from "../format.js";
import type { MulticastManagement } from "./multicast.js";

const kinds: Record<string, number> = { get: PduKind.Get, getnext: PduKind.GetNext, set: PduKind.Set };
const defaultTimeoutMs = 2000;

export interface RequestArgs {
  pdu: string;
  /** OIDs, and for a SET a type letter and value each (as snmpset takes them). */
  varbinds: Array<{ oid: string; type?: string; value?: string }>;
  members?: string[];
  timeoutMs?: number;
}

function varbindsOf(args: Record<string, unknown>, kind: number): Varbind[] {
  if (!Array.isArray(args.varbinds) || args.varbinds.length === 0)
    throw new Error("varbinds must be a non-empty list");
  return (args.varbinds as RequestArgs["varbinds"]).map((v) => {
    if (typeof v?.oid !== "string") throw new Error("each varbind needs an oid");
    const oid = parseOid(v.oid);
    if (kind !== PduKind.Set) return { oid, value: { type: ValueType.Null, value: null } };
    if (typeof v.type !== "string" || typeof v.value !== "string")
      throw new Error(`set ${v.oid} needs a type and a value`);
    return { oid, value: parseTypedValue(v.type, v.value) };
  });
}

export async function snmpRequest(
  multicast: MulticastManagement,
  args: Record<string, unknown>,
): Promise<unknown> {
  const kind = kinds[String(args.pdu)];
  if (kind === undefined) throw new Error("pdu must be get, getnext or set");
  const members = args.members === undefined ? [] : args.members;
  if (!Array.isArray(members) || members.some((m) => typeof m !== "string"))
    throw new Error("members must be a list of names");
  const timeoutMs = args.timeoutMs === undefined ? defaultTimeoutMs : Number(args.timeoutMs);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000)
    throw new Error("timeoutMs must be 1..60000");
  const started = Date.now();
  const outcome = await multicast.request(kind, varbindsOf(args, kind), members as string[], timeoutMs);
  return {
    requestId: outcome.requestId,
    elapsedMs: Date.now() - started,
    results: outcome.results.map((r) => ({
      id: r.id,
      name: r.name,
      errorStatus: errorStatusName(r.errorStatus),
      errorIndex: r.errorIndex,
      varbinds: r.varbinds.map(jsonVarbind),
    })),
    missing: outcome.missing.map((m) => m.name),
    duplicates: outcome.duplicates,
  };
}
