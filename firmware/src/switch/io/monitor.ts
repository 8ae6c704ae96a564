// Listens to the kernel's link, IPv4 address, MDB and bridge VLAN notifications on a socket of its own
// (joined to those rtnetlink multicast groups) and reports each subject; a lost notification (the socket
// overran) or one it cannot decode is reported as `lost`, and the caller then re-reads everything.
import { Protocol, RawNetlinkSocket } from "netlink";
import { decodeMessages } from "../codec/nlmsg.js";
import { notificationGroups, notificationSubject, type NotificationSubject } from "../codec/notification.js";

export type MonitorEvent =
  { kind: "subject"; subject: NotificationSubject } | { kind: "lost"; reason: string };

export class NetlinkMonitor {
  private readonly socket: RawNetlinkSocket;

  constructor(onEvent: (e: MonitorEvent) => void) {
    this.socket = new RawNetlinkSocket(Protocol.ROUTE, { recvBufferSize: 4 << 20, sendBufferSize: 64 << 10 });
    for (const group of Object.values(notificationGroups)) this.socket.addMembership(group);
    this.socket.on("message", (buf: Buffer) => {
      try {
        for (const m of decodeMessages(buf)) {
          const subject = notificationSubject(m);
          if (subject) onEvent({ kind: "subject", subject });
        }
      } catch (err) {
        onEvent({ kind: "lost", reason: (err as Error).message });
      }
    });
    this.socket.on("error", (err: Error) => onEvent({ kind: "lost", reason: err.message }));
  }

  close(): void {
    this.socket.close();
  }
}
