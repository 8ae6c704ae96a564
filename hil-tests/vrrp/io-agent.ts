// A child process that a VRRP I/O test runs inside a network namespace (`ip netns exec NS node
// io-agent.js`): raw sockets and netlink sockets belong to the namespace of the process that opens
// them. It reads one JSON request a line on stdin and answers one JSON line on stdout; every datagram its
// raw transport receives is printed as a {"datagram": hex, "source": ...} line.
import { createInterface } from "node:readline";
import { RawTransport } from "../../firmware/src/vrrp/io/raw-transport.js";
import { MacvlanControl } from "../../firmware/src/vrrp/io/macvlan.js";
import type { AgentRequest } from "./agent-protocol.js";

let transport: RawTransport | undefined;
const macvlan = new MacvlanControl();

function print(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function handle(request: AgentRequest): Promise<unknown> {
  switch (request.op) {
    case "open":
      transport = RawTransport.open(request.options);
      transport.onDatagram((datagram, source) => print({ datagram: datagram.toString("hex"), source }));
      return null;
    case "send":
      if (!transport) throw new Error("no transport open");
      await transport.send(Buffer.from(request.hex, "hex"));
      return null;
    case "close":
      await transport?.close();
      transport = undefined;
      return null;
    case "macvlan-up":
      return macvlan.bringUp(request.device);
    case "macvlan-prepare":
      return macvlan.prepare(request.device);
    case "macvlan-activate":
      await macvlan.activate(request.device, request.index);
      return null;
    case "macvlan-down":
      await macvlan.remove(request.device.name);
      return null;
  }
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const request = JSON.parse(line) as AgentRequest & { id: number };
  handle(request).then(
    (result) => print({ id: request.id, ok: true, result }),
    (err: Error & { code?: string }) =>
      print({ id: request.id, ok: false, error: err.message, code: err.code }),
  );
});
lines.on("close", () => {
  void transport?.close();
  macvlan.close();
});
