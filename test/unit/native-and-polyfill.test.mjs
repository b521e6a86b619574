// Native first: chained disposal errors are instances of the global SuppressedError wherever
// there is one (the runtime's, or a polyfill's installed later); without one, atexit's own
// spec-exact fallback, which has the shape of core-js-pure's and adds no global.
// atexit/polyfill installs the standard globals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { ExitStack } from "atexit";
import { shapeOf } from "./helpers.mjs";

const require = createRequire(import.meta.url);
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

test("chained disposal errors are instances of the runtime's SuppressedError where it has one", { skip: !hasNative && "this runtime has no native SuppressedError" }, async () => {
  const error = await chainTwoErrors();
  assert.ok(error instanceof globalThis.SuppressedError);
});

test("without a global SuppressedError the fallback chains errors with the spec's shape (core-js-pure's), and no global appears", { skip: hasNative && "this runtime has a native SuppressedError" }, async () => {
  const error = await chainTwoErrors();
  assert.equal(error.constructor.name, "SuppressedError");
  assert.equal(error.name, "SuppressedError");
  assert.ok(error instanceof Error);
  assert.equal(error.error.message, "first");
  assert.equal(error.suppressed.message, "second");
  assert.equal(Object.hasOwn(error, "message"), false, "no message was given, so no own message (spec step 3)");
  assert.equal("SuppressedError" in globalThis, false);
  const CoreJs = require("core-js-pure/actual/suppressed-error");
  const reference = new CoreJs(new Error("first"), new Error("second"));
  const { isGlobalSuppressedError: _ours, ...ours } = shapeOf(error);
  const { isGlobalSuppressedError: _theirs, ...theirs } = shapeOf(reference);
  assert.deepEqual({ ...ours, name: "SuppressedError" }, { ...theirs, name: "SuppressedError" });
});

test("a SuppressedError global installed after atexit loaded (a polyfill) is the one chained errors are instances of", { skip: hasNative && "this runtime has a native SuppressedError" }, async () => {
  class PolyfilledSuppressedError extends Error {
    constructor(error, suppressed) {
      super();
      this.error = error;
      this.suppressed = suppressed;
    }
  }
  globalThis.SuppressedError = PolyfilledSuppressedError;
  try {
    assert.ok((await chainTwoErrors()) instanceof PolyfilledSuppressedError);
  } finally {
    delete globalThis.SuppressedError;
  }
});

test("a replaced global SuppressedError that cannot construct does not stop disposal: the fallback chains instead", async () => {
  const original = Object.getOwnPropertyDescriptor(globalThis, "SuppressedError");
  globalThis.SuppressedError = function broken() {
    throw new Error("this constructor is broken");
  };
  try {
    const error = await chainTwoErrors();
    assert.equal(error.name, "SuppressedError");
    assert.equal(error.error.message, "first");
    assert.equal(error.suppressed.message, "second");
  } finally {
    if (original) Object.defineProperty(globalThis, "SuppressedError", original);
    else delete globalThis.SuppressedError;
  }
});

test("atexit/polyfill installs working explicit-resource-management globals, leaving native ones in place", () => {
  // Run by the same runtime as this test (Deno needs `run -A` before the script).
  const fixture = new URL("../fixtures/unit/polyfill-check.mjs", import.meta.url).pathname;
  const args = "Deno" in globalThis ? ["run", "-A", fixture] : [fixture];
  const child = spawnSync(process.execPath, args, { cwd: new URL("../..", import.meta.url), encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { order: ["b", "a", "c"], kept: true, symbols: true, suppressed: 2, chainedIsGlobal: true });
});
