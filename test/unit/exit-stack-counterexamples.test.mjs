// Minimal counterexamples the model-based test (exit-stack-model.test.mjs) found, each kept as a
// plain test of the rule it broke: SPEC §2.1, docs/decisions.md,
// and the ExitStack decisions of issue 8 (one disposal loop per stack; a scope child keeps its
// place until its own disposal has settled; unregister(child) is refused; move() and clear() of
// scopes). The seed that found each one is in its comment.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ExitStack } from "atexit";
import { labelled, macrotask, settle } from "./helpers.mjs";

describe("one disposal loop per stack: a call from inside an entry joins it", () => {
  test("run() from inside an entry of disposeAsync() starts no second loop: the entry below waits its turn", async () => {
    // seed 30: the inner run() ran the entry below at once, inside the entry that called it.
    const stack = new ExitStack();
    const calls = [];
    let inner;
    const entry = () => {
      calls.push("entry");
      if (inner) return;
      inner = settle(stack.run());
      calls.push(`unregister(entry) while its other registration is pending: ${stack.unregister(entry)}`);
    };
    stack.defer(entry);
    stack.register(entry);
    assert.deepEqual(await settle(stack.disposeAsync()), { status: "fulfilled", value: undefined });
    assert.deepEqual(calls, ["entry", "unregister(entry) while its other registration is pending: true"]);
    assert.deepEqual(await inner, { status: "fulfilled", value: undefined });
  });

  test("run() from inside an entry of run() starts no second loop: the entry below waits for the one in flight", async () => {
    // seed 24: the entry below started while the first was still awaiting.
    const stack = new ExitStack();
    const calls = [];
    let inner;
    const entry = async () => {
      const call = calls.filter((call) => call.endsWith("start")).length + 1;
      calls.push(`${call} start`);
      if (call === 1) inner = settle(stack.run());
      await macrotask();
      calls.push(`${call} end`);
    };
    stack.defer(entry);
    stack.defer(entry);
    await stack.run();
    assert.deepEqual(calls, ["1 start", "1 end", "2 start", "2 end"]);
    assert.deepEqual(await inner, { status: "fulfilled", value: undefined });
  });

  // seeds 33 and 26: the inner run() resolved undefined.
  for (const outer of ["disposeAsync", "run"]) {
    test(`run() from inside an entry of ${outer}() rejects with the loop's error`, async () => {
      const stack = new ExitStack();
      const failure = labelled("E");
      let inner;
      stack.defer(() => {
        inner = settle(stack.run());
        throw failure;
      });
      assert.deepEqual(await settle(stack[outer]()), { status: "rejected", reason: failure });
      assert.deepEqual(await inner, { status: "rejected", reason: failure });
    });
  }

  test("run() still rejects with the error of an entry that fails after an entry called disposeAsync()", async () => {
    // seed 20260609 (npm test's seed): run() resolved undefined; the inner disposeAsync() took the error.
    const stack = new ExitStack();
    const failure = labelled("below");
    let inner;
    stack.defer(() => {
      throw failure;
    });
    stack.defer(() => {
      inner = settle(stack.disposeAsync());
    });
    assert.deepEqual(await settle(stack.run()), { status: "rejected", reason: failure });
    assert.deepEqual(await inner, { status: "rejected", reason: failure });
  });

  test("disposeAsync() from inside an entry of run() marks the stack disposed and rejects with the loop's error", async () => {
    // seed 31: it resolved undefined (as for a stack already disposed: but run() does not dispose).
    const stack = new ExitStack();
    const failure = labelled("E");
    let inner;
    stack.register(() => {
      inner = settle(stack.disposeAsync());
      assert.equal(stack.disposed, true);
      throw failure;
    });
    assert.deepEqual(await settle(stack.run()), { status: "rejected", reason: failure });
    assert.deepEqual(await inner, { status: "rejected", reason: failure });
  });
});

describe("a scope child in its parent", () => {
  test("unregister(child) on its parent throws a TypeError and removes nothing", () => {
    // seed 1: it returned true and removed the child.
    const parent = new ExitStack();
    const child = parent.scope();
    assert.throws(() => parent.unregister(child), TypeError);
    assert.equal(parent.size, 1);
  });

  test("a child keeps its place in its parent while its own disposal runs, and leaves when it has settled", async () => {
    // seed 20: the parent's size was 0 inside the child's entry.
    const parent = new ExitStack();
    const child = parent.scope();
    const sizes = [];
    child.defer(async () => {
      sizes.push(parent.size);
      await macrotask();
      sizes.push(parent.size);
    });
    await child.disposeAsync();
    assert.deepEqual(sizes, [1, 1]);
    assert.equal(parent.size, 0);
  });

  test("a parent loop that reaches a child whose own disposal is in progress waits there: the entries below do not run yet", async () => {
    // seed 31: the parent's loop skipped the child and ran the entry below while the child's entry was in flight.
    const parent = new ExitStack();
    const calls = [];
    parent.defer(() => calls.push("parent below"));
    const child = parent.scope();
    child.defer(async () => {
      calls.push("child start");
      await macrotask();
      calls.push("child end");
    });
    const childDisposal = child.disposeAsync();
    await parent.run();
    await childDisposal;
    assert.deepEqual(calls, ["child start", "child end", "parent below"]);
  });

  test("a child's own disposal removes only its scope entry: the parent's use(child) and adopt(child, fn) entries stay", async () => {
    // seeds 18, 19: disposing the child also removed every entry of the parent whose resource was the child.
    const parent = new ExitStack();
    const child = parent.scope();
    const calls = [];
    parent.use(child);
    parent.adopt(child, (value) => calls.push(`adopt ran with the child: ${value === child}`));
    await child.disposeAsync();
    assert.equal(parent.size, 2);
    await parent.disposeAsync();
    assert.deepEqual(calls, ["adopt ran with the child: true"]);
  });

  test("child.move() makes the child disposed and takes it out of its parent at once", async () => {
    // seed 2: the parent still counted the moved child.
    const parent = new ExitStack();
    const child = parent.scope();
    const calls = [];
    child.defer(() => calls.push("moved entry"));
    const moved = child.move();
    assert.equal(child.disposed, true);
    assert.equal(parent.size, 0);
    await parent.disposeAsync();
    assert.deepEqual(calls, [], "the parent's disposal does not reach the moved entries");
    await moved.disposeAsync();
    assert.deepEqual(calls, ["moved entry"]);
  });

  test("a child dropped by clear() is independent: its disposal leaves its former parent's entries alone", async () => {
    // seed 79: the former parent lost its use(child) entry when the child was disposed.
    const parent = new ExitStack();
    const child = parent.scope();
    parent.clear();
    parent.use(child);
    parent.defer(() => {});
    await child.disposeAsync();
    assert.equal(parent.size, 2);
  });
});

describe("unregister", () => {
  test("unregister(NaN) removes an adopt(NaN, fn) entry: values are compared with SameValueZero", () => {
    // seed 5 (docs/decisions.md: unregister compares with SameValueZero).
    const stack = new ExitStack();
    stack.adopt(NaN, () => {});
    assert.equal(stack.unregister(NaN), true);
    assert.equal(stack.size, 0);
  });
});
