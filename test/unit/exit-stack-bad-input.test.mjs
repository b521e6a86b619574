// Bad arguments (SPEC §2.1, STYLE "errors say what was expected and what was received"):
// every bad call throws TypeError at once and leaves the stack exactly as it was.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ExitStack } from "atexit";

const noop = () => {};

// Each case: the bad call, what the message must name as expected, and as received.
const badCalls = [
  { call: "register(42)", run: (s) => s.register(42), expected: /function/i, received: /42|number/ },
  { call: "register()", run: (s) => s.register(), expected: /function/i, received: /undefined/ },
  { call: 'register("close")', run: (s) => s.register("close"), expected: /function/i, received: /close|string/ },
  { call: "register({})", run: (s) => s.register({}), expected: /function/i, received: /got a plain object$/ },
  { call: "register(null)", run: (s) => s.register(null), expected: /function/i, received: /null/ },
  { call: "defer(42)", run: (s) => s.defer(42), expected: /function/i, received: /42|number/ },
  { call: "defer(null)", run: (s) => s.defer(null), expected: /function/i, received: /null/ },
  { call: "defer()", run: (s) => s.defer(), expected: /function/i, received: /undefined/ },
  { call: "adopt(value, 42)", run: (s) => s.adopt({}, 42), expected: /function/i, received: /42|number/ },
  { call: "adopt(value)", run: (s) => s.adopt({}), expected: /function/i, received: /undefined/ },
  { call: "adopt(value, {})", run: (s) => s.adopt({}, {}), expected: /function/i, received: /got a plain object$/ },
  { call: "use(42)", run: (s) => s.use(42), expected: /object|dispose/i, received: /42|number/ },
  { call: "use(true)", run: (s) => s.use(true), expected: /object|dispose/i, received: /true|boolean/ },
  {
    call: 'use("resource-name")',
    run: (s) => s.use("resource-name"),
    expected: /object|dispose/i,
    received: /resource-name|string/,
  },
  { call: "use(Symbol())", run: (s) => s.use(Symbol("token")), expected: /object|dispose/i, received: /symbol/i },
  { call: "use(42n)", run: (s) => s.use(42n), expected: /object|dispose/i, received: /got 42n \(bigint\)$/ },
  { call: "use({})", run: (s) => s.use({}), expected: /dispose/i, received: /got a plain object without either$/ },
  {
    call: "use(Object.create(null))",
    run: (s) => s.use(Object.create(null)),
    expected: /dispose/i,
    received: /got an object of unknown class without either$/,
  },
  { call: "use(new Map())", run: (s) => s.use(new Map()), expected: /dispose/i, received: /got an instance of Map without either$/ },
  {
    call: "use({ [Symbol.asyncDispose]: 42 })",
    run: (s) => s.use({ [Symbol.asyncDispose]: 42 }),
    expected: /function|callable/i,
    received: /42|number/,
  },
  {
    call: 'use({ [Symbol.dispose]: "nope" })',
    run: (s) => s.use({ [Symbol.dispose]: "nope" }),
    expected: /function|callable/i,
    received: /nope|string/,
  },
  {
    // Spec GetMethod: a non-callable [Symbol.asyncDispose] throws; it does not fall back.
    call: "use({ [Symbol.asyncDispose]: 42, [Symbol.dispose]: fn })",
    run: (s) => s.use({ [Symbol.asyncDispose]: 42, [Symbol.dispose]: noop }),
    expected: /function|callable/i,
    received: /42|number/,
  },
  { call: "adoptWeak(42, fn)", run: (s) => s.adoptWeak(42, noop), expected: /object/i, received: /42|number/ },
  { call: "adoptWeak(null, fn)", run: (s) => s.adoptWeak(null, noop), expected: /object/i, received: /null/ },
  {
    call: 'adoptWeak("text", fn)',
    run: (s) => s.adoptWeak("text", noop),
    expected: /object/i,
    received: /text|string/,
  },
  { call: "adoptWeak({}, 42)", run: (s) => s.adoptWeak({}, 42), expected: /function/i, received: /42|number/ },
  { call: "adoptWeak({})", run: (s) => s.adoptWeak({}), expected: /function/i, received: /undefined/ },
];

/** A stack with one entry of each kind, and the order they run in. */
function populatedStack() {
  const stack = new ExitStack();
  const calls = [];
  stack.defer(() => calls.push("defer"));
  stack.use({ [Symbol.dispose]: () => calls.push("use") });
  stack.adopt("adopt", (value) => calls.push(value));
  stack.register((label) => calls.push(label), "register");
  return { stack, calls, expectedOrder: ["register", "adopt", "use", "defer"] };
}

describe("bad input", () => {
  for (const { call, run, expected, received } of badCalls) {
    test(`${call} throws a TypeError naming what was expected and what was received`, () => {
      const stack = new ExitStack();
      assert.throws(
        () => run(stack),
        (error) => {
          assert.ok(error instanceof TypeError, `expected a TypeError, got ${error?.constructor?.name}`);
          assert.match(error.message, expected, "the message names what was expected");
          assert.match(error.message, received, "the message names what was received");
          return true;
        },
      );
    });

    test(`${call} leaves the stack unchanged: same size, same order at disposal`, async () => {
      const { stack, calls, expectedOrder } = populatedStack();
      assert.equal(stack.size, 4);
      assert.throws(() => run(stack), TypeError);
      assert.equal(stack.size, 4);
      assert.equal(stack.disposed, false);
      stack.defer(() => calls.push("added after the bad call"));
      await stack.disposeAsync();
      assert.deepEqual(calls, ["added after the bad call", ...expectedOrder]);
    });
  }

  test("a bad call does not leave a value behind that unregister could find", () => {
    const stack = new ExitStack();
    const value = { half: "registered" };
    assert.throws(() => stack.adopt(value, 42), TypeError);
    assert.throws(() => stack.adoptWeak(value, 42), TypeError);
    assert.equal(stack.unregister(value), false);
    assert.equal(stack.size, 0);
  });
});
