// Item 4 of issue 12: every line pino is asked to log reaches its file, on every trigger,
// including death by a re-raised signal (where the process 'exit' event that pino's own flush
// relies on never fires) and the paths where nothing can be awaited (process.exit(), a second
// signal, the timeout). The destination is handed to use(): `pino(atexit.use(pino.destination(…)))`.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertAtexitLines, describeEnd, runtimesFor, start } from "./harness.mjs";
import { SECOND_SIGNAL_GAP_MS } from "../exit/child.mjs";

const dir = mkdtempSync(join(tmpdir(), "atexit-logs-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const TRIGGERS = {
  drain: { end: { code: 0 } },
  exit: { end: { code: 0 } },
  "process-exit": { end: { code: 0 }, stderr: [/^atexit: process\.exit\(\) was called; 5 async cleanup entries could not finish\. Use atexit\.exit\(\) to let them finish\.$/] },
  SIGTERM: { end: { signal: "SIGTERM" } },
  SIGINT: { end: { signal: "SIGINT" } },
  "second signal": { end: { signal: "SIGINT" }, stderr: [/^atexit: received SIGINT during cleanup while anonymous function ran; 5 async cleanup entries could not finish$/] },
  throw: { end: { code: 1 } },
  timeout: { end: { code: 1 }, stderr: [/^atexit: cleanup timed out after 1000 ms while hangs ran; 6 async cleanup entries could not finish$/] },
};
/**
 * Where a trigger cannot await, async entries are called but not awaited: their second line is
 * never logged. And a write the destination had in flight then lands after the lines flushed
 * synchronously (Node finishes the thread pool's queued writes before the process ends): every
 * line arrives, once, not necessarily in order.
 */
const asyncCutShort = (trigger) => ["process-exit", "second signal", "timeout"].includes(trigger);

describe("every line pino logs reaches its file", { concurrency: true }, () => {
  for (const kind of ["destination", "transport"]) {
    for (const runtime of runtimesFor(["node20", "node24", "bun", "deno"])) {
      for (const [trigger, expected] of Object.entries(TRIGGERS)) {
        it(`pino.${kind}() on ${runtime.name}, ${trigger}: each line logged is in the file, once`, async () => {
          const file = join(dir, `${kind}-${runtime.name}-${trigger.replace(" ", "-")}.log`);
          const signal = trigger.startsWith("SIG") || trigger === "second signal";
          const service = start(runtime, "logs.mjs", { args: [kind, signal ? "signal" : trigger, file, ...(trigger === "second signal" ? ["slow"] : [])] });
          if (signal) {
            await service.waitFor("waiting for a signal");
            service.child.kill(trigger === "SIGINT" ? "SIGINT" : "SIGTERM");
            if (trigger === "second signal") {
              await service.waitFor("logged async entry 9, line 1");
              await new Promise((resolve) => setTimeout(resolve, SECOND_SIGNAL_GAP_MS)); // not an echo of the first; entry 9 sleeps 5 s
              service.child.kill("SIGINT");
            }
          }
          const result = await service.ended;
          const context = describeEnd(result);
          assert.deepEqual({ code: result.code, signal: result.signal }, { code: null, signal: null, ...expected.end }, `how it ended${context}`);
          const logged = result.lines.filter((line) => line.startsWith("logged ")).map((line) => line.slice("logged ".length));
          const arrived = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line).msg) : [];
          const inOrder = (lines) => (asyncCutShort(trigger) ? [...lines].sort() : lines);
          assert.deepEqual(inOrder(arrived), inOrder(logged), `the file holds every line logged${asyncCutShort(trigger) ? "" : ", in order"} (${arrived.length} of ${logged.length})${context}`);
          if (!asyncCutShort(trigger)) assert.equal(logged.length, 22, `every entry logged both its lines${context}`);
          assertAtexitLines(result.stderr, expected.stderr ?? [], context);
        });
      }
    }
  }
});
