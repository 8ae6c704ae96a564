// The requests a VRRP I/O test sends to its io-agent in a namespace, one JSON object a line.
import type { RawTransportOptions } from "../../firmware/src/vrrp/io/raw-transport.js";
import type { VirtualAddressDevice } from "../../firmware/src/vrrp/io/macvlan.js";

export type AgentRequest =
  | { op: "open"; options: RawTransportOptions }
  | { op: "send"; hex: string }
  | { op: "close" }
  | { op: "macvlan-up"; device: VirtualAddressDevice }
  | { op: "macvlan-prepare"; device: VirtualAddressDevice }
  | { op: "macvlan-activate"; device: VirtualAddressDevice; index: number }
  | { op: "macvlan-down"; device: VirtualAddressDevice };
