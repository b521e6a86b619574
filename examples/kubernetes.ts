// A service as Kubernetes runs it. On SIGTERM the pod is taken out of the Service's endpoints,
// but the load balancers notice only a moment later: the readiness probe fails at once, traffic
// is still served for a drain delay, and only then does the server drain (requests in flight
// answered, idle keep-alive sockets closed). The order is the stack's: registered after the
// server, the delay runs before the server closes.
//
//   PORT=8080 DRAIN_DELAY_MS=5000 node examples/dist/kubernetes.js
import http from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import atexit from "atexit";

const port = Number(process.env.PORT ?? 8080);
const drainDelayMs = Number(process.env.DRAIN_DELAY_MS ?? 5000);
const log = (line: string): void => console.log(line);

// 1. Registered first, so disposed after the server has drained: a request's scope is disposed
//    by termination only if the request is still running once the server has closed.
const requests = atexit.scope();

// 2. The server: use() drains it (see the README's "Services").
const server = atexit.use(
  http.createServer(async (request, response) => {
    if (request.url === "/ready") {
      // Readiness fails as soon as termination starts; liveness (any other route) still answers.
      response.statusCode = atexit.signal.aborted ? 503 : 200;
      response.end(atexit.signal.aborted ? "shutting down\n" : "ready\n");
      return;
    }
    await using scope = requests.scope();
    const dir = scope.adopt(await mkdtemp(join(tmpdir(), "request-")), (path) => rm(path, { recursive: true, force: true }));
    await writeFile(join(dir, "body"), "work done\n");
    await sleep(Number(new URL(request.url ?? "/", "http://localhost").searchParams.get("ms") ?? 0));
    response.end("work done\n");
  }),
);

// 3. Registered after the server, so it runs before the server closes: keep serving while the
//    load balancers stop sending traffic here.
atexit.defer(async () => {
  log(`drain delay: serving for ${drainDelayMs} ms more`);
  await sleep(drainDelayMs);
  log("drain delay over: closing the server");
});

atexit.exiting.then((reason) => log(`termination started (${reason.kind === "signal" ? reason.signal : reason.kind}): /ready answers 503`));
server.listen(port, "127.0.0.1", () => log(JSON.stringify({ port: (server.address() as { port: number }).port })));
