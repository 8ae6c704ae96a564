// The datagram transport a VRRPv3 router runs on: multicast an advertisement to 224.0.0.18 (IP protocol
// 112) on one interface, and receive every advertisement there as a whole IPv4 datagram (header
// included, so the codec can check the TTL) with its source address. Two implementations:
// raw-transport.ts (a raw IP socket) and sim-vrrp-network.ts (in memory, for tests of the core).

export const vrrpGroup = "224.0.0.18";
export const vrrpProtocol = 112;
/** RFC 5798 5.1.1.3: sent with TTL 255; a receiver discards any other TTL. */
export const vrrpTtl = 255;
/** DSCP CS6 (network control), the TOS byte keepalived sends adverts with. */
export const vrrpTos = 0xc0;

export interface VrrpTransport {
  /** The IPv4 source address of what this transport sends (the interface's primary address). */
  readonly localAddress: string;
  /** Multicasts one VRRP packet (no IP header: the kernel adds it) to 224.0.0.18. */
  send(vrrpPacket: Buffer): Promise<void>;
  /** `datagram` starts with the IPv4 header as received; `source` is its source address. */
  onDatagram(handler: (datagram: Buffer, source: string) => void): void;
  close(): Promise<void>;
}
