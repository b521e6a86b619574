// A service as Kubernetes runs it. On SIGTERM the pod is taken out of the Service's endpoints,
// but the load balancers notice only a moment later: the readiness probe fails at once, traffic
// is still served for a drain delay, and only then does the server drain (requests in flight
// answered with `Connection: close`, idle keep-alive connections closed). The order is the
// stack's: registered after the server, the delay runs before the server closes.
//
//   npm run example -- kubernetes                                   plays the kubelet and a client
//   PORT=8080 DRAIN_DELAY_MS=5000 node examples/dist/kubernetes.js  serves until it gets SIGTERM
//
// What the demo prints (… differs from run to run):
//
//   […s] listening on http://127.0.0.1:…
//   […s] kubelet: GET /ready -> 200 "ready", connection: keep-alive
//   […s] client: GET /work?ms=1000 sent
//   […s] sending SIGTERM to myself, as an orchestrator would
//   […s] termination started (SIGTERM): /ready answers 503
//   […s] drain delay: serving for 600 ms more
//   […s] kubelet: GET /ready -> 503 "shutting down", connection: keep-alive
//   […s] request /work: /tmp/request-… removed
//   […s] client: GET /work on a new connection -> 200 "work done", connection: keep-alive
//   […s] drain delay over: closing the server
//   […s] request /work?ms=1000: /tmp/request-… removed
//   […s] client: GET /work?ms=1000 -> 200 "work done", connection: close
//   [killed by SIGTERM]
import { once } from "node:events";
import { rmSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import atexit from "atexit";
import { describeReason, describeReply, get, log, sendSigterm } from "./demo.js";

const demo = process.env.PORT === undefined;
const drainDelayMs = Number(process.env.DRAIN_DELAY_MS ?? (demo ? 600 : 5000));
// The demo's client runs in this process (a real one is elsewhere): at the bottom of the stack,
// this entry lets it read its last reply before the process ends.
let demoFinished: Promise<void> | undefined;
if (demo) atexit.defer(() => demoFinished);

// ---- The service

// 1. Registered first, so disposed after the server has drained: a request's scope is disposed
//    by termination only if the request is still running once the server has closed.
const requests = atexit.scope();

// 2. The server: use() drains it (see docs/services.md).
const server = atexit.use(
  http.createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname === "/ready") {
      // Readiness fails as soon as termination starts; liveness (any other route) still answers.
      response.statusCode = atexit.signal.aborted ? 503 : 200;
      response.end(atexit.signal.aborted ? "shutting down\n" : "ready\n");
      return;
    }
    await using scope = requests.scope();
    const dir = scope.adopt(await mkdtemp(join(tmpdir(), "request-")), (dir) => {
      rmSync(dir, { recursive: true });
      log(`request ${request.url}: ${dir} removed`);
    });
    await writeFile(join(dir, "body"), "work done\n");
    await sleep(Number(url.searchParams.get("ms") ?? 0));
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

void atexit.exiting.then((reason) => log(`termination started (${describeReason(reason)}): /ready answers 503`));
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1");
await once(server, "listening");
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
log(`listening on ${url}`);

// ---- The demo (without PORT): the kubelet's probe, a client's traffic, the SIGTERM of a pod's deletion

async function runDemo(): Promise<void> {
  log(`kubelet: GET /ready -> ${describeReply(await get(`${url}/ready`))}`);
  server.once("request", sendSigterm); // once this request has reached the server
  const inFlight = get(`${url}/work?ms=1000`);
  log("client: GET /work?ms=1000 sent");
  await atexit.exiting; // the pod is being deleted; the load balancers still send traffic for a moment
  log(`kubelet: GET /ready -> ${describeReply(await get(`${url}/ready`))}`);
  log(`client: GET /work on a new connection -> ${describeReply(await get(`${url}/work`))}`);
  log(`client: GET /work?ms=1000 -> ${describeReply(await inFlight)}`);
}
if (demo) demoFinished = runDemo();
