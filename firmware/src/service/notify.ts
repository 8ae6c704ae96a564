// sd_notify: the messages a Type=notify service sends systemd (READY=1, STATUS=..., WATCHDOG=1,
// STOPPING=1) as datagrams to the AF_UNIX socket named by $NOTIFY_SOCKET.
//
// Why `unix-dgram`: Node has no AF_UNIX datagram sockets (dgram is UDP only, net is streams), and Node 20
// no FFI. Spawning `systemd-notify` per message is weak: the message comes from a short-lived child, so the
// unit needs NotifyAccess=all and systemd may drop it when the child is gone before it reads the sender's
// cgroup. A long-lived helper (socat, python) has the same NotifyAccess problem. `unix-dgram` (by a Node
// core developer, about 10 million downloads a month, last release 2025) is a small C++ addon that sends
// from this process, so the sender is the main PID and NotifyAccess=main holds; it builds with node-gyp
// from the lockfile exactly as raw-socket already does here, and needs no libsystemd.
// Each message goes out on a socket of its own with sendto() to the path, as libsystemd's sd_notify does: a
// `systemctl daemon-reexec` (which re-creates the socket) does not break notifications, and no open socket
// keeps the process alive after a failed start. Abstract-namespace sockets ("@...") are not
// supported by the addon and are refused with a clear error; systemd uses /run/systemd/notify.
import unixDgram from "unix-dgram";

export type NotifyFields = Partial<Record<"READY" | "STATUS" | "WATCHDOG" | "STOPPING" | "ERRNO", string>>;

export class SdNotify {
  private constructor(readonly path: string) {}

  /** The notifier for $NOTIFY_SOCKET, or null when the process is not a Type=notify service. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): SdNotify | null {
    const path = env.NOTIFY_SOCKET;
    if (!path) return null;
    if (!path.startsWith("/"))
      throw new Error(
        `NOTIFY_SOCKET=${path}: only filesystem sockets are supported (systemd uses /run/systemd/notify)`,
      );
    return new SdNotify(path);
  }

  /** One datagram of KEY=value lines; resolves when the kernel took it. */
  send(fields: NotifyFields): Promise<void> {
    const text = Object.entries(fields)
      .map(([key, value]) => `${key}=${(value ?? "").replace(/\n/g, " ")}`)
      .join("\n");
    const buf = Buffer.from(text);
    return new Promise((resolve, reject) => {
      const socket = unixDgram.createSocket("unix_dgram");
      socket.on("error", () => undefined);
      socket.send(buf, 0, buf.length, this.path, (err) => {
        socket.close();
        if (err) reject(err);
        else resolve();
      });
    });
  }
}
