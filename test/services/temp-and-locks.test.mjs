// Item 8 of issue 12: fs.mkdtemp directories and a lock file (proper-lockfile) are removed on
// every trigger, including those that cannot await (process.exit(), a second signal, the
// timeout): their entries are synchronous.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertAtexitLines, describeEnd, runtimesFor, start } from "./harness.mjs";
import { SECOND_SIGNAL_GAP_MS } from "../exit/child.mjs";

const dir = mkdtempSync(join(tmpdir(), "atexit-locks-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const TRIGGERS = {
  drain: { end: { code: 0 } },
  exit: { end: { code: 0 } },
  "process-exit": { end: { code: 0 } },
  SIGTERM: { end: { signal: "SIGTERM" } },
  SIGINT: { end: { signal: "SIGINT" } },
  "second signal": { end: { signal: "SIGINT" }, stderr: [/^atexit: received SIGINT during cleanup while anonymous function ran; 1 async cleanup entry could not finish$/] },
  throw: { end: { code: 1 } },
  timeout: { end: { code: 1 }, stderr: [/^atexit: cleanup timed out after 1000 ms while hangs ran; 1 async cleanup entry could not finish$/] },
};

describe("temporary directories and lock files are removed", { concurrency: true }, () => {
  for (const runtime of runtimesFor(["node20", "node24", "bun", "deno"])) {
    for (const [trigger, expected] of Object.entries(TRIGGERS)) {
      it(`on ${runtime.name}, ${trigger}: both temp dirs and the lock are gone`, async () => {
        const target = join(dir, `${runtime.name}-${trigger.replace(" ", "-")}`);
        const signal = trigger.startsWith("SIG") || trigger === "second signal";
        const service = start(runtime, "temp-and-locks.mjs", { args: [signal ? "signal" : trigger, target, ...(trigger === "second signal" ? ["slow"] : [])] });
        const { dirs, lock, existed } = await service.json("dirs");
        assert.equal(existed, true, "they existed while it ran");
        if (signal) {
          service.child.kill(trigger === "SIGINT" ? "SIGINT" : "SIGTERM");
          if (trigger === "second signal") {
            await new Promise((resolve) => setTimeout(resolve, SECOND_SIGNAL_GAP_MS)); // not an echo; not timed: the top entry sleeps 5 s
            service.child.kill("SIGINT");
          }
        }
        const result = await service.ended;
        const context = describeEnd(result);
        assert.deepEqual({ code: result.code, signal: result.signal }, { code: null, signal: null, ...expected.end }, `how it ended${context}`);
        for (const path of [...dirs, lock]) assert.equal(existsSync(path), false, `${path} removed${context}`);
        assertAtexitLines(result.stderr, expected.stderr ?? [], context);
      });
    }
  }
});
