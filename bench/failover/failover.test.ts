// The failover benchmark's pure parts: option parsing (defaults, canonical class order, a clear error for
// every bad option), the percentile summary, which acknowledgement counts as the new SM's first, the
// no-acknowledgement gap, split-brain epochs, settled roles, lost-write accounting and the targets.
import test from "ava";
import type { WriteRecord } from "../../hil-tests/directory/write-stream.js";
import type { CycleFigures } from "./cycles.js";
import type { BaselineFigures } from "./keepalived.js";
import { sharedEpochs } from "./logs.js";
import { parseFailoverBenchOptions } from "./options.js";
import { classFigures, evaluateTargets, renderText } from "./report.js";
import { deadEnd, rolesOf, type RoleStatus } from "./roles.js";
import { firstAcked, longestGap, summarize } from "./stats.js";
import { checkWrites } from "./write-check.js";

test("options: defaults, and lists in canonical order without duplicates", (t) => {
  t.deepEqual(parseFailoverBenchOptions([]), {
    cycles: 20,
    classes: ["kill", "stop", "cut", "planned"],
    soakSeconds: 60,
    boards: 5,
    preload: 0,
    preempt: true,
    json: false,
    out: null,
  });
  const o = parseFailoverBenchOptions([
    "--cycles",
    "3",
    "--classes",
    "planned,cut,kill,cut",
    "--soak-seconds",
    "0",
  ]);
  t.deepEqual([o.cycles, o.classes, o.soakSeconds], [3, ["kill", "cut", "planned"], 0]);
  t.deepEqual(parseFailoverBenchOptions(["--json", "--boards", "7", "--out", "r.json"]).boards, 7);
  t.false(parseFailoverBenchOptions(["--no-preempt"]).preempt);
  t.is(parseFailoverBenchOptions(["--preload", "40000"]).preload, 40_000);
});

test("options: every bad option is refused with a message naming it", (t) => {
  const bad: Array<[string[], RegExp]> = [
    [["--bogus"], /^unknown option '--bogus'\nusage: bench failover/],
    [["--cycles", "0"], /--cycles must be an integer from 1 to 1000, got '0'/],
    [["--cycles", "2.5"], /--cycles must be an integer/],
    [["--cycles"], /--cycles needs a value/],
    [
      ["--classes", "kill,reboot"],
      /--classes takes a comma-separated list of kill, stop, cut, planned; unknown: 'reboot'/,
    ],
    [["--classes", ""], /--classes takes/],
    [["--soak-seconds", "3601"], /--soak-seconds must be an integer from 0 to 3600/],
    [["--boards", "4"], /--boards must be an integer from 5 to 20, got '4'/],
  ];
  for (const [argv, message] of bad)
    t.throws(() => parseFailoverBenchOptions(argv), { message }, argv.join(" "));
});

test("summary: nearest-rank percentiles, maximum, and missing figures counted apart", (t) => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
  t.deepEqual(summarize(hundred), { n: 100, missing: 0, p50Ms: 50, p99Ms: 99, maxMs: 100 });
  t.deepEqual(summarize([210, null, 180, undefined, 400]), {
    n: 3,
    missing: 2,
    p50Ms: 210,
    p99Ms: 400,
    maxMs: 400,
  });
  t.deepEqual(summarize([]), { n: 0, missing: 0, p50Ms: null, p99Ms: null, maxMs: null });
});

test("the new SM's first acknowledgement: sent after the fault, acknowledged while it held the role", (t) => {
  const fault = 1000;
  const sm = 1180;
  const records = [
    { sent: 990, at: 1200, outcome: "acked" }, // sent before the fault
    { sent: 1001, at: 1050, outcome: "acked" }, // acknowledged by the old SM
    { sent: 1100, at: 1190, outcome: "refused" },
    { sent: 1150, at: 1260, outcome: "acked" },
    { sent: 1160, at: 1230, outcome: "acked" },
    { sent: 1170, at: 1900, outcome: "acked" },
  ];
  t.is(firstAcked(records, fault, sm), 1230);
  t.is(firstAcked(records, fault, sm, 1230), null, "the new SM had left the role by then");
  t.is(firstAcked(records, 2000, sm), null);
});

