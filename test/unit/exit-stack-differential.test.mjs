// Differential tests (SPEC §2.1 "the whole AsyncDisposableStack interface with the spec's
// semantics"): the same scenario runs on `new ExitStack()` and on the runtime's native
// `new AsyncDisposableStack()`, and everything observable is compared: the order of calls, the
// shape of the rejection, and how many microtask turns (counted by a ticker) pass between calls.
// Skipped where there is no native AsyncDisposableStack (Node 20, 22).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ExitStack } from "atexit";
import { NativeAsyncDisposableStack, labelled, macrotask, settle, shapeOf, startTicker, withoutNative } from "./helpers.mjs";

/**
 * Runs `build(stack, record)` then disposes, on a fresh stack made by `makeStack`. `record(label)`
 * logs a label, with the current microtask tick when `ticks` is set. Returns the log, ending
 * with the outcome, and (with `ticks`) the tick at which disposeAsync's promise settled.
 */
async function runScenario(makeStack, build, { ticks }) {
  const stack = makeStack();
  const log = [];
  let ticker;
  const record = (label) => log.push(ticks ? [label, ticker?.now ?? "before disposal"] : label);
  build(stack, record);
  if (ticks) ticker = startTicker();
  const outcome = await settle(stack.disposeAsync());
  const settledAt = ticker?.now;
  ticker?.stop();
  if (ticker?.exhausted) log.push("ticker exhausted: the stack waited for a macrotask");
  log.push(outcome.status === "fulfilled" ? { resolved: outcome.value } : { rejected: shapeOf(outcome.reason) });
  return { log, settledAt };
}

/**
 * Runs a scenario on both stacks and asserts the logs are identical; with `settlement`, asserts
 * instead that disposeAsync's promise settled in the same microtask turn (counted from the start
 * of disposal, through the same `settle()` wrapper on both sides).
 */
async function assertSameAsNative(build, { ticks = false, settlement = false } = {}) {
  const options = { ticks: ticks || settlement };
  const native = await runScenario(() => new NativeAsyncDisposableStack(), build, options);
  const ours = await runScenario(() => new ExitStack(), build, options);
  if (settlement) {
    assert.equal(
      ours.settledAt,
      native.settledAt,
      "microtask turn at which disposeAsync settled: ExitStack (actual) vs native AsyncDisposableStack (expected)",
    );
  } else {
    assert.deepEqual(ours.log, native.log, "ExitStack (actual) differs from native AsyncDisposableStack (expected)");
  }
}

const thrower = (label) => () => {
  throw labelled(label);
};

