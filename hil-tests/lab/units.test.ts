// The lab's pure parts: names and addresses, rate parsing and tbf arguments, fault parsing, the nft loss
// script, and the capability check.
import test from "ava";
import { lossScript, parseFault } from "./faults.js";
import { boardAddress, checkLabName, isLabNamespace, maxBoards, portName, subnet } from "./names.js";
import { canBuildLab, effectiveCapabilities } from "./privileges.js";
import { parseRate, tbfArgs } from "./rate.js";

test("names fit IFNAMSIZ and addresses are per lab", (t) => {
  t.true(portName("abcdef", maxBoards).length <= 15);
  t.is(
    boardAddress("lab", 3).split(".").slice(0, 3).join("."),
    subnet("lab").split(".").slice(0, 3).join("."),
  );
  t.regex(subnet("lab"), /^10\.77\.([1-9]|[1-9]\d|1\d\d|2[0-4]\d|25[0-4])\.0\/24$/);
  t.throws(() => checkLabName("toolong"));
  t.throws(() => checkLabName("1ab"));
  t.throws(() => checkLabName("a-b"));
  t.true(isLabNamespace("ab", "iss-ab-sw"));
  t.true(isLabNamespace("ab", "iss-ab-b12"));
  t.false(isLabNamespace("ab", "iss-abc-b1"));
  t.false(isLabNamespace("ab", "iss-ab-b0"));
});

test("rates parse like tc and give a bucket of 1 ms of line rate, at least ten frames", (t) => {
  t.is(parseRate("none"), null);
  t.is(parseRate("100mbit"), "100mbit");
  t.throws(() => parseRate("fast"));
  t.deepEqual(tbfArgs("eth0", "1gbit").slice(-6), ["rate", "1gbit", "burst", "125000", "latency", "10ms"]);
  t.is(tbfArgs("eth0", "10mbit")[9], "15140");
});

test("faults parse from the command line", (t) => {
  t.deepEqual(parseFault(["cut"]), { kind: "cut" });
  t.deepEqual(parseFault(["loss", "5"]), { kind: "loss", percent: 5 });
  t.throws(() => parseFault(["loss", "101"]));
  t.throws(() => parseFault(["loss", "2.5"]));
  t.throws(() => parseFault(["cut", "now"]));
  t.throws(() => parseFault(["melt"]));
});

test("the loss script replaces the lab's table; 0% removes it, 100% drops everything", (t) => {
  t.is(lossScript("ab", 0), "table inet isslab_ab {}\ndelete table inet isslab_ab\n");
  const five = lossScript("ab", 5);
  t.is(five.match(/numgen random mod 100 < 5 drop/g)?.length, 2);
  t.regex(five, /hook input/);
  t.regex(five, /hook output/);
  t.false(lossScript("ab", 100).includes("numgen"));
});

test("building a lab needs CAP_NET_ADMIN and CAP_SYS_ADMIN", (t) => {
  t.true(canBuildLab(effectiveCapabilities("CapEff:\t000001ffffffffff\n")));
  t.false(canBuildLab(effectiveCapabilities("CapEff:\t0000000000000000\n")));
  t.false(canBuildLab(1n << 12n));
});
