// A node:cluster primary with two workers, each handed to the primary's use(). SIGTERM to the
// primary alone (what Kubernetes sends to PID 1) signals each worker and waits for it, the last
// forked first: each worker runs its own registry (its server drains) and dies by SIGTERM; then
// the primary's own entry runs and it dies by SIGTERM too. No worker outlives it, and none is
// forked again once termination has started.
//
//   npm run example -- cluster
//
// What it prints (… differs from run to run):
//
//   […s] primary: worker 1 (pid …) listening
//   […s] primary: worker 2 (pid …) listening
//   […s] sending SIGTERM to myself, as an orchestrator would
//   […s] primary: termination started (SIGTERM)
//   […s] worker 2: got SIGTERM from the primary
//   […s] worker 2: server drained, registry done
//   […s] primary: worker 2 exited: killed by SIGTERM, not forked again
//   […s] worker 1: got SIGTERM from the primary
//   […s] worker 1: server drained, registry done
//   […s] primary: worker 1 exited: killed by SIGTERM, not forked again
//   […s] primary: workers still running: none
//   [killed by SIGTERM]
import cluster, { type Worker } from "node:cluster";
import { once } from "node:events";
import http from "node:http";
import atexit from "atexit";
import { describeReason, isRunning, log, sendSigterm } from "./demo.js";

if (cluster.isPrimary) {
  // ---- The primary
  const pids: number[] = [];
  atexit.register(() => log(`primary: workers still running: ${pids.filter(isRunning).join(", ") || "none"}`));
  const fork = async (): Promise<Worker> => {
    const worker = cluster.fork();
    // A cluster worker handed to use(): SIGTERM, awaited; SIGKILL when its grace runs out.
    atexit.use(worker);
    await once(worker, "listening");
    pids.push(worker.process.pid as number);
    log(`primary: worker ${worker.id} (pid ${worker.process.pid}) listening`);
    return worker;
  };
  // A restart policy: a worker that dies is replaced, unless the primary itself is stopping.
  cluster.on("exit", (worker, code, signal) => {
    const how = signal ? `killed by ${signal}` : `code ${code}`;
    if (atexit.signal.aborted) return log(`primary: worker ${worker.id} exited: ${how}, not forked again`);
    log(`primary: worker ${worker.id} exited: ${how}; forking another`);
    void fork();
  });
  void atexit.exiting.then((reason) => log(`primary: termination started (${describeReason(reason)})`));
  await fork();
  await fork();
  sendSigterm(); // ---- the demo
} else {
  // ---- A worker: a registry of its own
  const id = cluster.worker?.id;
  atexit.register(() => log(`worker ${id}: server drained, registry done`));
  atexit.use(http.createServer((_request, response) => response.end(`hello from worker ${id}\n`)).listen(0, "127.0.0.1"));
  void atexit.exiting.then(() => log(`worker ${id}: got SIGTERM from the primary`));
}
