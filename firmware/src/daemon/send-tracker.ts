// Lets control clients submit a message, learn its id at once (to abort it), and collect its outcome later.
// Outcomes of the most recent messages are kept for clients that ask after the message settled.
import type { SendResult } from "../rmtp/core/types.js";
import type { RmtpEndpoint } from "../rmtp/io/endpoint.js";

const keepSettled = 1000;

type Outcome = { ok: true; result: SendResult } | { ok: false; error: string };

export class SendTracker {
  private readonly outcomes = new Map<number, Promise<Outcome>>();

  constructor(private readonly endpoint: RmtpEndpoint) {}

  submit(payload: Uint8Array): number {
    const { messageId, done } = this.endpoint.submit(payload);
    this.outcomes.set(
      messageId,
      done.then(
        (result): Outcome => ({ ok: true, result }),
        (err: Error): Outcome => ({ ok: false, error: err.message }),
      ),
    );
    for (const id of this.outcomes.keys()) {
      if (this.outcomes.size <= keepSettled) break;
      this.outcomes.delete(id);
    }
    return messageId;
  }

  async result(messageId: number): Promise<SendResult> {
    const outcome = this.outcomes.get(messageId);
    if (!outcome) throw new Error(`no message ${messageId} sent by this daemon is remembered`);
    const settled = await outcome;
    if (!settled.ok) throw new Error(settled.error);
    return settled.result;
  }

  abort(messageId: number): string {
    return this.endpoint.abort(messageId);
  }
}
