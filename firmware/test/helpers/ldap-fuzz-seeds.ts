// The valid seed PDUs the LDAP server fuzz test mutates: every request kind against the example LAN
// (firmware/schema/example-lan.ldif) for the read phases (binds use only the read-only user's password, so
// no mutation can bind as a writer) and valid adds, modifies and deletes for the write phase.
import type { Filter, Scope } from "../../src/directory/model/types.js";
import {
  abandonRequest,
  bindRequest,
  compareRequest,
  extendedRequest,
  modifyDnRequest,
  searchRequest,
  unbindRequest,
  updateRequest,
} from "./ldap-fuzz-pdus.js";

export const SUFFIX = "dc=lan1,dc=iss,dc=example";
export const READER = { dn: `cn=reader,${SUFFIX}`, password: "reader-secret-7f3a" };
export const WRITER = { dn: `cn=writer,${SUFFIX}`, password: "writer-secret-c41d" };

const ENGINE = `cn=se-http1,ou=engines,${SUFFIX}`;
const CONTENT = `issContentId=http://www.lan1.example/products/,ou=content,${SUFFIX}`;

/** One filter of every kind, and a few compositions. */
export const seedFilters: Filter[] = [
  { type: "present", attribute: "objectClass" },
  { type: "equal", attribute: "issServerKind", value: "cache" },
  { type: "equal", attribute: "cn", value: "SE-HTTP1" },
  { type: "ge", attribute: "issContentSize", value: "1000000000" },
  { type: "le", attribute: "issLastSeen", value: "20261125000000Z" },
  { type: "approx", attribute: "issHealth", value: "ok" },
  { type: "substring", attribute: "issContentId", initial: "http://", any: ["lan1"], final: "/" },
  { type: "substring", attribute: "cn", any: ["cache"] },
  { type: "ext", attribute: "cn", rule: "caseIgnoreMatch", value: "se-cache1", dnAttributes: false },
  { type: "ext", rule: "2.5.13.2", value: "engines", dnAttributes: true },
  {
    type: "and",
    filters: [
      { type: "equal", attribute: "objectClass", value: "issContentLocation" },
      { type: "or", filters: [{ type: "equal", attribute: "issContentState", value: "stale" }] },
      { type: "not", filter: { type: "equal", attribute: "issServerKind", value: "stream" } },
    ],
  },
  { type: "and", filters: [] },
  { type: "or", filters: [] },
];

const scopes: Scope[] = ["base", "one", "sub"];
const attributeLists = [[], ["*"], ["1.1"], ["cn", "issAddress"], ["+"], ["2.5.4.3", "nosuchattribute"]];

