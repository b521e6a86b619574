// Native first: where the runtime has SuppressedError the bundled core-js
// fallback is never loaded; where it has not, it is loaded only when two
// errors need chaining. atexit/polyfill installs the standard globals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { ExitStack } from "atexit";

const require = createRequire(import.meta.url);
const fallbackLoaded = () => Object.keys(require.cache).some((file) => file.endsWith("suppressed-error.cjs"));
const hasNative = typeof globalThis.SuppressedError === "function";

async function chainTwoErrors() {
  const stack = new ExitStack();
  stack.defer(() => {
    throw new Error("first");
  });
  stack.defer(() => {
    throw new Error("second");
  });
  return stack.disposeAsync().then(
    () => assert.fail("disposeAsync should reject"),
    (error) => error,
  );
}

test("the core-js fallback is not loaded before two errors need chaining", () => {
  assert.equal(fallbackLoaded(), false);
});

test("chained disposal errors use the native SuppressedError where the runtime has one, and load nothing else", { skip: !hasNative && "this runtime has no native SuppressedError" }, async () => {
  const error = await chainTwoErrors();
  assert.ok(error instanceof globalThis.SuppressedError);
  assert.equal(fallbackLoaded(), false);
});

test("without a native SuppressedError the bundled core-js one is loaded on first need, and no global appears", { skip: hasNative && "this runtime has a native SuppressedError" }, async () => {
  const error = await chainTwoErrors();
  assert.equal(fallbackLoaded(), true);
  assert.equal(error.constructor.name, "SuppressedError");
  assert.equal(error.error.message, "first");
  assert.equal(error.suppressed.message, "second");
  assert.equal("SuppressedError" in globalThis, false);
});

test("atexit/polyfill installs working explicit-resource-management globals, leaving native ones in place", () => {
  // Run by the same runtime as this test (Deno needs `run -A` before the script).
  const fixture = new URL("../fixtures/polyfill-check.mjs", import.meta.url).pathname;
  const args = "Deno" in globalThis ? ["run", "-A", fixture] : [fixture];
  const child = spawnSync(process.execPath, args, { cwd: new URL("../..", import.meta.url), encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { order: ["b", "a", "c"], kept: true, symbols: true, suppressed: 2 });
});
