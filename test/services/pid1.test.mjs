// Item 1 of issue 12: as PID 1 of a PID namespace (`unshare --pid --fork --mount-proc`, what a
// container started without an init is), the kernel ignores a signal whose action is the
// default, so the re-raised signal cannot end the process. After the sequence, the process ends
// with exit code 128 + n (what a container runtime reports for death by that signal) instead of
// living on until the orchestrator's SIGKILL. The signal comes from outside the namespace, as a
// container runtime sends it. Every runtime of the matrix; where no namespace can be made, the
// tests say so (skipped), never pass.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { assertAtexitLines, describeEnd, pidNamespaceProblem, runtimesFor, start } from "./harness.mjs";

const problem = pidNamespaceProblem();
// --kill-child: if the test kills unshare (its deadline), PID 1 of the namespace goes with it.
const PID1 = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"];

/** The host pid of unshare's child, PID 1 inside the namespace. */
function pidOne(unsharePid) {
  return Number(readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, "utf8").trim().split(" ")[0]);
}

async function run(runtime, signal, mode, fixture = "pid1.mjs") {
  const service = start(runtime, fixture, { prefix: PID1, args: mode ? [mode] : [] });
  const { pid, caught } = await service.json("pid");
  assert.equal(pid, 1, "the fixture is PID 1 of its namespace");
  assert.notEqual(caught, false, "the runtime's own SIGTERM handler is installed");
  process.kill(pidOne(service.child.pid), signal);
  return service.ended;
}

describe("as PID 1 of a PID namespace", { concurrency: true, skip: problem }, () => {
  for (const runtime of runtimesFor(["node20", "node22", "node24", "node26", "bun", "deno"])) {
    for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]]) {
      it(`on ${runtime.name}, ${signal} from outside runs the entries and ends the process with exit code ${code}`, async () => {
        const result = await run(runtime, signal);
        const context = describeEnd(result);
        assert.deepEqual({ code: result.code, signal: result.signal }, { code, signal: null }, `exit code 128 + n${context}`);
        assert.deepEqual(result.lines.slice(1), ["entry ran"], `the entry ran once${context}`);
        assertAtexitLines(result.stderr, [], context);
      });
    }
  }
  for (const runtime of runtimesFor(["node20", "node24", "bun"])) {
    it(`on ${runtime.name}, with signal-exit listening too, SIGTERM runs both and ends the process with exit code 143`, async () => {
      const result = await run(runtime, "SIGTERM", "signal-exit");
      const context = describeEnd(result);
      assert.deepEqual({ code: result.code, signal: result.signal }, { code: 143, signal: null }, `exit code 128 + n${context}`);
      assert.deepEqual(result.lines.slice(1), ["entry ran", "signal-exit handler ran for SIGTERM"], `atexit's entry, then signal-exit's handler${context}`);
      assertAtexitLines(result.stderr, [], context);
    });
  }
  for (const runtime of runtimesFor(["deno"])) {
    it(`on deno without atexit, SIGTERM crashes the runtime (SIGSEGV): the runtime limit atexit's 128 + n exit avoids`, async () => {
      const result = await run(runtime, "SIGTERM", undefined, "bare-pid1.mjs");
      assert.equal(result.signal, "SIGSEGV", `Deno 2.9 crashes at PID 1 on a signal no JavaScript listener takes${describeEnd(result)}`);
    });
  }
});
