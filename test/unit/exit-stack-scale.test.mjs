// Scale (SPEC §2.1): 10^6 entries register, unregister and dispose without recursion-depth
// failures. No timing assertions here: these tests only prove completion and correctness; how
// long they take belongs in the benchmark.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ExitStack } from "atexit";
import { walkSuppressedChain } from "./helpers.mjs";

const MILLION = 1_000_000;

describe("scale", () => {
  test("10^6 use entries register, every other one unregisters, and the rest dispose in reverse without a RangeError", async () => {
    const stack = new ExitStack();
    const disposedIndexes = [];
    // One shared method: `this` tells which resource is being disposed.
    const dispose = function () {
      disposedIndexes.push(this.index);
    };
    const resources = new Array(MILLION);
    for (let index = 0; index < MILLION; index++) {
      resources[index] = stack.use({ index, [Symbol.dispose]: dispose });
    }
    assert.equal(stack.size, MILLION);
    for (let index = 0; index < MILLION; index += 2) {
      if (!stack.unregister(resources[index])) assert.fail(`unregister of resource ${index} returned false`);
    }
    assert.equal(stack.size, MILLION / 2);
    await stack.disposeAsync();
    assert.equal(disposedIndexes.length, MILLION / 2);
    for (let position = 0; position < disposedIndexes.length; position++) {
      const expected = MILLION - 1 - 2 * position;
      if (disposedIndexes[position] !== expected) {
        assert.fail(`position ${position}: disposed resource ${disposedIndexes[position]}, expected ${expected}`);
      }
    }
    assert.equal(stack.size, 0);
  });

  test("10^6 entries of one function dispose in reverse and one unregister removes them all", async () => {
    const stack = new ExitStack();
    let expected = MILLION - 1;
    let outOfOrder = 0;
    const exitFunc = (index) => {
      if (index !== expected) outOfOrder++;
      expected--;
    };
    for (let index = 0; index < MILLION; index++) stack.register(exitFunc, index);
    assert.equal(stack.size, MILLION);
    await stack.run();
    assert.equal(outOfOrder, 0);
    assert.equal(expected, -1, "every entry ran");

    for (let index = 0; index < MILLION; index++) stack.register(exitFunc, index);
    assert.equal(stack.unregister(exitFunc), true);
    assert.equal(stack.size, 0);
    await stack.disposeAsync();
    assert.equal(expected, -1, "nothing ran after unregister");
  });

  test("10^6 async defers are each awaited and dispose without a RangeError", async () => {
    const stack = new ExitStack();
    let done = 0;
    for (let index = 0; index < MILLION; index++) {
      stack.defer(async () => {
        done++;
      });
    }
    await stack.disposeAsync();
    assert.equal(done, MILLION);
  });

  test("unregister of 2×10^4 distinct functions completes and the remaining order is right", async () => {
    const COUNT = 20_000;
    for (const direction of ["oldest first", "newest first"]) {
      const stack = new ExitStack();
      const calls = [];
      const exitFuncs = [];
      for (let index = 0; index < 2 * COUNT; index++) {
        exitFuncs.push(stack.register(() => calls.push(index)));
      }
      const toRemove = exitFuncs.filter((_, index) => index % 2 === 0);
      if (direction === "newest first") toRemove.reverse();
      for (const exitFunc of toRemove) {
        if (!stack.unregister(exitFunc)) assert.fail(`unregister returned false (${direction})`);
      }
      assert.equal(stack.size, COUNT, direction);
      await stack.disposeAsync();
      const expected = [];
      for (let index = 2 * COUNT - 1; index >= 0; index -= 2) expected.push(index);
      assert.deepEqual(calls, expected, direction);
    }
  });

  test("10^5 failing entries chain into nested SuppressedErrors without a RangeError", async () => {
    const COUNT = 100_000;
    const stack = new ExitStack();
    for (let index = 0; index < COUNT; index++) {
      stack.defer(() => {
        throw index; // primitives keep 10^5 failures cheap
      });
    }
    let reason;
    let rejected = false;
    try {
      await stack.disposeAsync();
    } catch (error) {
      rejected = true;
      reason = error;
    }
    assert.equal(rejected, true);
    // The last-registered entry runs first, so it is the innermost `suppressed`; the first one
    // registered fails last and is the outermost `error`.
    const values = walkSuppressedChain(reason);
    assert.equal(values.length, COUNT);
    for (let position = 0; position < COUNT; position++) {
      if (values[position] !== position) assert.fail(`link ${position} holds ${values[position]}`);
    }
  });
});
