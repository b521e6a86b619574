// A Fastify 5 service handed to use(): on SIGTERM it is closed with its own close(), so its
// onClose hooks run, while atexit drains its server: the idle keep-alive connection is closed at
// once (Fastify keeps one open for 72 s otherwise), and the request in flight is answered with
// `Connection: close`. Then the process dies by SIGTERM.
//
//   npm run example -- fastify
//
// What it prints (… differs from run to run):
//
//   […s] listening on http://127.0.0.1:…
//   […s] client A: GET /hello -> 200 "hello", connection: keep-alive; its connection stays open, idle
//   […s] route /report: started
//   […s] sending SIGTERM to myself, as an orchestrator would
//   […s] termination started (SIGTERM)
//   […s] client A: the server closed its idle keep-alive connection
//   […s] route /report: answered
//   […s] client B: GET /report -> 200 "report done", connection: close
//   […s] onClose hook: the app's own resources closed
//   [killed by SIGTERM]
import { setTimeout as sleep } from "node:timers/promises";
import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import atexit from "atexit";
import { describeReason, describeReply, get, log, sendSigterm } from "./demo.js";

// ---- The service

const app = atexit.use(Fastify()); // closed with app.close(), its server drained
app.addHook("onClose", async () => {
  await sleep(100); // a database pool, say
  log("onClose hook: the app's own resources closed");
});
app.get("/hello", async () => "hello");
app.get("/report", async () => {
  log("route /report: started");
  await sleep(500);
  log("route /report: answered");
  return "report done";
});
await app.listen({ port: 0, host: "127.0.0.1" });

// ---- The demo: two clients, then the orchestrator's SIGTERM

const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
log(`listening on ${url}`);
void atexit.exiting.then((reason) => log(`termination started (${describeReason(reason)})`));

const replyA = await get(`${url}/hello`);
log(`client A: GET /hello -> ${describeReply(replyA)}; its connection stays open, idle`);
replyA.socket.once("close", () => log("client A: the server closed its idle keep-alive connection"));

app.server.once("request", sendSigterm); // once client B's request has reached the server
log(`client B: GET /report -> ${describeReply(await get(`${url}/report`))}`);
