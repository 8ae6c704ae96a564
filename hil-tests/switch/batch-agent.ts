// Runs inside batch.test.ts's namespace: a bridge with two ports, then one batch of 300 MDB entries over a
// session with small socket buffers (so the batch is cut into several sendmsg calls, each ending in an ack
// barrier), some of them (or `all`) link-local groups the kernel refuses. Prints the batch's answers as `NRT-BATCH
// {json}`: the indexes of the refused requests with their errno names.
import { mdbPayload, MDB_PERMANENT, RTM_NEWMDB } from "../../firmware/src/switch/codec/mdb.js";
import { NLM_F_CREATE, NLM_F_EXCL } from "../../firmware/src/switch/codec/nlmsg.js";
import { errnoName } from "../../firmware/src/switch/io/errno.js";
import { NetlinkSession } from "../../firmware/src/switch/io/session.js";
import { iprJson } from "./fixture.js";

const [bridge, port, badList] = process.argv.slice(2) as [string, string, string];
const bad = new Set(
  badList === "all" ? Array.from({ length: 300 }, (_, i) => i) : badList.split(",").map(Number),
);
const index = async (name: string): Promise<number> =>
  (await iprJson<Array<{ ifindex: number }>>(null, "ip", ["link", "show", name]))[0]!.ifindex;
const [br, p] = [await index(bridge), await index(port)];
const requests = Array.from({ length: 300 }, (_, i) => ({
  type: RTM_NEWMDB,
  flags: NLM_F_CREATE | NLM_F_EXCL,
  payload: mdbPayload(br, {
    port: p,
    state: MDB_PERMANENT,
    vid: 0,
    group: bad.has(i) ? "224.0.0.5" : `239.20.${Math.floor(i / 200)}.${(i % 200) + 1}`,
  }),
}));
const session = new NetlinkSession(64 * 1024);
const acks = await session.batch(requests);
session.close();
const refused = acks.flatMap((a, i) => (a.errno === 0 ? [] : [{ i, error: errnoName(a.errno) }]));
process.stdout.write(`NRT-BATCH ${JSON.stringify({ answers: acks.length, refused })}\n`);
