// Item 7 of issue 12 (worker threads): on a signal to the process, the main thread runs its own
// entries, then tells every worker thread whose registry has entries and waits for them (bounded
// by the timeout), and only then dies by the signal. A worker that never used atexit is not
// waited for.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { assertAtexitLines, describeEnd, runtimesFor, start } from "./harness.mjs";

const finished = (name) => `worker ${name} async entry finished (signal.aborted: true, reason: signal SIGTERM)`;

describe("worker threads on a signal to the process", { concurrency: true }, () => {
  for (const runtime of runtimesFor(["node20", "node24", "bun", "deno"])) {
    it(`on ${runtime.name}: the main thread's entries run, then each worker's registry, awaited, then death by SIGTERM`, async () => {
      const service = start(runtime, "workers.mjs");
      await service.waitFor("ready");
      service.child.kill("SIGTERM");
      const result = await service.ended;
      const context = describeEnd(result);
      assert.equal(result.signal, "SIGTERM", `dies by SIGTERM${context}`);
      const lines = result.lines.slice(1);
      assert.equal(lines[0], "main entry ran", `the main thread's entries first${context}`);
      assert.deepEqual([...lines.slice(1)].sort(), [finished("one"), finished("two"), "worker one first entry ran", "worker two first entry ran"].sort(), `each worker's entries once${context}`);
      for (const name of ["one", "two"]) {
        assert.ok(lines.indexOf(finished(name)) < lines.indexOf(`worker ${name} first entry ran`), `worker ${name}'s own order is LIFO${context}`);
      }
      assertAtexitLines(result.stderr, [], context);
    });
    it(`on ${runtime.name}: a worker whose entry hangs is named in the timeout line, and the process still dies by SIGTERM`, async () => {
      const service = start(runtime, "workers.mjs", { args: ["hang"] });
      await service.waitFor("ready");
      service.child.kill("SIGTERM");
      const result = await service.ended;
      const context = describeEnd(result);
      assert.equal(result.signal, "SIGTERM", `dies by SIGTERM${context}`);
      assert.ok(result.lines.includes(finished("one")), `the other worker finished${context}`);
      assertAtexitLines(result.stderr, [/^atexit: cleanup timed out after 1000 ms while worker thread \d+ ran; 0 async cleanup entries could not finish$/], context);
    });
  }
});
