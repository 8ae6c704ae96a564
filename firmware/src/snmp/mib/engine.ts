// The sans-I/O MIB engine: GET, GETNEXT and SET over the instances a snapshot of the unit yields, with
// the RFC 3416 rules (noSuchObject / noSuchInstance / endOfMibView; a SET is checked whole before any of
// it is applied, so it is all or nothing, and its effects come back as actions for the caller to carry
// out). Both the UDP agent and the multicast management protocol answer through it.
import { compareOids, startsWith, type Oid } from "./oid.js";
import { ErrorStatus, PduKind, ValueType, type Value, type Varbind } from "./types.js";

/** What a successful SET asks the unit to do. */
export type SetAction = { kind: "identify"; seconds: number };

export type WriteCheck = { error: number } | { action: SetAction };

export interface Instance {
  oid: number[];
  value: Value;
  /** Present on writable instances: checks a new value and says what applying it does. */
  write?: (value: Value) => WriteCheck;
}

/** A MIB module: the OIDs of its objects (scalars and table columns) and its instances for a snapshot. */
export interface MibModule<S> {
  objects: readonly Oid[];
  instances(snapshot: S): Instance[];
}

export interface PduResult {
  errorStatus: number;
  errorIndex: number;
  varbinds: Varbind[];
  actions: SetAction[];
}

const nul = (type: Value["type"]): Value => ({ type, value: null }) as Value;

export class MibEngine<S> {
  constructor(readonly modules: readonly MibModule<S>[]) {}

  /** Every instance for `snapshot`, in OID order. */
  walk(snapshot: S): Instance[] {
    return this.modules.flatMap((m) => m.instances(snapshot)).sort((a, b) => compareOids(a.oid, b.oid));
  }

  /**
   * Runs one request. `mayWrite` false refuses a SET with noAccess (read-only users, v2c). A GET or SET
   * reads only the modules that own the OIDs asked for (a GET of the system group and the ISS-MIB never
   * reads the ports for IF-MIB); a GETNEXT walks everything.
   */
  execute(snapshot: S, kind: number, request: readonly Varbind[], mayWrite: boolean): PduResult {
    if (kind === PduKind.Get) {
      const owner = this.owners(snapshot);
      return ok(request.map((v) => ({ oid: v.oid, value: get(owner(v.oid), v.oid) })));
    }
    if (kind === PduKind.GetNext) {
      const instances = this.walk(snapshot);
      return ok(request.map((v) => next(instances, v.oid)));
    }
    if (kind === PduKind.Set) return set(this.owners(snapshot), request, mayWrite);
    return { errorStatus: ErrorStatus.GenErr, errorIndex: 0, varbinds: [...request], actions: [] };
  }

  /**
   * GETBULK (RFC 3416 4.2.3): the first `nonRepeaters` varbinds once, the rest `maxRepetitions` times,
   * at most `limit` varbinds in all (the caller's stand-in for the response size limit).
   */
  bulk(
    snapshot: S,
    request: readonly Varbind[],
    nonRepeaters: number,
    maxRepetitions: number,
    limit: number,
  ) {
    const instances = this.walk(snapshot);
    const n = Math.max(0, Math.min(nonRepeaters, request.length));
    const out: Varbind[] = request.slice(0, n).map((v) => next(instances, v.oid));
    let cursors = request.slice(n).map((v) => v.oid);
    for (let r = 0; r < maxRepetitions && cursors.length > 0 && out.length < limit; r++) {
      const row = cursors.map((oid) => next(instances, oid));
      out.push(...row.slice(0, limit - out.length));
      if (row.every((v) => v.value.type === ValueType.EndOfMibView)) break;
      cursors = row.map((v) => v.oid);
    }
    return ok(out);
  }

  /**
   * For an OID, the sorted instances of the module with an object above it (null: no module knows it);
   * each module is read at most once per request.
   */
  private owners(snapshot: S): Owner {
    const read = new Map<MibModule<S>, Instance[]>();
    return (oid) => {
      const module = this.modules.find((m) => m.objects.some((o) => startsWith(oid, o)));
      if (!module) return null;
      let instances = read.get(module);
      if (!instances) {
        instances = module.instances(snapshot).sort((a, b) => compareOids(a.oid, b.oid));
        read.set(module, instances);
      }
      return instances;
    };
  }
}

type Owner = (oid: Oid) => readonly Instance[] | null;

function get(instances: readonly Instance[] | null, oid: Oid): Value {
  if (!instances) return nul(ValueType.NoSuchObject);
  return find(instances, oid)?.value ?? nul(ValueType.NoSuchInstance);
}

function set(owner: Owner, request: readonly Varbind[], mayWrite: boolean): PduResult {
  const actions: SetAction[] = [];
  for (const [i, vb] of request.entries()) {
    const error = (status: number): PduResult => ({
      errorStatus: status,
      errorIndex: i + 1,
      varbinds: [...request],
      actions: [],
    });
    if (!mayWrite) return error(ErrorStatus.NoAccess);
    const instances = owner(vb.oid);
    if (!instances) return error(ErrorStatus.NoCreation);
    const target = find(instances, vb.oid);
    if (!target?.write) return error(ErrorStatus.NotWritable);
    if (vb.value.type !== target.value.type) return error(ErrorStatus.WrongType);
    const checked = target.write(vb.value);
    if ("error" in checked) return error(checked.error);
    actions.push(checked.action);
  }
  return { errorStatus: ErrorStatus.NoError, errorIndex: 0, varbinds: [...request], actions };
}

function ok(varbinds: Varbind[]): PduResult {
  return { errorStatus: ErrorStatus.NoError, errorIndex: 0, varbinds, actions: [] };
}

function find(instances: readonly Instance[], oid: Oid): Instance | undefined {
  const i = lowerBound(instances, oid);
  const hit = instances[i];
  return hit && compareOids(hit.oid, oid) === 0 ? hit : undefined;
}

function next(instances: readonly Instance[], oid: Oid): Varbind {
  let i = lowerBound(instances, oid);
  const at = instances[i];
  if (at && compareOids(at.oid, oid) === 0) i++;
  const hit = instances[i];
  return hit
    ? { oid: [...hit.oid], value: hit.value }
    : { oid: [...oid], value: nul(ValueType.EndOfMibView) };
}

/** The index of the first instance whose OID is >= oid. */
function lowerBound(instances: readonly Instance[], oid: Oid): number {
  let lo = 0;
  let hi = instances.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareOids((instances[mid] as Instance).oid, oid) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
