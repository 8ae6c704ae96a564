// The MIB engine on a fixed snapshot: GET answers and its exceptions, GETNEXT order across the system
// group, IF-MIB and ISS-MIB, GETBULK, and SET rules: all or nothing, wrongType/wrongValue/notWritable/
// noCreation/noAccess with the index of the varbind at fault, and the identify action.
import test from "ava";
import { compareOids, parseOid, startsWith } from "../src/snmp/mib/oid.js";
import { ErrorStatus, PduKind, ValueType, type Varbind } from "../src/snmp/mib/types.js";
import { engine, enterprise, snapshot } from "./helpers/snmp-snapshot.js";

const e = engine();
const s = snapshot();
const nul = { type: ValueType.Null, value: null } as const;
const q = (...oids: string[]): Varbind[] => oids.map((o) => ({ oid: parseOid(o), value: nul }));
const iss = (suffix: string): string => [...enterprise, suffix].join(".");

test("GET: values, noSuchInstance and noSuchObject", (t) => {
  const r = e.execute(
    s,
    PduKind.Get,
    q("1.3.6.1.2.1.1.5.0", iss("1.1.3.0"), iss("1.2.1.0"), iss("1.1.3.1"), "1.3.6.1.9.9"),
    false,
  );
  t.is(r.errorStatus, ErrorStatus.NoError);
  t.deepEqual(r.varbinds[0]?.value, { type: ValueType.OctetString, value: Buffer.from("b7") });
  t.deepEqual(r.varbinds[1]?.value, { type: ValueType.Integer, value: 3 });
  t.deepEqual(r.varbinds[2]?.value, { type: ValueType.Counter64, value: 2n ** 40n });
  t.is(r.varbinds[3]?.value.type, ValueType.NoSuchInstance);
  t.is(r.varbinds[4]?.value.type, ValueType.NoSuchObject);
});

test("absent groups have no instances: no switch on this unit", (t) => {
  const r = e.execute(s, PduKind.Get, q(iss("1.4.1.0"), iss("1.3.1.0")), false);
  t.is(r.varbinds[0]?.value.type, ValueType.NoSuchInstance);
  t.deepEqual(r.varbinds[1]?.value, { type: ValueType.Gauge32, value: 12 });
});

test("GETNEXT walks every instance in strictly increasing order and ends with endOfMibView", (t) => {
  let oid = [1, 3];
  const seen: number[][] = [];
  for (;;) {
    const r = e.execute(s, PduKind.GetNext, [{ oid, value: nul }], false);
    const vb = r.varbinds[0] as Varbind;
    if (vb.value.type === ValueType.EndOfMibView) break;
    t.true(compareOids(vb.oid, oid) > 0);
    seen.push(vb.oid);
    oid = vb.oid;
  }
  t.is(seen.length, e.walk(s).length);
  t.deepEqual(seen[0], [1, 3, 6, 1, 2, 1, 1, 1, 0]);
  t.true(seen.some((o) => o.join(".") === "1.3.6.1.2.1.2.2.1.10.2"));
  t.true(seen.some((o) => o.join(".") === "1.3.6.1.2.1.31.1.1.1.6.3"));
});

test("GETNEXT from a column gives its first row; IF-MIB 32-bit counters wrap, HC ones do not", (t) => {
  const r = e.execute(s, PduKind.GetNext, q("1.3.6.1.2.1.2.2.1.10", "1.3.6.1.2.1.31.1.1.1.6"), false);
  t.deepEqual(r.varbinds[0], {
    oid: [1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 1],
    value: { type: ValueType.Counter32, value: 5_000_000_001 % 2 ** 32 },
  });
  t.deepEqual(r.varbinds[1]?.value, { type: ValueType.Counter64, value: 5_000_000_001n });
});

test("GETBULK: non-repeaters once, the rest repeated, capped", (t) => {
  const r = e.bulk(s, q("1.3.6.1.2.1.1.4", "1.3.6.1.2.1.2.2.1.1", "1.3.6.1.2.1.2.2.1.2"), 1, 3, 100);
  t.is(r.varbinds.length, 1 + 2 * 3);
  t.deepEqual(r.varbinds.map((v) => v.oid.join(".")).slice(0, 3), [
    "1.3.6.1.2.1.1.4.0",
    "1.3.6.1.2.1.2.2.1.1.1",
    "1.3.6.1.2.1.2.2.1.2.1",
  ]);
  t.is(e.bulk(s, q("1.3"), 0, 1000, 40).varbinds.length, 40);
});

const identify = (seconds: number): Varbind => ({
  oid: parseOid(iss("1.1.7.0")),
  value: { type: ValueType.Gauge32, value: seconds },
});

test("SET issUnitIdentify gives an identify action", (t) => {
  const r = e.execute(s, PduKind.Set, [identify(30)], true);
  t.is(r.errorStatus, ErrorStatus.NoError);
  t.deepEqual(r.actions, [{ kind: "identify", seconds: 30 }]);
});

test("SET is all or nothing: the first bad varbind's status and index, no action", (t) => {
  const cases: Array<[Varbind, number]> = [
    [
      { oid: parseOid(iss("1.1.3.0")), value: { type: ValueType.Integer, value: 1 } },
      ErrorStatus.NotWritable,
    ],
    [{ oid: parseOid(iss("1.1.7.0")), value: { type: ValueType.Integer, value: 1 } }, ErrorStatus.WrongType],
    [identify(3601), ErrorStatus.WrongValue],
    [
      { oid: parseOid("1.3.6.1.9.9.0"), value: { type: ValueType.Integer, value: 1 } },
      ErrorStatus.NoCreation,
    ],
  ];
  for (const [bad, status] of cases) {
    const r = e.execute(s, PduKind.Set, [identify(10), bad], true);
    t.is(r.errorStatus, status);
    t.is(r.errorIndex, 2);
    t.deepEqual(r.actions, []);
  }
  const ro = e.execute(s, PduKind.Set, [identify(10)], false);
  t.is(ro.errorStatus, ErrorStatus.NoAccess);
  t.is(ro.errorIndex, 1);
});

test("every instance lies under an object of its own module, so a GET asks only the module that owns it", (t) => {
  const modules = [...e.modules];
  for (const m of modules) {
    for (const i of m.instances(s)) {
      const owners = modules.filter((o) => o.objects.some((obj) => startsWith(i.oid, obj)));
      t.deepEqual(owners, [m], `instance ${i.oid.join(".")}`);
    }
  }
});

test("a GET of the system group and the ISS-MIB does not read the ports; one of IF-MIB does", (t) => {
  let reads = 0;
  const counted = { ...s };
  Object.defineProperty(counted, "ports", {
    get: () => {
      reads++;
      return s.ports;
    },
  });
  e.execute(counted, PduKind.Get, q("1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.3.0", iss("1.1.3.0")), false);
  t.is(reads, 0);
  const r = e.execute(counted, PduKind.Get, q("1.3.6.1.2.1.2.1.0", "1.3.6.1.2.1.2.2.1.2.2"), false);
  t.deepEqual(r.varbinds[0]?.value, { type: ValueType.Integer, value: 3 });
  t.deepEqual(r.varbinds[1]?.value, { type: ValueType.OctetString, value: Buffer.from("eth0") });
  t.true(reads > 0);
});
