// The SM's collection of multicast management responses and a member's answer, sans I/O: one result per
// expected member, a repeated response counted and dropped, responses for another requester or request
// ignored, the request asked again of those still awaited, the deadline naming who did not answer; a member answers only requests that name
// it (or name nobody) and a SET runs through its engine once.
import test from "ava";
import { PduKind, ValueType, type Varbind } from "../src/snmp/mib/types.js";
import { decodeRequest, type MulticastResponse } from "../src/snmp/multicast/codec.js";
import { Coordinator } from "../src/snmp/multicast/coordinator.js";
import { answer } from "../src/snmp/multicast/member.js";
import { engine, enterprise, snapshot } from "./helpers/snmp-snapshot.js";

const members = [
  { id: 1, name: "b1" },
  { id: 2, name: "b2" },
  { id: 3, name: "b3" },
];
const get = [{ oid: [1, 3, 6, 1, 2, 1, 1, 5, 0], value: { type: ValueType.Null, value: null } as const }];

function response(requestId: number, requester = 1): MulticastResponse {
  return { requestId, requester, responder: 0, errorStatus: 0, errorIndex: 0, varbinds: [] };
}

test("one result per member; duplicates and strangers are not results", (t) => {
  const c = new Coordinator(1, 100);
  const { requestId, payload } = c.start(PduKind.Get, get, members, [], 5000);
  t.is(requestId, 100);
  t.deepEqual(decodeRequest(payload).varbinds, get);
  t.is(c.onResponse(2, response(requestId)), null);
  t.is(c.onResponse(2, response(requestId)), null);
  t.is(c.onResponse(9, response(requestId)), null);
  t.is(c.onResponse(3, response(requestId, 4)), null);
  t.is(c.onResponse(3, response(requestId + 1)), null);
  t.is(c.onResponse(1, response(requestId)), null);
  const done = c.onResponse(3, response(requestId));
  t.deepEqual(
    done?.results.map((r) => r.name),
    ["b1", "b2", "b3"],
  );
  t.deepEqual(done?.missing, []);
  t.is(done?.duplicates, 1);
  t.is(c.nextDeadline(), Infinity);
});

test("the deadline ends a request and names who did not answer", (t) => {
  const c = new Coordinator(1);
  const a = c.start(PduKind.Get, get, members, [], 1000);
  const b = c.start(PduKind.Get, get, members.slice(1), [2, 3], 2000);
  c.onResponse(2, response(a.requestId));
  c.onResponse(2, response(b.requestId));
  t.is(c.nextDeadline(), 1000);
  t.deepEqual(
    decodeRequest(c.again(a.requestId) as Buffer).targets,
    [1, 3],
    "asked again: who did not answer",
  );
  t.deepEqual(c.expire(999), []);
  const [first] = c.expire(1000);
  t.deepEqual(first?.missing, [members[0], members[2]]);
  t.deepEqual(
    first?.results.map((r) => r.id),
    [2],
  );
  t.deepEqual(
    c.expire(2000).map((o) => o.missing),
    [[members[2]]],
  );
  t.is(c.again(b.requestId), null);
});

test("a member answers requests that name it or nobody, executing a SET once", (t) => {
  const e = engine();
  const identify: Varbind[] = [
    { oid: [...enterprise, 1, 1, 7, 0], value: { type: ValueType.Gauge32, value: 20 } },
  ];
  let runs = 0;
  const execute = (type: number, vbs: Varbind[]) => {
    runs++;
    return e.execute(snapshot(), type, vbs, true);
  };
  const request = { requestId: 5, pduType: PduKind.Set, targets: [2, 3], varbinds: identify };
  t.is(answer(request, 1, 4, execute), null);
  const done = answer(request, 1, 3, execute);
  t.deepEqual(done?.result.actions, [{ kind: "identify", seconds: 20 }]);
  t.like(done?.response, { requestId: 5, requester: 1, errorStatus: 0 });
  t.truthy(answer({ ...request, targets: [] }, 1, 4, execute));
  t.is(runs, 2);
});
