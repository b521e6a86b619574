// Item 5 of issue 12: child processes handed to use() are terminated on every trigger and no
// orphan is left, checked in the process table after the parent has ended. A polite child
// (cleans up on SIGTERM) finishes its cleanup wherever the parent can wait; a stubborn one
// (ignores SIGTERM) is killed with SIGKILL when the grace runs out. Where nothing can be awaited
// (process.exit(), a second signal, the timeout), a child still running is killed at once.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { assertAtexitLines, describeEnd, runtimesFor, start, survivors } from "./harness.mjs";
import { SECOND_SIGNAL_GAP_MS } from "../exit/child.mjs";

const dir = mkdtempSync(join(tmpdir(), "atexit-children-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const stubbornName = "ChildProcess \\d+ \\((node|bun|deno) (run -A )?child\\.mjs stubborn \\S+\\)";
/** Each trigger: how the parent ends, whether the polite child finished its cleanup, the atexit: lines. */
const TRIGGERS = {
  drain: { end: { code: 0 }, politeCleanedUp: true },
  exit: { end: { code: 0 }, politeCleanedUp: true },
  signal: { end: { signal: "SIGTERM" }, politeCleanedUp: true },
  throw: { end: { code: 1 }, politeCleanedUp: true },
  "process-exit": { end: { code: 0 }, politeCleanedUp: false },
  "second signal": { end: { signal: "SIGINT" }, politeCleanedUp: false, stderr: [new RegExp(`^atexit: received SIGINT during cleanup while ${stubbornName} ran; 1 async cleanup entry could not finish$`)] },
  timeout: { end: { code: 1 }, politeCleanedUp: false, stderr: [/^atexit: cleanup timed out after 3000 ms while hangs ran; 1 async cleanup entry could not finish$/] },
};

describe("child processes handed to use() leave no orphan", { concurrency: true }, () => {
  for (const runtime of runtimesFor(["node20", "node24", "bun", "deno"])) {
    for (const [trigger, expected] of Object.entries(TRIGGERS)) {
      it(`on ${runtime.name}, ${trigger}: both children end, the polite one ${expected.politeCleanedUp ? "after its cleanup" : "killed at once"}, the stubborn one by SIGKILL`, async () => {
        const marker = join(dir, `${runtime.name}-${trigger.replace(" ", "-")}`);
        const parent = start(runtime, "children.mjs", { args: [trigger === "second signal" ? "signal" : trigger, marker] });
        const { pids } = await parent.json("pids");
        if (trigger === "signal") parent.child.kill("SIGTERM");
        if (trigger === "second signal") {
          parent.child.kill("SIGTERM");
          await parent.waitFor("stubborn got SIGTERM"); // the parent is waiting for it now
          await new Promise((resolve) => setTimeout(resolve, SECOND_SIGNAL_GAP_MS)); // not an echo of the first; within the stubborn child's grace
          parent.child.kill("SIGINT");
        }
        const result = await parent.ended;
        const context = describeEnd(result);
        assert.deepEqual({ code: result.code, signal: result.signal }, { code: null, signal: null, ...expected.end }, `how the parent ended${context}`);
        assert.deepEqual(await survivors(pids), [], `no child left in the process table${context}`);
        assert.equal(existsSync(marker), expected.politeCleanedUp, `the polite child's cleanup ${expected.politeCleanedUp ? "ran" : "could not run"}${context}`);
        assertAtexitLines(result.stderr, expected.stderr ?? [], context);
      });
    }
  }
});
