// An SE's announcements when the SM changes (se-directory.ts, admittedBy): the ones still waiting were sent
// to the old SM, which will not answer, so they fail at once as of unknown outcome; a re-admission by the
// same SM leaves them waiting for its answer. The link is a test one that keeps what is sent and never
// answers (an SM that is gone), which a real transport cannot be made to do on demand.
import test from "ava";
import { unpackMessage } from "../src/directory/codec/envelope.js";
import { LdapError, ResultCode } from "../src/directory/model/types.js";
import { ownEntryAdd } from "../src/directory/service/own-entry.js";
import { SeDirectory } from "../src/directory/service/se-directory.js";
import { Logger } from "../src/log/logger.js";
import { ctx, newView, suffix } from "./helpers/directory-sim-fixture.js";

function seWithSilentSm(): { se: SeDirectory; sent: string[] } {
  const sent: string[] = [];
  const link = {
    send(payload: Uint8Array): Promise<unknown> {
      sent.push(unpackMessage(Buffer.from(payload), 1 << 20).kind);
      return Promise.resolve();
    },
  };
  const se = new SeDirectory({ ctx, view: newView(), link, log: new Logger("b3", () => undefined), node: 3 });
  return { se, sent };
}

const own = ownEntryAdd({ suffix, name: "b3", role: "se", address: "10.0.0.3" });

test("an announcement waiting for the old SM fails at once when another SM admits the SE", async (t) => {
  const { se, sent } = seWithSilentSm();
  t.teardown(() => se.close());
  se.admittedBy("b1");
  const waiting = se.announce([own]);
  se.admittedBy("b2");
  const err = await t.throwsAsync(waiting, { instanceOf: LdapError });
  t.is(err.code, ResultCode.unavailable);
  t.is(err.message, "no answer from b1, no longer the SM (now b2); the outcome is unknown");
  t.true(sent.includes("announce"));
});

test("a re-admission by the same SM leaves the announcement waiting for its answer", async (t) => {
  const { se } = seWithSilentSm();
  se.admittedBy("b1");
  let settled = false;
  const waiting = se.announce([own]).finally(() => (settled = true));
  se.admittedBy("b1");
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.false(settled);
  await se.close();
  await t.throwsAsync(waiting, { message: "directory closing" });
});
