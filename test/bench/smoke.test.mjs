// `npm run bench` must not rot: run it at tiny sizes and check that every
// measurement printed a result for atexit. No timing is asserted here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

test("the benchmark runs every measurement in smoke mode and prints a result for each", () => {
  const result = spawnSync(process.execPath, ["bench/run.mjs", "--smoke"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  assert.equal(result.status, 0, `bench/run.mjs --smoke failed:\n${result.stderr}`);
  const out = result.stdout;
  const number = String.raw`-?[\d.]+`;
  const expected = {
    "1 startup": new RegExp(String.raw`startup node20 atexit: ${number} ms`),
    "2 registration": new RegExp(String.raw`register atexit \(Node 24\) n=\d+: ${number} ns/entry`),
    "3 unregister": new RegExp(String.raw`unregister atexit \(Node 24\) n=\d+: ${number} ns/entry`),
    "4 disposal, process.exit()": new RegExp(String.raw`exit atexit \(Node 24\) n=\d+: ${number} ns/entry`),
    "4 disposal, disposeAsync()": new RegExp(String.raw`dispose atexit \(Node 24\) n=\d+: ${number} ns/entry`),
    "5 signal to death": new RegExp(String.raw`signal node24 atexit: ${number} ms, killed by SIGTERM`),
    "6 memory per entry": new RegExp(String.raw`memory atexit \(Node 24\): ${number} bytes/entry`),
    "6 memory, adoptWeak": /memory weak atexit n=\d+ alone: heap above baseline/,
    "7 scale": /\[7\/9 scale\]/,
    "8 per-request scope": new RegExp(String.raw`scope atexit tight, registry otherwise empty \(Node 24\) n=\d+: ${number} ns/entry`),
    "8 per-request scope, the native stack": new RegExp(String.raw`scope native AsyncDisposableStack tight \(Node 24\) n=\d+: ${number} ns/entry`),
    "9 request loop": new RegExp(String.raw`requests atexit a scope per request \(Node 24\) n=\d+: ${number} ns/entry`),
    "loader overhead": new RegExp(String.raw`loader node24: ${number} µs per module, ${number} ms start-up, ${number} ms cold rewrite`),
  };
  for (const [measurement, pattern] of Object.entries(expected)) {
    assert.match(out, pattern, `no result for measurement ${measurement}`);
  }
  assert.match(out, /wrote .*BENCHMARKS\.md/);
  // The report turns the run into the goal table: a ratio per goal and runtime.
  const [, report] = /wrote (\S+BENCHMARKS\.md) and /.exec(out) ?? [];
  const markdown = readFileSync(path.resolve(ROOT, report), "utf8");
  assert.match(markdown, /^\| per-request scope, .*\| \*\*×\d+\.\d+\*\*/m, "the goal table has the per-request scope's ratio");
  assert.match(markdown, /^\| SIGTERM → death, .*\| \*\*×\d+\.\d+\*\*/m, "the goal table has signal-to-death's ratio");
});