/** Seeds for the unauthenticated and read-only phases: every request kind, writes included (refused). */
export function readSeeds(): Buffer[] {
  const seeds: Buffer[] = [
    bindRequest(1, READER.dn, READER.password),
    bindRequest(2, READER.dn, "wrong-password"),
    bindRequest(3, "cn=nobody,dc=lan1,dc=iss,dc=example", "x"),
    bindRequest(4, "", ""),
    bindRequest(5, READER.dn, READER.password, [{ oid: "1.3.6.1.4.1.4203.1.9.1.1", critical: true }]),
    compareRequest(6, ENGINE, "issServerKind", "http"),
    compareRequest(7, CONTENT, "issContentSize", "52428800"),
    compareRequest(8, "cn=missing,ou=engines,dc=lan1,dc=iss,dc=example", "cn", "missing"),
    updateRequest(9, { type: "add", dn: `cn=se-new,ou=engines,${SUFFIX}`, attributes: newEngine("se-new") }),
    updateRequest(10, { type: "delete", dn: CONTENT }),
    updateRequest(11, {
      type: "modify",
      dn: ENGINE,
      modifications: [{ operation: "replace", attribute: "issHealth", values: ["down"] }],
    }),
    modifyDnRequest(12, ENGINE, "cn=se-renamed", true),
    modifyDnRequest(13, ENGINE, "cn=se-moved", false, `ou=switches,${SUFFIX}`),
    abandonRequest(14, 3),
    extendedRequest(15, "1.3.6.1.4.1.1466.20037"),
    extendedRequest(16, "1.3.6.1.4.1.4203.1.11.3"),
    extendedRequest(17, "1.3.6.1.4.1.4203.1.11.1", "\u0030\u0000"),
    unbindRequest(18),
  ];
  let id = 100;
  for (const filter of seedFilters) {
    for (const scope of scopes) {
      const attributes = attributeLists[id % attributeLists.length] ?? [];
      seeds.push(searchRequest(id++, { base: SUFFIX, scope, filter, attributes }));
    }
  }
  seeds.push(
    searchRequest(id++, { base: "", scope: "base", filter: seedFilters[0]!, attributes: ["namingContexts"] }),
    searchRequest(id++, {
      base: `ou=engines,${SUFFIX}`,
      scope: "one",
      filter: seedFilters[0]!,
      sizeLimit: 2,
    }),
    searchRequest(id++, {
      base: SUFFIX,
      scope: "sub",
      filter: seedFilters[1]!,
      timeLimit: 1,
      typesOnly: true,
    }),
    searchRequest(id++, { base: "cn=nope,dc=nowhere", scope: "sub", filter: seedFilters[0]!, deref: 3 }),
    searchRequest(id++, { base: SUFFIX, scope: "sub", filter: seedFilters[0]! }, [
      { oid: "1.2.840.113556.1.4.319", critical: true, value: "\u0030\u0005\u0002\u0001\u0005\u0004\u0000" },
    ]),
  );
  return seeds;
}

function newEngine(name: string): Record<string, string[]> {
  return {
    objectClass: ["issServiceEngine"],
    cn: [name],
    issAddress: ["10.77.1.99"],
    issServerKind: ["stream"],
    issCapacity: ["1000000"],
    issHealth: ["ok"],
  };
}

/** Seeds for the write phase: valid adds, modifies and deletes of the example LAN. */
export function writeSeeds(): Buffer[] {
  const seeds: Buffer[] = [];
  for (let i = 0; i < 8; i++) {
    const name = `se-fuzz${i}`;
    seeds.push(
      updateRequest(200 + i, {
        type: "add",
        dn: `cn=${name},ou=engines,${SUFFIX}`,
        attributes: newEngine(name),
      }),
    );
  }
  seeds.push(
    updateRequest(210, {
      type: "add",
      dn: `issContentId=http://fuzz.example/a/,ou=content,${SUFFIX}`,
      attributes: {
        objectClass: ["issContentLocation"],
        issContentId: ["http://fuzz.example/a/"],
        issContentServer: [ENGINE],
        issServerKind: ["http"],
        issContentState: ["active"],
        issContentSize: ["1024"],
        issLastSeen: ["20261125041500Z"],
      },
    }),
    updateRequest(211, {
      type: "modify",
      dn: ENGINE,
      modifications: [
        { operation: "replace", attribute: "issHealth", values: ["degraded"] },
        { operation: "add", attribute: "description", values: ["fuzzed"] },
      ],
    }),
    updateRequest(212, {
      type: "modify",
      dn: CONTENT,
      modifications: [
        { operation: "delete", attribute: "issContentServer", values: [ENGINE] },
        { operation: "add", attribute: "issContentServer", values: [`cn=se-http2,ou=engines,${SUFFIX}`] },
        { operation: "replace", attribute: "issContentSize", values: ["99"] },
      ],
    }),
    updateRequest(213, { type: "delete", dn: `cn=se-fuzz0,ou=engines,${SUFFIX}` }),
    updateRequest(214, { type: "delete", dn: `issContentId=http://fuzz.example/a/,ou=content,${SUFFIX}` }),
  );
  return seeds;
}
