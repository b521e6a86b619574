// The oracle's own test (test/model/stack-model.mjs): known answers taken from SPEC §2.1, the
// decisions (docs/decisions.md) and STACK-DECISIONS.md, so that the model-based test compares ExitStack
// with something that is itself checked.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ModelFailure, ModelSuppressed, ModelWorld, isStuck } from "./stack-model.mjs";

const sync = (before = [], fails = false) => ({ async: false, fails, before });
const later = (before = [], after = [], fails = false) => ({ async: true, delay: { macro: 1 }, fails, before, after });
const fn = (i) => ({ fn: i });
const on = (stack, op, more = {}) => ({ op, stack, ...more });

/** Runs every step; returns the world, the calls in order ("f0#1") and each step's results. */
function runProgram({ fns = [sync()], disposables = [{ ...sync(), method: "dispose" }], objects = 1, steps }) {
  const world = new ModelWorld({ fns, disposables, objects, steps });
  const stepResults = steps.map((action) => world.step(action).results);
  const calls = world.journal.filter((event) => event.type === "call").map((event) => `${event.callee}#${event.n}`);
  return { world, calls, results: stepResults.at(-1), stepResults };
}
const outcomeOf = (world, results) => world.promises[results[0].promise].outcome;

describe("the stack model", () => {
  test("entries run in reverse order with the this and arguments SPEC §2.1 gives each kind", () => {
    const { world } = runProgram({
      fns: [sync(), sync(), sync()],
      disposables: [{ ...sync(), method: "asyncDispose" }],
      steps: [
        on(0, "register", { fn: fn(0), args: [{ object: 0 }, { primitive: 1 }] }),
        on(0, "defer", { fn: fn(1) }),
        on(0, "adopt", { value: { primitive: -0 }, fn: fn(2) }),
        on(0, "use", { value: { disposable: 0 } }),
        on(0, "disposeAsync"),
      ],
    });
    assert.deepEqual(
      world.journal.map(({ callee, this: self, args }) => [callee, self, args]),
      [
        ["d0", "d0", []],
        ["f2", "undefined", ["-0"]],
        ["f1", "undefined", []],
        ["f0", "undefined", ["o0", "1"]],
      ],
    );
  });

  test("defer(E1); defer(E2); defer(E3) rejects with SE{ E1, SE{ E2, E3 } }", () => {
    const failing = sync([], "error");
    const { world, results } = runProgram({
      fns: [failing, failing, failing],
      steps: [on(0, "defer", { fn: fn(0) }), on(0, "defer", { fn: fn(1) }), on(0, "defer", { fn: fn(2) }), on(0, "disposeAsync")],
    });
    const expected = new ModelSuppressed(new ModelFailure("f0#1"), new ModelSuppressed(new ModelFailure("f1#1"), new ModelFailure("f2#1")));
    assert.deepEqual(outcomeOf(world, results), { rejected: expected });
  });

  test("an entry added during run() runs next; during disposeAsync() it throws ReferenceError", () => {
    const adds = sync([on(0, "defer", { fn: fn(1) })]);
    const ran = runProgram({ fns: [adds, sync(), sync()], steps: [on(0, "defer", { fn: fn(2) }), on(0, "defer", { fn: fn(0) }), on(0, "run")] });
    assert.deepEqual(ran.calls, ["f0#1", "f1#1", "f2#1"]);
    assert.equal(ran.world.stacks[0].disposed, false);
    const disposed = runProgram({ fns: [adds, sync(), sync()], steps: [on(0, "defer", { fn: fn(2) }), on(0, "defer", { fn: fn(0) }), on(0, "disposeAsync")] });
    assert.deepEqual(disposed.calls, ["f0#1", "f2#1"]);
    assert.deepEqual(disposed.world.journal[0].results, [{ threw: "ReferenceError" }]);
  });

  test("a scope child is disposed in its place; unregister(child) on its parent throws TypeError", () => {
    const { world, calls, stepResults } = runProgram({
      fns: [sync(), sync(), sync()],
      steps: [
        on(0, "defer", { fn: fn(0) }),
        on(0, "scope"),
        on(1, "defer", { fn: fn(1) }),
        on(0, "defer", { fn: fn(2) }),
        on(0, "unregister", { target: { stack: 1 } }),
        on(0, "size"),
        on(0, "disposeAsync"),
      ],
    });
    assert.deepEqual(stepResults.slice(4, 6), [[{ threw: "TypeError" }], [{ value: "3" }]]);
    assert.deepEqual(calls, ["f2#1", "f1#1", "f0#1"]);
    assert.deepEqual(world.observe(), [
      { size: 0, disposed: true },
      { size: 0, disposed: true },
    ]);
  });

  test("a child's own disposal keeps its place: the parent waits there, and the child's error is not the parent's", () => {
    // s0: [f0, s1 (f1), f2]; s0.run() calls f2, which starts s1.disposeAsync() (f1 is slow and fails).
    const { world, calls } = runProgram({
      fns: [sync(), later([], [on(0, "size")], "error"), sync([on(1, "disposeAsync"), on(0, "size")])],
      steps: [on(0, "defer", { fn: fn(0) }), on(0, "scope"), on(1, "defer", { fn: fn(1) }), on(0, "defer", { fn: fn(2) }), on(0, "run")],
    });
    assert.deepEqual(calls, ["f2#1", "f1#1", "f0#1"]);
    const [f2, f1] = world.journal;
    assert.deepEqual(f2.results, [{ promise: 0 }, { value: "2" }], "s1 is still counted in s0 while it disposes itself");
    assert.equal(f1.callee, "f1");
    assert.deepEqual(world.journal.find((event) => event.type === "resume").results, [{ value: "2" }]);
    assert.deepEqual(world.promises[0].outcome, { rejected: new ModelFailure("f1#1") });
    assert.deepEqual(world.promises[1].outcome, { resolved: undefined }, "s0.run() resolves: the child's error went to its own caller");
  });

  test("run() from inside an entry joins the loop and gets the loop's outcome", () => {
    const { world } = runProgram({
      fns: [sync([on(0, "run"), on(0, "disposeAsync"), on(0, "disposeAsync")]), sync([], "error")],
      steps: [on(0, "defer", { fn: fn(1) }), on(0, "defer", { fn: fn(0) }), on(0, "run")],
    });
    const rejected = { rejected: new ModelFailure("f1#1") };
    assert.deepEqual(world.journal[0].results, [{ promise: 0 }, { promise: 1 }, { promise: 2 }]);
    assert.deepEqual(world.promises.map((promise) => promise.outcome), [rejected, rejected, { resolved: undefined }, rejected]);
  });

  test("move() during run() ends the loop after the entry in flight", () => {
    const { world, calls } = runProgram({
      fns: [sync([on(0, "move")]), sync()],
      steps: [on(0, "defer", { fn: fn(1) }), on(0, "defer", { fn: fn(0) }), on(0, "run")],
    });
    assert.deepEqual(calls, ["f0#1"]);
    assert.deepEqual(world.observe(), [
      { size: 0, disposed: true },
      { size: 1, disposed: false },
    ]);
  });

  test("after a synchronous throw the next entry is called at once, as the spec's DisposeResources does (no Await)", () => {
    // f1 runs inside s0.disposeAsync() itself: its nested promise is returned, and numbered, first.
    const { world } = runProgram({
      fns: [sync([], "error"), sync([on(0, "disposeAsync")])],
      steps: [on(0, "defer", { fn: fn(1) }), on(0, "defer", { fn: fn(0) }), on(0, "disposeAsync")],
    });
    assert.deepEqual(world.journal[1].results, [{ promise: 0 }]);
    assert.deepEqual(world.promises.map((promise) => promise.outcome), [{ resolved: undefined }, { rejected: new ModelFailure("f0#1") }]);
  });

  test("a throwing [Symbol.dispose] rejects instead (GetDisposeMethod wraps it): the next entry waits", () => {
    const { world } = runProgram({
      fns: [sync([on(0, "disposeAsync")])],
      disposables: [{ ...sync([], "error"), method: "dispose" }],
      steps: [on(0, "defer", { fn: fn(0) }), on(0, "use", { value: { disposable: 0 } }), on(0, "disposeAsync")],
    });
    assert.deepEqual(world.journal[1].results, [{ promise: 1 }], "f0 ran after s0.disposeAsync() returned promise #0");
  });

  test("unregister compares with SameValueZero", () => {
    const { results } = runProgram({
      steps: [
        on(0, "adopt", { value: { primitive: NaN }, fn: fn(0) }),
        on(0, "adopt", { value: { primitive: -0 }, fn: fn(0) }),
        on(0, "unregister", { target: { primitive: 0 } }),
      ],
    });
    assert.deepEqual(results, [{ value: "true" }]);
  });

  test("a stack whose entry disposes the stack itself during run() waits for itself: stuck", () => {
    const { world } = runProgram({ steps: [on(0, "use", { value: { stack: 0 } }), on(0, "run")] });
    assert.equal(isStuck(world), true);
  });
});