test("the no-acknowledgement gap runs from the last acknowledgement before the fault to the takeover", (t) => {
  const acked = (at: number) => ({ sent: at - 5, at, outcome: "acked" });
  const records = [
    acked(900),
    acked(980),
    { sent: 990, at: 1500, outcome: "unknown" },
    acked(1040),
    acked(1300),
  ];
  t.is(longestGap(records, 1000, 1300), 260, "1040 (old SM drains) to 1300 (new SM)");
  t.is(longestGap([acked(1300)], 1000, 1300), 300, "no acknowledgement before: from the fault");
  t.is(longestGap(records, 1000, null), null);
});

test("split brain: epochs that two boards held", (t) => {
  const term = (board: number, epoch: number, at: number) => ({ board, epoch, at });
  t.deepEqual(sharedEpochs([term(1, 1, 0), term(2, 2, 1), term(1, 3, 2), term(1, 3, 3)]), []);
  t.deepEqual(
    sharedEpochs([term(1, 4, 0), term(2, 4, 1), term(1, 2, 2), term(2, 2, 3), term(2, 5, 4)]),
    [2, 4],
  );
});

test("roles are settled only with one established SM and an in-sync standby", (t) => {
  const sm: RoleStatus = { role: "sm", established: true, eligibleBy: null };
  const standby: RoleStatus = { role: "standby", established: false, eligibleBy: "lease" };
  const of = (b1: RoleStatus | undefined, b2: RoleStatus | undefined) =>
    rolesOf(
      new Map([
        [1, b1],
        [2, b2],
      ]),
    );
  t.deepEqual(of(standby, sm), { sm: 2, standby: 1 });
  t.is(of({ ...sm, established: false }, standby), null, "term not established");
  t.is(of(sm, { ...standby, eligibleBy: null }), null, "standby without a lease");
  t.is(of(sm, sm), null, "two SMs");
  t.is(of(sm, undefined), null, "no answer");
  const dead = (b1: RoleStatus | undefined, b2: RoleStatus | undefined) =>
    deadEnd(
      new Map([
        [1, b1],
        [2, b2],
      ]),
    );
  const stranded: RoleStatus = { ...standby, eligibleBy: null };
  t.true(dead(stranded, stranded), "no SM, nobody eligible: nobody will ever grant a lease");
  t.false(dead(stranded, standby), "a standby with a lease may still be elected");
  t.false(dead(stranded, { ...stranded, eligibleBy: "boot" }), "a boot-eligible board may start the group");
  t.false(dead(stranded, { ...sm, established: false }), "an SM whose term is not established yet");
  t.false(dead(stranded, undefined), "a board that does not answer may be frozen SM");
});

const suffix = "dc=lan1,dc=iss,dc=example";
const dn = (id: string): string => `issContentId=${id},ou=content,${suffix}`;
const entry = (id: string, size: number): [string, string[]] => [
  `dn: ${dn(id)}`.toLowerCase(),
  [`description: size ${size}`, `issContentSize: ${size}`],
];

test("lost writes: acknowledged and missing or older; refused but applied and other findings apart", (t) => {
  const w = (
    id: string,
    op: "add" | "modify",
    size: number,
    outcome: WriteRecord["outcome"],
    code?: number,
  ): WriteRecord => ({
    op,
    dn: dn(id),
    size,
    outcome,
    ...(code !== undefined ? { code } : {}),
    sent: 0,
    at: 1,
  });
  const records = [
    w("k1s-0", "add", 0, "acked", 0),
    w("k1s-0", "modify", 1_000_000, "acked", 0),
    w("k1s-1", "add", 1, "acked", 0),
    w("k1s-1", "modify", 1_000_001, "acked", 0),
    w("k1s-2", "add", 2, "acked", 0),
    w("k1s-3", "add", 3, "unknown"),
    w("k1s-4", "add", 4, "refused", 53),
    w("k1s-5", "add", 5, "acked", 0),
    w("k1s-5", "modify", 1_000_005, "refused", 53),
  ];
  const snapshot = new Map([
    entry("k1s-0", 1_000_000),
    entry("k1s-1", 1),
    entry("k1s-4", 4),
    entry("k1s-5", 1_000_005),
    entry("k1s-9", 9),
  ]);
  const check = checkWrites(snapshot, [{ prefix: "k1s", records }]);
  t.like(check, { acked: 6, refused: 2, unknown: 1, lost: 2, anomalies: 1, refusedApplied: 2 });
  const found = (pattern: RegExp): boolean => check.problems.some((p) => pattern.test(p));
  t.true(found(/^acknowledged write missing: issContentId=k1s-2,/));
  t.true(found(/^issContentId=k1s-1,.*: size 1, last acknowledged 1000001$/));
  t.true(found(/^entry the client never wrote: dn: issContentId=k1s-9,/i));
  t.true(found(/^issContentId=k1s-4,.*: add refused with code 53, applied all the same$/));
  t.false(found(/k1s-3/), "an unknown write may be missing");
});