// Scenarios shared by the order test and the microtask test.
const scenarios = {
  "sync defers": (stack, record) => {
    stack.defer(() => record("a"));
    stack.defer(() => record("b"));
    stack.defer(() => record("c"));
  },
  "async defers that resolve at once": (stack, record) => {
    stack.defer(async () => record("a"));
    stack.defer(async () => record("b"));
  },
  "async defers that await inside": (stack, record) => {
    stack.defer(async () => {
      record("a start");
      await null;
      await null;
      record("a end");
    });
    stack.defer(async () => {
      record("b start");
      await Promise.resolve();
      record("b end");
    });
  },
  "use with async and sync dispose methods": (stack, record) => {
    stack.use({ [Symbol.asyncDispose]: async () => record("async 1") });
    stack.use({ [Symbol.dispose]: () => record("sync 1") });
    stack.use({ [Symbol.dispose]: () => record("sync 2") });
    stack.use({ [Symbol.asyncDispose]: async () => record("async 2") });
  },
  "a sync dispose method that returns a pending promise": (stack, record) => {
    stack.defer(() => record("below"));
    stack.use({
      [Symbol.dispose]() {
        record("sync");
        return Promise.resolve().then(() => record("returned promise settled"));
      },
    });
  },
  "adopt and defer returning plain values": (stack, record) => {
    stack.adopt("x", (value) => {
      record(`adopt ${value}`);
      return 42;
    });
    stack.defer(() => {
      record("defer");
      return "ignored";
    });
  },
  "a thenable result": (stack, record) => {
    stack.defer(() => record("below"));
    stack.defer(() => ({
      then(resolve) {
        record("then called");
        resolve("value");
      },
    }));
  },
  "use(null) alone": (stack) => {
    stack.use(null);
  },
  "use(null) and use(undefined) between entries": (stack, record) => {
    stack.defer(() => record("a"));
    stack.use(null);
    stack.use({ [Symbol.dispose]: () => record("sync") });
    stack.use(undefined);
    stack.defer(() => record("b"));
  },
  "use(null) on top of sync dispose methods": (stack, record) => {
    stack.use({ [Symbol.dispose]: () => record("sync 1") });
    stack.use({ [Symbol.dispose]: () => record("sync 2") });
    stack.use(null);
  },
  "one sync throw": (stack, record) => {
    stack.defer(() => record("below"));
    stack.defer(thrower("E"));
  },
  "three failing defers": (stack) => {
    stack.defer(thrower("E1"));
    stack.defer(thrower("E2"));
    stack.defer(thrower("E3"));
  },
  "sync throws and async rejections mixed with successes": (stack, record) => {
    stack.defer(() => record("bottom"));
    stack.defer(async () => {
      record("rejects");
      await null;
      throw labelled("async");
    });
    stack.use({
      [Symbol.dispose]() {
        record("dispose throws");
        throw labelled("dispose");
      },
    });
    stack.adopt("v", () => record("adopt"));
    stack.defer(thrower("top"));
  },
  "a thrown undefined between two errors": (stack) => {
    stack.defer(thrower("E1"));
    stack.defer(() => {
      throw undefined;
    });
    stack.defer(thrower("E3"));
  },
  "thrown primitives": (stack) => {
    stack.defer(() => {
      throw 1;
    });
    stack.defer(() => {
      throw null;
    });
  },
};

