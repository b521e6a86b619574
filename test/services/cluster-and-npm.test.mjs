// Item 7 of issue 12 (processes): a node:cluster primary forwards SIGTERM to its workers and
// waits for them, each worker running its own registry; and an app run by `npm start` that gets
// Ctrl-C from a terminal (SIGINT to the whole process group) runs each entry exactly once.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { assertAtexitLines, describeEnd, fixturesDir, runtimesFor, start, survivors } from "./harness.mjs";

// Not on Deno (docs/runtimes.md, note 9): its cluster workers call process.exit() on SIGTERM, and
// their IPC fails with BrokenPipe now and then when they do.
describe("a node:cluster primary", { concurrency: true }, () => {
  for (const runtime of runtimesFor(["node20", "node24", "bun"])) {
    it(`on ${runtime.name}: SIGTERM to the primary alone runs each worker's registry, then the primary's, and every process dies by SIGTERM`, async () => {
      const primary = start(runtime, "cluster.mjs");
      const { pids } = await primary.json("pids");
      primary.child.kill("SIGTERM");
      const result = await primary.ended;
      const context = describeEnd(result);
      assert.equal(result.signal, "SIGTERM", `the primary dies by SIGTERM${context}`);
      const lines = result.lines.slice(1);
      assert.deepEqual([...lines].sort(), ["primary entry ran", "worker 1 entry ran", "worker 1 exited: SIGTERM", "worker 2 entry ran", "worker 2 exited: SIGTERM"], `each worker ran its entry once and died by SIGTERM${context}`);
      assert.equal(lines.at(-1), "primary entry ran", `the primary's own entry last (registered first)${context}`);
      assert.deepEqual(await survivors(pids), [], `no worker left in the process table${context}`);
      assertAtexitLines(result.stderr, [], context);
    });
  }
});

describe("an app run by npm start", { concurrency: true }, () => {
  for (const runtime of runtimesFor(["node20", "node24"])) {
    it(`on ${runtime.name}: Ctrl-C (SIGINT to the process group) runs each entry exactly once and the app dies by SIGINT`, async () => {
      // detached: npm leads a process group of its own, as a terminal's foreground job does.
      const npm = spawn("npm", ["start", "--silent"], { cwd: join(fixturesDir, "npm-app"), env: { ...process.env, ATEXIT_TEST_RUNTIME: runtime.path, NODE_OPTIONS: "" }, stdio: ["ignore", "pipe", "pipe"], detached: true });
      let stdout = "";
      let stderr = "";
      npm.stdout.on("data", (chunk) => (stdout += chunk));
      npm.stderr.on("data", (chunk) => (stderr += chunk));
      const ended = new Promise((resolve) => npm.on("close", (code, signal) => resolve({ code, signal })));
      while (!stdout.includes('{"pid"')) await new Promise((resolve) => setTimeout(resolve, 20));
      const { pid } = JSON.parse(/\{"pid":\d+\}/.exec(stdout)[0]);
      process.kill(-npm.pid, "SIGINT");
      const { code, signal } = await ended;
      const context = `\n--- npm ended: code ${code}, signal ${signal}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
      const lines = stdout.split("\n").filter((line) => line.startsWith("entry"));
      assert.deepEqual(lines, ["entry B ran", "entry A ran"], `each entry once, in reverse order${context}`);
      assert.deepEqual(await survivors([pid]), [], `the app is gone${context}`);
      assert.ok(code === 130 || signal === "SIGINT", `npm reports the interrupt (exit code 130 or death by SIGINT)${context}`);
      assertAtexitLines(stderr, [], context);
    });
  }
});
