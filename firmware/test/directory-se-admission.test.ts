// An SE's announcements when the SM changes (se-directory.ts, admittedBy): the ones the old SM acknowledged
// will not be answered, so they fail at once as of unknown outcome; one it did not acknowledge is sent
// again in the new epoch and waits for the new SM's answer, as do all of them when the same SM admits the
// SE again. The link is a test one that acknowledges (or not) and never answers (an SM that is gone),
// which a real transport cannot be made to do on demand.
import test from "ava";
import { unpackMessage } from "../src/directory/codec/envelope.js";
import { LdapError, ResultCode } from "../src/directory/model/types.js";
import { ownEntryAdd } from "../src/directory/service/own-entry.js";
import { SeDirectory } from "../src/directory/service/se-directory.js";
import { Logger } from "../src/log/logger.js";
import { ctx, newView, suffix } from "./helpers/directory-sim-fixture.js";

function seWithSilentSm(acknowledge = true): { se: SeDirectory; sent: string[] } {
  const sent: string[] = [];
  const link = {
    send(payload: Uint8Array): Promise<unknown> {
      sent.push(unpackMessage(Buffer.from(payload), 1 << 20).kind);
      return acknowledge ? Promise.resolve() : new Promise(() => undefined);
    },
  };
  const se = new SeDirectory({ ctx, view: newView(), link, log: new Logger("b3", () => undefined), node: 3 });
  return { se, sent };
}

const own = ownEntryAdd({ suffix, name: "b3", role: "se", address: "10.0.0.3" });

async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
}

test("an announcement the old SM acknowledged fails at once when another SM admits the SE", async (t) => {
  const { se, sent } = seWithSilentSm();
  t.teardown(() => se.close());
  se.admittedBy("b1");
  const waiting = se.announce([own]);
  await new Promise((resolve) => setImmediate(resolve));
  se.admittedBy("b2");
  const err = await t.throwsAsync(waiting, { instanceOf: LdapError });
  t.is(err.code, ResultCode.unavailable);
  t.is(err.message, "no answer from b1, no longer the SM (now b2); the outcome is unknown");
  t.true(sent.includes("announce"));
});

test("a re-admission by the same SM leaves the announcement waiting for its answer", async (t) => {
  const { se } = seWithSilentSm();
  se.admittedBy("b1");
  const waiting = se.announce([own]);
  se.admittedBy("b1");
  t.false(await settledWithin(waiting, 50));
  await se.close();
  await t.throwsAsync(waiting, { message: "directory closing" });
});

test("an announcement the old SM did not acknowledge waits for the new SM, which gets it again", async (t) => {
  const { se } = seWithSilentSm(false);
  se.admittedBy("b1");
  const waiting = se.announce([own]);
  se.admittedBy("b2");
  t.false(await settledWithin(waiting, 50));
  await se.close();
  await t.throwsAsync(waiting, { message: "directory closing" });
});
