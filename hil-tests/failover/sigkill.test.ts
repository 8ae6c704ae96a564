// Failover on the virtual lab under a continuous write stream to the virtual address: the SM's daemon is
// SIGKILLed and the BSM takes over. Checked afterwards from the client history: every acknowledged write
// is on the new SM and on every SE, nothing half-applied, no entry the client never wrote, and no two
// boards ever held the same manager epoch. Then the old SM comes back as a standby and catches up.
import test from "ava";
import { virtualAddress } from "../lab/names.js";
import { pollUntil } from "../rmtp/group-under-test.js";
import { snapshotDiff, startDirectoryLab } from "../directory/directory-lab.js";
import { checkStream } from "../directory/stream-check.js";
import { startWriteStream } from "../directory/write-stream.js";
import { terms, waitRole } from "./failover-lab.js";

test("SIGKILL of the SM: the BSM serves on the virtual address with every acknowledged write", async (t) => {
  const dl = await startDirectoryLab(t, { boards: 5, failover: true });
  const { lab } = dl;
  t.true(await waitRole(lab, 1, true, 10_000), "b1 is the SM");
  t.true(await waitRole(lab, 2, false, 10_000), "b2 is an in-sync standby");
  const stream = startWriteStream(lab, {
    from: 3,
    prefix: "kill",
    count: 600,
    clients: 4,
    to: virtualAddress(lab.name),
  });
  const before = await pollUntil(
    () => stream.acked(),
    (n) => n >= 150,
    30_000,
    10,
  );
  t.true(
    before >= 150,
    `150 writes acknowledged before the kill: ${JSON.stringify(stream.records.slice(0, 3))}`,
  );
  const killedAt = Date.now();
  await lab.fault(1, { kind: "kill" });
  const deadBy = Date.now();
  t.true(await waitRole(lab, 2, true, 10_000), "b2 became an established SM");
  const records = await stream.done;
  const firstAfter = records
    .filter((r) => r.outcome === "acked" && r.sent > deadBy)
    .sort((a, b) => a.at - b.at)[0];
  const acked = records.filter((r) => r.outcome === "acked").length;
  const unknown = records.filter((r) => r.outcome === "unknown").length;
  const refused = records.filter((r) => r.outcome === "refused").length;
  t.log(
    `${acked} acknowledged, ${unknown} unknown, ${refused} refused; first write sent after the kill was ` +
      `acknowledged ${firstAfter ? firstAfter.at - killedAt : "never"} ms after the kill ` +
      `(the kill took ${deadBy - killedAt} ms to confirm)`,
  );
  t.truthy(firstAfter, "writes are acknowledged after the kill");

  const sm = await dl.snapshot(2);
  t.deepEqual(checkStream(sm, records, "kill"), [], "the new SM holds every acknowledged write");
  const ses = lab.boards.filter((b) => b.role === "se").map((b) => b.index);
  const smCsn = (await dl.status(2))?.lastCsn;
  await pollUntil(
    async () => Promise.all(ses.map(async (b) => (await dl.status(b))?.lastCsn)),
    (csns) => csns.every((c) => c === smCsn),
    15_000,
    100,
  );
  for (const b of ses) t.deepEqual(snapshotDiff(sm, await dl.snapshot(b)), [], `b${b} equals the new SM`);

  await lab.fault(1, { kind: "restart" });
  t.true(await waitRole(lab, 1, false, 20_000), "the old SM rejoined as an in-sync standby");
  t.deepEqual(snapshotDiff(sm, await dl.snapshot(1)), [], "the old SM holds what the new SM holds");

  const held = terms(lab, [1, 2]);
  t.log(`terms: ${held.map((h) => `b${h.board}@${h.epoch}`).join(", ")}`);
  t.is(new Set(held.map((h) => h.epoch)).size, held.length, "no epoch was held by two boards");
});