function cycle(takeoverMs: number | null, lost = 0, lostAfterReturn: number | null = 0): CycleFigures {
  const check = (n: number) => ({
    acked: 10,
    refused: 0,
    unknown: 0,
    lost: n,
    anomalies: 0,
    refusedApplied: 0,
    problems: [],
  });
  return {
    cycle: 1,
    faulted: 1,
    newSm: 2,
    injectMs: 0,
    detectionMs: 170,
    smMs: 171,
    directoryMs: 180,
    establishedMs: 190,
    servingMs: 195,
    takeoverMs,
    firstSentMs: takeoverMs === null ? null : takeoverMs - 10,
    streamResumeMs: null,
    gapMs: takeoverMs,
    stalls: 0,
    newSmLeft: null,
    writes: check(lost),
    writesAfterReturn: lostAfterReturn === null ? null : check(lostAfterReturn),
    recoveryMs: 3000,
    phasesMs: { settle: 1500, takeover: 400 },
  };
}

const baseline = (advertIntSeconds: number, p50: number, p99: number): BaselineFigures => ({
  advertIntSeconds,
  cycles: [],
  detection: summarize([]),
  takeover: { n: 3, missing: 0, p50Ms: p50, p99Ms: p99, maxMs: p99 },
});

test("figures and targets: ratios to each keepalived setting, and a cycle without takeover fails its target", (t) => {
  const baselines = [baseline(1, 3600, 3700), baseline(0.05, 200, 250)];
  const kill = classFigures("kill", [cycle(200), cycle(240, 0, 2), cycle(300, 0, null)], baselines);
  t.like(kill, { lost: 0, lostAfterReturn: 2, unsettledAfterReturn: 1 });
  t.deepEqual(kill.takeover, { n: 3, missing: 0, p50Ms: 240, p99Ms: 300, maxMs: 300 });
  t.deepEqual(kill.vsKeepalived, {
    "advert_int 1": { p50: 0.07, p99: 0.08 },
    "advert_int 0.05": { p50: 1.2, p99: 1.2 },
  });
  const stop = classFigures(
    "stop",
    [cycle(210, 1), cycle(null), { cycle: 3, error: "settle timed out" }],
    baselines,
  );
  t.like(stop, { cycles: 3, errors: 1, lost: 1 });
  t.deepEqual([stop.takeover.n, stop.takeover.missing], [1, 2]);
  const planned = classFigures("planned", [], baselines, "unknown op 'failover.handover'");

  const targets = evaluateTargets([kill, stop, planned], [], { error: "soak failed" });
  const verdict = Object.fromEntries(targets.map((x) => [x.id, x.pass]));
  t.deepEqual(verdict, {
    "kill-p50": true,
    "kill-p99": true,
    "stop-p50": false,
    "stop-p99": false,
    "planned-p99": null,
    lost: false,
    "split-brain": true,
    "false-failovers": null,
  });
  t.regex(targets.find((x) => x.id === "stop-p50")?.detail ?? "", /2 of 3 cycles without a takeover/);
  t.is(targets.find((x) => x.id === "lost")?.value, 3, "lost on the new SM and after the old SM's return");
  t.is(evaluateTargets([kill], [7], null).find((x) => x.id === "split-brain")?.pass, false);

  const text = renderText({
    description: ["lab"],
    classes: [kill, stop, planned],
    baselines: [...baselines, { advertIntSeconds: 0.5, error: "keepalived did not start" }],
    soak: null,
    splitBrain: { terms: 3, sharedEpochs: [] },
    recoveries: [
      {
        where: "stop 2",
        reason: "no settled SM",
        log: ["b2 stalled"],
        restartSettled: false,
        rebuilt: true,
        settled: true,
      },
    ],
    targets,
  });
  t.regex(text, /\nplanned: unavailable: unknown op 'failover.handover'\n/);
  t.regex(text, /\n *kill +0\.07 \/ 0\.08 +1\.20 \/ 1\.20 +- \/ -\n/);
  t.regex(text, /FAIL {2}stop: takeover p50 <= 250 ms: 210 \(2 of 3 cycles/);
  t.regex(text, /error: keepalived did not start/);
  t.regex(
    text,
    /No settled SM before stop 2: a restart did not help; the lab was rebuilt\. .*\n {2}b2 stalled\n/,
  );
});
