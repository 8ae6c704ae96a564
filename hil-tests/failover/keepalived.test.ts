// keepalived (Debian's, vrrp_version 3) as a VRRPv3 peer in the failover pair's own virtual router (VRID
// 77, the same virtual address), on an SE's port, at priority 50 below both candidates and with its
// default advert_int of 1 s. It follows our SM's adverts as a backup (learning their 5 cs interval, as
// RFC 5798 has a backup do). When the SM is killed, keepalived and our BSM race to Master_Down_Interval
// (190 ms at priority 50 against 180 ms at 100): whoever wins, the BSM ends as master and SM, since its
// higher priority demotes keepalived, and the BSM preempts keepalived if keepalived's advert came first.
// When the BSM stops gracefully with no candidate left, its priority 0 makes keepalived master after its
// Skew_Time, not its Master_Down_Interval. One master after every step.
import test from "ava";
import { boardNamespace, boardInterface, labVrid, virtualAddress } from "../lab/names.js";
import { pollUntil } from "../rmtp/group-under-test.js";
import { startDirectoryLab } from "../directory/directory-lab.js";
import { skewTimeMs } from "../../firmware/src/vrrp/core/intervals.js";
import { startKeepalived } from "../vrrp/keepalived.js";
import { failoverStatus, waitRole } from "./failover-lab.js";

const keepalivedBoard = 4;
const states = (output: string): string[] =>
  [...output.matchAll(/Entering (MASTER|BACKUP|FAULT) STATE/g)].map((m) => m[1]!);

test("keepalived in the failover VRID follows our master, ends as a backup after a takeover, and takes over on priority 0", async (t) => {
  const dl = await startDirectoryLab(t, { boards: 5, failover: true });
  const { lab } = dl;
  t.true(await waitRole(lab, 1, true, 10_000), "b1 is the SM");
  t.true(await waitRole(lab, 2, false, 10_000), "b2 is an in-sync standby");
  const keepalived = startKeepalived(t, boardNamespace(lab.name, keepalivedBoard), {
    interfaceName: boardInterface,
    vrid: labVrid,
    priority: 50,
    advertIntSeconds: 1,
    virtualAddress: virtualAddress(lab.name),
    state: "BACKUP",
  });
  const backup = await pollUntil(
    () => states(keepalived.output()),
    (s) => s.includes("BACKUP"),
    10_000,
    50,
  );
  t.deepEqual(backup, ["BACKUP"], "keepalived enters BACKUP under b1's adverts");
  await new Promise((r) => setTimeout(r, 4000));
  t.deepEqual(states(keepalived.output()), ["BACKUP"], "and stays there past its Master_Down_Interval");

  await lab.fault(1, { kind: "kill" });
  t.true(await waitRole(lab, 2, true, 10_000), "b2 took over as SM");
  const b2 = await failoverStatus(lab, 2);
  t.is(b2?.vrrp, "master");
  await new Promise((r) => setTimeout(r, 4000));
  const during = states(keepalived.output());
  t.is(during.at(-1), "BACKUP", "keepalived follows b2");
  t.is((await failoverStatus(lab, 2))?.vrrp, "master", "b2 is still master");
  t.log(`keepalived's states through the takeover: ${during.join(" -> ")}`);

  const pid = lab.board(2).pid;
  if (pid === null) return t.fail("b2 has no daemon pid");
  const stoppedAt = Date.now();
  process.kill(pid, "SIGTERM");
  const master = await pollUntil(
    () => states(keepalived.output()).slice(during.length),
    (s) => s.includes("MASTER"),
    5000,
    20,
  );
  const tookMs = Date.now() - stoppedAt;
  t.deepEqual(master, ["MASTER"], "b2's priority 0 made keepalived master");
  t.log(
    `keepalived master ${tookMs} ms after b2 was told to stop (its Skew_Time at the learnt 5 cs interval: ` +
      `${skewTimeMs(50, 5)} ms; its Master_Down_Interval at its own 1 s: 3.8 s)`,
  );
});
