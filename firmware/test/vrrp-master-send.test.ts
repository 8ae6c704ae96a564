// The master's send path: adverts go through the macvlan sender while one is set and through the service
// interface otherwise; replacing the sender waits for the advert still being sent before it closes it, so
// a release's priority-0 advert is never cut off (the lab's planned switchovers lost it that way).
import test from "ava";
import { MasterSendTransport } from "../src/vrrp/io/master-send-transport.js";
import type { VrrpTransport } from "../src/vrrp/io/vrrp-transport.js";

class RecordingTransport implements VrrpTransport {
  readonly localAddress = "10.0.0.1";
  readonly sent: string[] = [];
  closed = false;
  private release: (() => void) | undefined;

  constructor(private readonly slow = false) {}

  send(packet: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error("closed"));
    return new Promise((resolve) => {
      const done = (): void => {
        this.sent.push(packet.toString());
        resolve();
      };
      if (this.slow) this.release = done;
      else done();
    });
  }

  finishSend(): void {
    this.release?.();
  }

  onDatagram(): void {}

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

test("sends follow the sender; a replaced sender closes only after its advert left", async (t) => {
  const primary = new RecordingTransport();
  const macvlan = new RecordingTransport(true);
  const transport = new MasterSendTransport(primary);
  await transport.send(Buffer.from("a"));
  await transport.useSender(macvlan);
  const release = transport.send(Buffer.from("priority 0"));
  const replaced = transport.useSender(null);
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.false(macvlan.closed, "not closed while its advert is being sent");
  macvlan.finishSend();
  await release;
  await replaced;
  t.true(macvlan.closed);
  t.deepEqual(macvlan.sent, ["priority 0"]);
  await transport.send(Buffer.from("b"));
  t.deepEqual(primary.sent, ["a", "b"]);
  await transport.close();
  t.true(primary.closed);
});
