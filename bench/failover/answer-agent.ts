// The keepalived baseline's listener, run inside each keepalived board's namespace: on every address of
// the board (the virtual IP too, while keepalived holds it there) it answers each TCP connection with the
// board's name and closes it, so the probe can tell which board holds the virtual IP. Prints {ready: true}
// once it listens. Usage: node answer-agent.js PORT NAME
import { createServer } from "node:net";

const [portText = "", name = ""] = process.argv.slice(2);
const server = createServer((socket) => {
  socket.on("error", () => undefined);
  socket.end(`${name}\n`);
});
server.listen(Number(portText), "0.0.0.0", () =>
  process.stdout.write(JSON.stringify({ ready: true }) + "\n"),
);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