describe("differential: ExitStack against the native AsyncDisposableStack", { skip: withoutNative }, () => {
  for (const [name, build] of Object.entries(scenarios)) {
    test(`order of calls and outcome match AsyncDisposableStack: ${name}`, async () => {
      await assertSameAsNative(build);
    });
  }

  for (const [name, build] of Object.entries(scenarios)) {
    test(`each entry is called in the same microtask turn as by AsyncDisposableStack: ${name}`, async () => {
      await assertSameAsNative(build, { ticks: true });
    });
  }

  for (const [name, build] of Object.entries(scenarios)) {
    test(`disposeAsync settles in the same microtask turn as AsyncDisposableStack's: ${name}`, async () => {
      await assertSameAsNative(build, { settlement: true });
    });
  }

  test("disposed is already true inside an entry and adding there throws ReferenceError, as natively", async () => {
    await assertSameAsNative((stack, record) => {
      stack.defer(() => {
        record(`disposed: ${stack.disposed}`);
        for (const [name, add] of [
          ["use", () => stack.use({ [Symbol.dispose]() {} })],
          ["use(null)", () => stack.use(null)],
          ["adopt", () => stack.adopt(1, () => {})],
          ["defer", () => stack.defer(() => {})],
          ["move", () => stack.move()],
        ]) {
          try {
            add();
            record(`${name}: accepted`);
          } catch (error) {
            record(`${name}: ${error.constructor.name}`);
          }
        }
      });
    });
  });

  test("a second disposeAsync during disposal resolves undefined at once, without waiting, as natively", async () => {
    await assertSameAsNative((stack, record) => {
      stack.defer(async () => {
        record("entry start");
        await macrotask();
        record("entry end");
      });
      stack.defer(() => {
        stack.disposeAsync().then((value) => record(`second call resolved with ${value}`));
      });
    });
    // The same with microtask turns counted (no macrotask may be awaited under the ticker).
    await assertSameAsNative(
      (stack, record) => {
        stack.defer(async () => {
          record("entry start");
          for (let turn = 0; turn < 5; turn++) await null;
          record("entry end");
        });
        stack.defer(() => {
          stack.disposeAsync().then((value) => record(`second call resolved with ${value}`));
        });
      },
      { ticks: true },
    );
  });

  test("move hands the entries over in the same order as AsyncDisposableStack.prototype.move", async () => {
    const results = [];
    for (const makeStack of [() => new NativeAsyncDisposableStack(), () => new ExitStack()]) {
      const stack = makeStack();
      const calls = [];
      stack.defer(() => calls.push("a"));
      stack.use({ [Symbol.dispose]: () => calls.push("b") });
      stack.adopt("c", (value) => calls.push(value));
      const moved = stack.move();
      const afterMove = {
        sameClass: Object.getPrototypeOf(moved) === Object.getPrototypeOf(stack),
        oldDisposed: stack.disposed,
        newDisposed: moved.disposed,
      };
      const oldSecondDispose = await stack.disposeAsync();
      await moved.disposeAsync();
      results.push({ afterMove, oldSecondDispose, calls });
    }
    assert.deepEqual(results[1], results[0]);
  });

  test("use reads the dispose method once, at the call, as natively", async () => {
    await assertSameAsNative((stack, record) => {
      const resource = { [Symbol.asyncDispose]: async () => record("read at use()") };
      stack.use(resource);
      resource[Symbol.asyncDispose] = async () => record("replaced");
      let reads = 0;
      const counted = {
        get [Symbol.asyncDispose]() {
          reads++;
          return async () => record(`getter read ${reads} time(s)`);
        },
      };
      stack.use(counted);
    });
  });

  test("a null or undefined [Symbol.asyncDispose] falls back to [Symbol.dispose], as natively", async () => {
    await assertSameAsNative((stack, record) => {
      stack.use({ [Symbol.asyncDispose]: null, [Symbol.dispose]: () => record("fallback from null") });
      stack.use({ [Symbol.asyncDispose]: undefined, [Symbol.dispose]: () => record("fallback from undefined") });
    });
  });

  test("bad arguments throw the same error classes as natively, and after disposal ReferenceError comes first", async () => {
    const calls = {
      "use(42)": (s) => s.use(42),
      "use({})": (s) => s.use({}),
      "use({asyncDispose: 42, dispose: fn})": (s) => s.use({ [Symbol.asyncDispose]: 42, [Symbol.dispose]() {} }),
      "adopt(1, 42)": (s) => s.adopt(1, 42),
      "defer(42)": (s) => s.defer(42),
      "use(null)": (s) => s.use(null),
    };
    const classify = async (makeStack) => {
      const result = {};
      for (const [name, call] of Object.entries(calls)) {
        for (const state of ["open", "disposed"]) {
          const stack = makeStack();
          if (state === "disposed") await stack.disposeAsync();
          try {
            call(stack);
            result[`${name} on ${state}`] = "accepted";
          } catch (error) {
            result[`${name} on ${state}`] = error.constructor.name;
          }
        }
      }
      return result;
    };
    const native = await classify(() => new NativeAsyncDisposableStack());
    const ours = await classify(() => new ExitStack());
    assert.deepEqual(ours, native);
  });

  test("disposeAsync on a receiver that is not a stack rejects with TypeError instead of throwing, as natively", async () => {
    const describeCall = async (disposeAsync) => {
      let result;
      try {
        result = disposeAsync.call({});
      } catch (error) {
        return { threw: error.constructor.name };
      }
      const isPromise = result instanceof Promise;
      const outcome = await settle(result);
      return { isPromise, status: outcome.status, reason: outcome.reason?.constructor?.name };
    };
    const native = await describeCall(NativeAsyncDisposableStack.prototype.disposeAsync);
    const ours = await describeCall(ExitStack.prototype.disposeAsync);
    assert.deepEqual(ours, native);
  });

  test("the rejection of one failure and of a chain has the same shape as natively, down to property attributes", async () => {
    // Covered scenario by scenario above; this one names the parts compared so a failure reads
    // clearly: constructor name, `instanceof Error`, `instanceof SuppressedError`, own keys other
    // than message/stack, and the attributes of `error` and `suppressed`.
    await assertSameAsNative((stack) => {
      stack.defer(thrower("E1"));
      stack.defer(async () => {
        throw labelled("E2");
      });
    });
  });
});
