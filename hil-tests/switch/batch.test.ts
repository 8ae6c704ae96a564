// The session's batches on this kernel, in an nrt namespace: 300 MDB requests sent in several sendmsg calls
// with one ack barrier each (small socket buffers) come back as 300 answers in order, the refused ones
// (link-local groups, also the first request and those that end a sendmsg) at exactly their indexes, and
// the others are in the MDB as `bridge -j mdb show` lists it; a batch the kernel refuses whole answers
// every request (the refusals fit the receive buffer).
import test from "ava";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inNetns } from "../lab/netns.js";
import { canBuildLab, privilegeMessage } from "../lab/privileges.js";
import { addNamespace, addPorts, deleteNamespace, ipr, nrtName, permanentGroups } from "./fixture.js";

const agent = fileURLToPath(new URL("./batch-agent.js", import.meta.url));
/** With 64 KiB asked for, a sendmsg carries about 60 MDB requests: these cross its ends. */
const bad = [0, 57, 58, 59, 60, 61, 150, 299];

interface BatchResult {
  answers: number;
  refused: Array<{ i: number; error: string }>;
}

async function batch(ns: string, bridge: string, port: string, bad: string): Promise<BatchResult> {
  const [file, ...args] = inNetns(ns, [process.execPath, agent, bridge, port, bad]);
  const out = await new Promise<string>((resolve, reject) =>
    execFile(file!, args, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
  );
  return JSON.parse(out.slice(out.indexOf("NRT-BATCH ") + "NRT-BATCH ".length)) as BatchResult;
}

if (!canBuildLab()) test.skip(`session batches on this kernel (${privilegeMessage})`, () => undefined);
else {
  test("a batch over several sendmsg calls answers each request in order, refusals at their indexes", async (t) => {
    const ns = nrtName();
    t.teardown(() => deleteNamespace(ns));
    await addNamespace(ns);
    const [port] = await addPorts(ns, ns, 1);
    const bridge = `${ns}br`;
    await ipr(ns, "ip", ["link", "add", bridge, "type", "bridge"]);
    await ipr(ns, "ip", ["link", "set", port!, "master", bridge, "up"]);
    await ipr(ns, "ip", ["link", "set", bridge, "up"]);
    const result = await batch(ns, bridge, port!, bad.join(","));
    t.is(result.answers, 300);
    t.deepEqual(
      result.refused.map((r) => r.i),
      bad,
    );
    t.true(
      result.refused.every((r) => r.error === "EINVAL"),
      JSON.stringify(result.refused),
    );
    t.is((await permanentGroups(ns, bridge)).length, 300 - bad.length);
    const all = await batch(ns, bridge, port!, "all");
    t.deepEqual(
      all.refused.map((r) => r.i),
      Array.from({ length: 300 }, (_, i) => i),
      "every refusal fits the receive buffer: no overrun, no answer lost",
    );
  });
}
