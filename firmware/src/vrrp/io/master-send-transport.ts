// A VRRP transport that receives on the service interface and, while the virtual address is up on this
// board, sends through the macvlan device that carries it: the adverts then leave with the virtual router
// MAC as their source (RFC 5798 7.3), so every advert also refreshes the switches' forwarding entry for
// that MAC. Without it a bridge keeps forwarding the virtual MAC to the old master's port until the new
// master happens to send something from the macvlan.
import type { VrrpTransport } from "./vrrp-transport.js";

export class MasterSendTransport implements VrrpTransport {
  private sender: VrrpTransport | null = null;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly primary: VrrpTransport) {}

  get localAddress(): string {
    return this.primary.localAddress;
  }

  /**
   * Sends go through `sender` from now on (null: back to the service interface); the previous one closes
   * once what it was sending has left (a release's priority-0 advert must not be cut off).
   */
  async useSender(sender: VrrpTransport | null): Promise<void> {
    const previous = this.sender;
    this.sender = sender;
    await Promise.allSettled(this.pending);
    await previous?.close();
  }

  send(vrrpPacket: Buffer): Promise<void> {
    const sending = (this.sender ?? this.primary).send(vrrpPacket);
    this.pending.add(sending);
    const done = (): void => {
      this.pending.delete(sending);
    };
    sending.then(done, done);
    return sending;
  }

  onDatagram(handler: (datagram: Buffer, source: string) => void): void {
    this.primary.onDatagram(handler);
  }

  async close(): Promise<void> {
    await this.useSender(null);
    await this.primary.close();
  }
}
