// The datagram transport an RMTP endpoint runs on: send to the group or to one address, receive datagrams.
// Two implementations: udp-transport.ts (a UDP multicast socket on an interface) and sim-network.ts.
import type { Address } from "../core/types.js";

export interface Transport {
  readonly local: Address;
  send(datagram: Buffer, to: "group" | Address): void;
  onDatagram(handler: (datagram: Buffer, from: Address) => void): void;
  close(): Promise<void>;
}
