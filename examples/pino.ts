// pino with its destination handed to use(): every line logged reaches the file on SIGTERM,
// including the lines the clean-up entries log. (A process that dies by a re-raised signal emits
// no 'exit' event, and that event is where pino's own flush runs: without use(), the lines still
// buffered are lost.) Made first, the destination is the bottom entry: flushed after every other
// entry has logged. `pino(atexit.use(pino.transport(…)))` works the same way.
//
//   npm run example -- pino
//
// What it prints (… differs from run to run):
//
//   […s] logging to /tmp/atexit-pino-…/app.log
//   […s] logged: service started
//   […s] sending SIGTERM to myself, as an orchestrator would
//   […s] logged: termination started (SIGTERM)
//   […s] logged: queue: draining
//   […s] logged: queue: drained
//   […s] logged: cache: written to disk
//   […s] the log file holds 5 lines of the 5 logged
//   [killed by SIGTERM]
//
// Without use() (the same program with the destination not handed to it), the file holds 4 of
// the 5: the last line is still in pino's buffer when the process dies.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import atexit from "atexit";
import { describeReason, log, sendSigterm } from "./demo.js";

const file = join(mkdtempSync(join(tmpdir(), "atexit-pino-")), "app.log");
let logged = 0;

// ---- The demo's check, registered below the destination so that it runs after the flush

atexit.register(() => {
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean).length;
  log(`the log file holds ${lines} lines of the ${logged} logged`);
});

// ---- The service

// Asynchronous writes (sync: false), the fast setting that loses lines without use().
const logger = pino(atexit.use(pino.destination({ dest: file, sync: false })));
/** Logs to the file, and says so on stdout. */
function info(message: string): void {
  logger.info(message);
  logged++;
  log(`logged: ${message}`);
}

atexit.register(() => info("cache: written to disk"));
atexit.register(async () => {
  info("queue: draining");
  await sleep(50);
  info("queue: drained");
});
void atexit.exiting.then((reason) => info(`termination started (${describeReason(reason)})`));

log(`logging to ${file}`);
info("service started");
setInterval(() => {}, 1 << 30); // the service's work keeps the loop alive
sendSigterm(); // ---- the demo
