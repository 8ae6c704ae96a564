// A real sd_notify socket for tests: python3 binds an AF_UNIX datagram socket with SO_PASSCRED (as systemd
// does) and prints each datagram with the sender's pid from its SCM_CREDENTIALS; the test side parses the
// KEY=value lines and stamps each message with its arrival time.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

const receiver = `
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(sys.argv[1])
print(json.dumps({"listening": sys.argv[1]}), flush=True)
while True:
    data, ancillary, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = None
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", payload[:12])[0]
    print(json.dumps({"pid": pid, "text": data.decode()}), flush=True)
`;

export interface NotifyMessage {
  at: number;
  pid: number | null;
  fields: Record<string, string>;
}

export class NotifySocket {
  readonly messages: NotifyMessage[] = [];
  private readonly child: ChildProcess;
  private waiters: Array<() => void> = [];
  private listening = false;

  private constructor(readonly path: string) {
    this.child = spawn("python3", ["-c", receiver, path], { stdio: ["ignore", "pipe", "inherit"] });
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      const m = JSON.parse(line) as { listening?: string; pid?: number | null; text?: string };
      if (m.listening) this.listening = true;
      if (m.text !== undefined) {
        const fields = Object.fromEntries(
          m.text.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
        this.messages.push({ at: performance.now(), pid: m.pid ?? null, fields });
      }
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  static async bind(path: string): Promise<NotifySocket> {
    const socket = new NotifySocket(path);
    // A bound, not a speed check: python3's start took over 5 s on a loaded CI host. A receiver that never
    // listens is killed, or its pipe would keep the test worker (and the whole run) alive.
    try {
      await socket.waitFor(() => socket.listening, 30_000, "listening receiver");
    } catch (err) {
      socket.close();
      throw err;
    }
    return socket;
  }

  async waitFor<T>(find: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found) return found;
      const left = deadline - performance.now();
      if (left <= 0)
        throw new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  pings(from: number, to: number): NotifyMessage[] {
    return this.messages.filter((m) => m.fields.WATCHDOG === "1" && m.at >= from && m.at <= to);
  }

  close(): void {
    this.child.kill();
  }
}
