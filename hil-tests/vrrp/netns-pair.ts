// Two network namespaces joined by a veth pair (eth0 in each, 10.78.K.1 and .2/24; K random unless
// given: addresses live only inside the pair), with names that no parallel test uses ("vi" + random),
// removed by the test's teardown even when the test fails.
import type { ExecutionContext } from "ava";
import { randomBytes } from "node:crypto";
import { addNetns, deleteNetns, ip, listNetns, run, systemTool } from "../lab/netns.js";

export interface NetnsPair {
  a: { ns: string; address: string };
  b: { ns: string; address: string };
}

export async function netnsPair(
  t: ExecutionContext,
  octet = 1 + (randomBytes(1)[0]! % 250),
): Promise<NetnsPair> {
  const id = randomBytes(3).toString("hex");
  const pair = {
    a: { ns: `vi${id}a`, address: `10.78.${octet}.1` },
    b: { ns: `vi${id}b`, address: `10.78.${octet}.2` },
  };
  t.teardown(async () => {
    const existing = await listNetns();
    for (const { ns } of [pair.a, pair.b]) if (existing.includes(ns)) await deleteNetns(ns);
  });
  await addNetns(pair.a.ns);
  await addNetns(pair.b.ns);
  await run([systemTool("ip"), "link", "add", `vi${id}a`, "type", "veth", "peer", "name", `vi${id}b`]);
  for (const side of [pair.a, pair.b]) {
    await run([systemTool("ip"), "link", "set", side.ns, "netns", side.ns, "name", "eth0"]);
    await ip(side.ns, ["addr", "add", `${side.address}/24`, "dev", "eth0"]);
    await ip(side.ns, ["link", "set", "eth0", "up"]);
  }
  return pair;
}
