// A real HTTP server whose SIGTERM (sent to itself after a moment, as
// Kubernetes would) closes it gracefully: every cleanup step prints as it runs.
import { once } from "node:events";
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import atexit, { adopt, defer, use } from "atexit";

const log = (line: string): void => console.log(`[${process.uptime().toFixed(2)}s] ${line}`);

// Registered first, so it runs last: the process is about to die by SIGTERM.
defer(() => log("all cleanup done; the process now dies by SIGTERM, as it was asked to"));

// A fake database pool with a legacy close(callback) API.
const pool = adopt({ name: "db-pool" }, async (p) => {
  log(`closing ${p.name}…`);
  await sleep(100);
  log(`${p.name} closed`);
});

// The server: http.Server is AsyncDisposable (it closes and waits for its connections).
const server = use(
  http.createServer((_request, response) => {
    response.end(`hello from ${pool.name}\n`);
  }),
);
defer(() => log("server: stopped accepting connections, waiting for open ones"));
server.listen(0, "127.0.0.1");
await once(server, "listening");
const { port } = server.address() as { port: number };
log(`listening on http://127.0.0.1:${port}`);

// A request scope: its resources end with the block, or at termination if that comes first.
{
  await using request = atexit.scope();
  request.defer(() => log("request scope: temporary state released"));
  const response = await fetch(`http://127.0.0.1:${port}/`);
  log(`GET / -> ${response.status} ${(await response.text()).trim()}`);
}

atexit.exiting.then((reason) => log(`termination started: ${reason.kind === "signal" ? `${reason.kind} ${reason.signal}` : reason.kind}`));
setTimeout(() => {
  log("sending SIGTERM to myself, as an orchestrator would");
  process.kill(process.pid, "SIGTERM");
}, 300);
