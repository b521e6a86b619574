// The README's quick start as a running service: a database pool, a server handed to use(),
// and a temp dir for each request in a per-request scope. While one client's keep-alive
// connection is idle and another's request is in flight, it sends itself SIGTERM, as an
// orchestrator would, and prints each step as it happens.
//
//   npm run example -- http        (npm start runs it after the seed)
//
// The server drains: it stops accepting, closes the idle keep-alive connection at once (not
// after keepAliveTimeout), and answers the request in flight with `Connection: close`; that
// request's scope removes its temp dir as its handler ends. Then what was registered before the
// server ends, in reverse order (the `requests` scope, empty by then; the pool; goodbye), and the
// process dies by SIGTERM, as it was asked to.
//
// What it prints (… differs from run to run):
//
//   […s] listening on http://127.0.0.1:…
//   […s] request /hello: started
//   […s] request /hello: answered
//   […s] request /hello: /tmp/request-… removed
//   […s] client A: GET /hello -> 200 "hello", connection: keep-alive; its connection stays open, idle
//   […s] request /report: started
//   […s] sending SIGTERM to myself, as an orchestrator would
//   […s] termination started (SIGTERM)
//   […s] client A: the server closed its idle keep-alive connection
//   […s] request /report: answered
//   […s] request /report: /tmp/request-… removed
//   […s] client B: GET /report -> 200 "report done", connection: close
//   […s] pool: ended
//   […s] goodbye
//   [killed by SIGTERM]
import { once } from "node:events";
import { rmSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import atexit, { register } from "atexit";
import { describeReason, describeReply, get, log, sendSigterm } from "./demo.js";

// ---- The service

register(() => log("goodbye")); // registered first: runs last
atexit.adopt(await connectPool(), (db) => db.end()); // a legacy close API
const requests = atexit.scope(); // below the server: see handle()
const server = atexit.use(http.createServer(handle).listen(0, "127.0.0.1")); // drained at exit, awaited

async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  log(`request ${path}: started`);
  // This request's resources, in a scope of `requests`: they end with this block, or by
  // termination if the request is still running once the server has drained. (A scope of
  // atexit itself would be above the server: termination would remove the dir mid-request.)
  await using scope = requests.scope();
  const dir = scope.adopt(await mkdtemp(join(tmpdir(), "request-")), (dir) => {
    rmSync(dir, { recursive: true }); // synchronous: it runs on every exit, process.exit() included
    log(`request ${path}: ${dir} removed`);
  });
  response.end(await work(path, dir));
  log(`request ${path}: answered`);
}

/** The request's work: /report takes 500 ms and uses its temp dir. */
async function work(path: string, dir: string): Promise<string> {
  if (path !== "/report") return "hello";
  await writeFile(join(dir, "report"), "report done");
  await sleep(500);
  return readFile(join(dir, "report"), "utf8");
}

/** A stand-in for a database pool (pg's Pool, say), whose end() takes a moment. */
async function connectPool(): Promise<{ end(): Promise<void> }> {
  return {
    async end() {
      await sleep(100);
      log("pool: ended");
    },
  };
}

// ---- The demo: two clients, then the orchestrator's SIGTERM

await once(server, "listening");
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
log(`listening on ${url}`);
void atexit.exiting.then((reason) => log(`termination started (${describeReason(reason)})`));

// Client A: one request; its keep-alive connection then stays open, idle.
const replyA = await get(`${url}/hello`);
log(`client A: GET /hello -> ${describeReply(replyA)}; its connection stays open, idle`);
replyA.socket.once("close", () => log("client A: the server closed its idle keep-alive connection"));

// Client B: a request of 500 ms; SIGTERM arrives once the server has started on it.
server.once("request", sendSigterm);
log(`client B: GET /report -> ${describeReply(await get(`${url}/report`))}`);
