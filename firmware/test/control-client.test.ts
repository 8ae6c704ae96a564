// The control client survives its daemon dying mid-conversation: a connection reset (the daemon closed the
// socket with our request unread) rejects the pending call instead of crashing the caller.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ControlClient } from "../src/control/client.js";

test("a reset connection rejects the pending call and raises no uncaught error", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iss-control-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "control.sock");
  const accepted = new Promise<Socket>((resolve) => {
    const server = createServer((socket) => {
      socket.pause();
      resolve(socket);
    });
    server.listen(path);
    t.teardown(() => server.close());
  });
  const client = await ControlClient.connect(path, 2000);
  const socket = await accepted;
  const call = client.call("status", { padding: "x".repeat(65_536) });
  await new Promise((r) => setTimeout(r, 50));
  socket.destroy();
  await t.throwsAsync(call, { message: "control socket closed" });
  client.close();
});
