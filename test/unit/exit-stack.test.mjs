// ExitStack (SPEC §2.1): entries, order, awaiting, errors, the disposed state, move() and scope().
// Removal (register/unregister/size/run/clear), bad input, scale, the spec differential and
// garbage collection live in the other files of this folder.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ExitStack } from "atexit";
import { isSuppressedErrorLike, labelled, macrotask, nodeMajor, settle } from "./helpers.mjs";

describe("the class", () => {
  test("the class is named ExitStack, as inspect output and stack traces show it", () => {
    assert.equal(ExitStack.name, "ExitStack");
    assert.equal(new ExitStack().constructor.name, "ExitStack");
  });
});

describe("use, adopt and defer", () => {
  test("use returns the value it was given", () => {
    const stack = new ExitStack();
    const resource = { [Symbol.asyncDispose]: async () => {} };
    assert.equal(stack.use(resource), resource);
    const syncResource = { [Symbol.dispose]: () => {} };
    assert.equal(stack.use(syncResource), syncResource);
  });

  test("adopt returns the value it was given, even a primitive", () => {
    const stack = new ExitStack();
    const value = { handle: 1 };
    assert.equal(stack.adopt(value, () => {}), value);
    assert.equal(stack.adopt(42, () => {}), 42);
    assert.equal(stack.adopt(undefined, () => {}), undefined);
  });

  test("defer returns undefined", () => {
    const stack = new ExitStack();
    assert.equal(stack.defer(() => {}), undefined);
  });

  test("entries of every kind are disposed in reverse order of registration", async () => {
    const stack = new ExitStack();
    const calls = [];
    stack.defer(() => calls.push("defer 1"));
    stack.use({ [Symbol.asyncDispose]: async () => calls.push("use async") });
    stack.adopt("value", (value) => calls.push(`adopt ${value}`));
    stack.register((label) => calls.push(label), "register");
    stack.use({ [Symbol.dispose]: () => calls.push("use sync") });
    stack.defer(() => calls.push("defer 2"));
    await stack.disposeAsync();
    assert.deepEqual(calls, ["defer 2", "use sync", "register", "adopt value", "use async", "defer 1"]);
  });

  test("an async entry finishes before the next entry starts, for every kind of entry", async () => {
    const stack = new ExitStack();
    const calls = [];
    const slow = (label) => async () => {
      calls.push(`${label} start`);
      await macrotask();
      await macrotask();
      calls.push(`${label} end`);
    };
    stack.defer(slow("defer"));
    stack.adopt("value", slow("adopt"));
    stack.register(slow("register"));
    stack.use({ [Symbol.asyncDispose]: slow("use") });
    await stack.disposeAsync();
    assert.deepEqual(calls, [
      "use start",
      "use end",
      "register start",
      "register end",
      "adopt start",
      "adopt end",
      "defer start",
      "defer end",
    ]);
  });

  test("disposeAsync resolves only after the last async entry has finished", async () => {
    const stack = new ExitStack();
    let finished = false;
    stack.defer(async () => {
      await macrotask();
      finished = true;
    });
    const result = await stack.disposeAsync();
    assert.equal(result, undefined);
    assert.equal(finished, true);
  });

  test("a sync [Symbol.dispose] is called but the promise it returns is not awaited", async () => {
    const stack = new ExitStack();
    const calls = [];
    stack.defer(() => calls.push("entry below"));
    stack.use({
      [Symbol.dispose]() {
        calls.push("sync dispose");
        // Settles only after a macrotask: if it were awaited, "entry below" would come after it.
        return macrotask().then(() => calls.push("returned promise settled"));
      },
    });
    await stack.disposeAsync();
    assert.deepEqual(calls.slice(0, 2), ["sync dispose", "entry below"]);
    await macrotask();
    assert.deepEqual(calls, ["sync dispose", "entry below", "returned promise settled"]);
  });

  test("a rejected promise returned by a sync [Symbol.dispose] does not reject disposeAsync", async () => {
    const stack = new ExitStack();
    const ignored = Promise.reject(labelled("returned by a sync dispose"));
    ignored.catch(() => {}); // handled here, so only an await inside the stack could surface it
    let called = false;
    stack.use({
      [Symbol.dispose]() {
        called = true;
        return ignored;
      },
    });
    assert.equal(await stack.disposeAsync(), undefined);
    assert.equal(called, true);
  });

  test("[Symbol.asyncDispose] is preferred over [Symbol.dispose]", async () => {
    const stack = new ExitStack();
    const calls = [];
    stack.use({
      [Symbol.asyncDispose]: async () => calls.push("async"),
      [Symbol.dispose]: () => calls.push("sync"),
    });
    await stack.disposeAsync();
    assert.deepEqual(calls, ["async"]);
  });

  test("use(null) and use(undefined) are accepted, return their argument and are not counted in size", async () => {
    const stack = new ExitStack();
    assert.equal(stack.use(null), null);
    assert.equal(stack.use(undefined), undefined);
    assert.equal(stack.size, 0);
    stack.defer(() => {});
    stack.use(null);
    assert.equal(stack.size, 1);
    assert.equal(await stack.disposeAsync(), undefined);
  });

  test("use reads the dispose method at the call, not at disposal", async () => {
    const stack = new ExitStack();
    const calls = [];
    const resource = { [Symbol.asyncDispose]: async () => calls.push("method at use()") };
    stack.use(resource);
    resource[Symbol.asyncDispose] = async () => calls.push("method replaced later");
    await stack.disposeAsync();
    assert.deepEqual(calls, ["method at use()"]);
  });

  test("defer calls onDispose with no arguments and no this", async () => {
    const stack = new ExitStack();
    let seen;
    stack.defer(function onDispose(...args) {
      seen = { self: this, args };
    });
    await stack.disposeAsync();
    assert.deepEqual(seen, { self: undefined, args: [] });
  });

  test("adopt calls onDispose with the value as its only argument and no this", async () => {
    const stack = new ExitStack();
    const value = { handle: 7 };
    let seen;
    stack.adopt(value, function onDispose(...args) {
      seen = { self: this, args };
    });
    await stack.disposeAsync();
    assert.equal(seen.self, undefined);
    assert.equal(seen.args.length, 1);
    assert.equal(seen.args[0], value);
  });

  test("use calls [Symbol.asyncDispose] with the value as this and no arguments", async () => {
    const stack = new ExitStack();
    let seen;
    const resource = {
      async [Symbol.asyncDispose](...args) {
        seen = { self: this, args };
      },
    };
    stack.use(resource);
    await stack.disposeAsync();
    assert.equal(seen.self, resource);
    assert.deepEqual(seen.args, []);
  });

  test("use calls a sync [Symbol.dispose] with the value as this and no arguments", async () => {
    const stack = new ExitStack();
    let seen;
    const resource = {
      [Symbol.dispose](...args) {
        seen = { self: this, args };
      },
    };
    stack.use(resource);
    await stack.disposeAsync();
    assert.equal(seen.self, resource);
    assert.deepEqual(seen.args, []);
  });

  test("register(fn, a, b) calls fn(a, b) with exactly those arguments", async () => {
    const stack = new ExitStack();
    const a = { first: true };
    const b = "second";
    let seen;
    stack.register(function exitFunc(...args) {
      seen = args;
    }, a, b);
    await stack.disposeAsync();
    assert.equal(seen.length, 2);
    assert.equal(seen[0], a);
    assert.equal(seen[1], b);
  });

  test("an ExitStack can be handed to use() of another ExitStack", async () => {
    const outer = new ExitStack();
    const inner = new ExitStack();
    const calls = [];
    inner.defer(() => calls.push("inner"));
    outer.defer(() => calls.push("outer below"));
    assert.equal(outer.use(inner), inner);
    await outer.disposeAsync();
    assert.deepEqual(calls, ["inner", "outer below"]);
    assert.equal(inner.disposed, true);
  });
});

describe("errors during disposal", () => {
  test("a single failing entry rejects disposeAsync with that error itself", async () => {
    const stack = new ExitStack();
    const failure = labelled("only failure");
    stack.defer(() => {
      throw failure;
    });
    const outcome = await settle(stack.disposeAsync());
    assert.equal(outcome.status, "rejected");
    assert.equal(outcome.reason, failure);
  });

  test("a single rejected promise rejects disposeAsync with that reason itself", async () => {
    const stack = new ExitStack();
    const failure = labelled("async failure");
    stack.defer(async () => {
      await macrotask();
      throw failure;
    });
    const outcome = await settle(stack.disposeAsync());
    assert.equal(outcome.status, "rejected");
    assert.equal(outcome.reason, failure);
  });

  test("three failing defers chain as SuppressedError{E1, SuppressedError{E2, E3}} because E3 runs first", async () => {
    const stack = new ExitStack();
    const [e1, e2, e3] = [labelled("E1"), labelled("E2"), labelled("E3")];
    stack.defer(() => {
      throw e1;
    });
    stack.defer(async () => {
      throw e2;
    });
    stack.defer(() => {
      throw e3;
    });
    const { status, reason } = await settle(stack.disposeAsync());
    assert.equal(status, "rejected");
    assert.ok(isSuppressedErrorLike(reason), "the outer link is an Error with own error and suppressed");
    assert.equal(reason.error, e1);
    assert.ok(isSuppressedErrorLike(reason.suppressed), "the inner link is an Error with own error and suppressed");
    assert.equal(reason.suppressed.error, e2);
    assert.equal(reason.suppressed.suppressed, e3);
  });

  test("every link of the chained error is named SuppressedError, by constructor and by name", async () => {
    const stack = new ExitStack();
    stack.defer(() => {
      throw labelled("E1");
    });
    stack.defer(() => {
      throw labelled("E2");
    });
    stack.defer(() => {
      throw labelled("E3");
    });
    const { reason } = await settle(stack.disposeAsync());
    for (const link of [reason, reason.suppressed]) {
      assert.ok(link instanceof Error);
      assert.equal(link.constructor.name, "SuppressedError");
      assert.equal(link.name, "SuppressedError");
    }
  });

  test("every entry runs even when entries above it fail", async () => {
    const stack = new ExitStack();
    const calls = [];
    stack.defer(() => calls.push("bottom"));
    stack.defer(() => {
      calls.push("sync throw");
      throw labelled("sync");
    });
    stack.defer(() => calls.push("middle"));
    stack.defer(async () => {
      calls.push("async reject");
      await macrotask();
      throw labelled("async");
    });
    stack.use({
      [Symbol.dispose]() {
        calls.push("dispose throws");
        throw labelled("dispose");
      },
    });
    const outcome = await settle(stack.disposeAsync());
    assert.equal(outcome.status, "rejected");
    assert.deepEqual(calls, ["dispose throws", "async reject", "middle", "sync throw", "bottom"]);
  });

  test("a thrown undefined is still a failure and takes part in the chain", async () => {
    const alone = new ExitStack();
    alone.defer(() => {
      throw undefined;
    });
    const aloneOutcome = await settle(alone.disposeAsync());
    assert.deepEqual(aloneOutcome, { status: "rejected", reason: undefined });

    const chained = new ExitStack();
    const below = labelled("below");
    chained.defer(() => {
      throw below;
    });
    chained.defer(() => {
      throw undefined;
    });
    const { status, reason } = await settle(chained.disposeAsync());
    assert.equal(status, "rejected");
    assert.ok(isSuppressedErrorLike(reason));
    assert.equal(reason.error, below);
    assert.ok(Object.hasOwn(reason, "suppressed"));
    assert.equal(reason.suppressed, undefined);
  });

  test("error and suppressed are non-enumerable own data properties, as the spec creates them", async () => {
    const stack = new ExitStack();
    stack.defer(() => {
      throw labelled("E1");
    });
    stack.defer(() => {
      throw labelled("E2");
    });
    const { reason } = await settle(stack.disposeAsync());
    for (const key of ["error", "suppressed"]) {
      const descriptor = Object.getOwnPropertyDescriptor(reason, key);
      assert.ok(descriptor && "value" in descriptor, `${key} is an own data property`);
      assert.equal(descriptor.enumerable, false, `${key} is not enumerable`);
    }
  });

  test(
    "the chained error is an instance of the global SuppressedError",
    { skip: typeof globalThis.SuppressedError === "function" ? false : "this runtime has no global SuppressedError" },
    async () => {
      const stack = new ExitStack();
      stack.defer(() => {
        throw labelled("E1");
      });
      stack.defer(() => {
        throw labelled("E2");
      });
      const { reason } = await settle(stack.disposeAsync());
      assert.ok(reason instanceof globalThis.SuppressedError);
      assert.equal(Object.getPrototypeOf(reason), globalThis.SuppressedError.prototype);
    },
  );

  test(
    "on Node 20 the chained error is named SuppressedError and importing atexit created no SuppressedError global",
    { skip: nodeMajor === 20 ? false : `runs on Node 20 only (this is Node ${process.versions.node})` },
    async () => {
      assert.equal(globalThis.SuppressedError, undefined);
      assert.equal(Object.hasOwn(globalThis, "SuppressedError"), false);
      assert.equal(globalThis.AsyncDisposableStack, undefined);
      assert.equal(globalThis.DisposableStack, undefined);
      const stack = new ExitStack();
      stack.defer(() => {
        throw labelled("E1");
      });
      stack.defer(() => {
        throw labelled("E2");
      });
      const { reason } = await settle(stack.disposeAsync());
      assert.equal(reason.constructor.name, "SuppressedError");
      assert.equal(reason.name, "SuppressedError");
      assert.ok(reason instanceof Error);
      assert.equal(globalThis.SuppressedError, undefined, "disposal did not install the global either");
    },
  );
});

describe("after disposal", () => {
  test("disposed is false on a new stack and true once disposeAsync has been called", async () => {
    const stack = new ExitStack();
    assert.equal(stack.disposed, false);
    const pending = stack.disposeAsync();
    assert.equal(stack.disposed, true, "disposed is set when disposal starts");
    await pending;
    assert.equal(stack.disposed, true);
  });

  const adders = {
    use: (stack) => stack.use({ [Symbol.dispose]() {} }),
    adopt: (stack) => stack.adopt({}, () => {}),
    defer: (stack) => stack.defer(() => {}),
    move: (stack) => stack.move(),
    register: (stack) => stack.register(() => {}),
    scope: (stack) => stack.scope(),
    adoptWeak: (stack) => stack.adoptWeak({}, () => {}),
  };

  for (const [name, call] of Object.entries(adders)) {
    test(`${name} throws ReferenceError on a disposed stack`, async () => {
      const stack = new ExitStack();
      await stack.disposeAsync();
      assert.throws(() => call(stack), ReferenceError);
      assert.equal(stack.disposed, true);
      assert.equal(stack.size, 0);
    });
  }

  test("use(null) also throws ReferenceError on a disposed stack", async () => {
    const stack = new ExitStack();
    await stack.disposeAsync();
    assert.throws(() => stack.use(null), ReferenceError);
  });

  test("after disposal a ReferenceError is thrown before any argument is checked", async () => {
    const stack = new ExitStack();
    await stack.disposeAsync();
    assert.throws(() => stack.use(42), ReferenceError);
    assert.throws(() => stack.adopt({}, 42), ReferenceError);
    assert.throws(() => stack.defer(42), ReferenceError);
  });

  test("a second disposeAsync resolves undefined and runs nothing again", async () => {
    const stack = new ExitStack();
    let runs = 0;
    stack.defer(() => runs++);
    await stack.disposeAsync();
    assert.equal(await stack.disposeAsync(), undefined);
    assert.equal(runs, 1);
  });

  test("a second disposeAsync after a failed disposal resolves undefined", async () => {
    const stack = new ExitStack();
    stack.defer(() => {
      throw labelled("once");
    });
    assert.equal((await settle(stack.disposeAsync())).status, "rejected");
    assert.equal(await stack.disposeAsync(), undefined);
  });

  test("[Symbol.asyncDispose] is the same function as disposeAsync", () => {
    assert.equal(typeof ExitStack.prototype.disposeAsync, "function");
    assert.equal(ExitStack.prototype[Symbol.asyncDispose], ExitStack.prototype.disposeAsync);
  });

  test("[Symbol.asyncDispose]() disposes the stack exactly like disposeAsync", async () => {
    const stack = new ExitStack();
    const calls = [];
    stack.defer(() => calls.push("a"));
    stack.defer(async () => calls.push("b"));
    const result = await stack[Symbol.asyncDispose]();
    assert.equal(result, undefined);
    assert.deepEqual(calls, ["b", "a"]);
    assert.equal(stack.disposed, true);
    assert.equal(await stack.disposeAsync(), undefined);
    assert.deepEqual(calls, ["b", "a"]);
  });

  test("[Symbol.asyncDispose]() rejects with the chained error like disposeAsync", async () => {
    const stack = new ExitStack();
    const failure = labelled("E");
    stack.defer(() => {
      throw failure;
    });
    const outcome = await settle(stack[Symbol.asyncDispose]());
    assert.deepEqual(outcome, { status: "rejected", reason: failure });
  });

  test("entries added during a plain disposeAsync throw ReferenceError and disposed is already true", async () => {
    const stack = new ExitStack();
    const seen = [];
    stack.defer(() => seen.push("below still runs"));
    stack.defer(() => {
      seen.push(`disposed inside entry: ${stack.disposed}`);
      for (const [name, call] of Object.entries(adders)) {
        try {
          call(stack);
          seen.push(`${name}: accepted`);
        } catch (error) {
          seen.push(`${name}: ${error.constructor.name}`);
        }
      }
    });
    await stack.disposeAsync();
    assert.deepEqual(seen, [
      "disposed inside entry: true",
      "use: ReferenceError",
      "adopt: ReferenceError",
      "defer: ReferenceError",
      "move: ReferenceError",
      "register: ReferenceError",
      "scope: ReferenceError",
      "adoptWeak: ReferenceError",
      "below still runs",
    ]);
  });
});

describe("move", () => {
  test("move returns a new open ExitStack holding the pending entries in their order", async () => {
    const stack = new ExitStack();
    const calls = [];
    stack.defer(() => calls.push(1));
    stack.use({ [Symbol.dispose]: () => calls.push(2) });
    stack.adopt(3, (value) => calls.push(value));
    stack.register((value) => calls.push(value), 4);
    const moved = stack.move();
    assert.ok(moved instanceof ExitStack);
    assert.notEqual(moved, stack);
    assert.equal(moved.disposed, false);
    assert.equal(moved.size, 4);
    assert.deepEqual(calls, [], "move runs nothing");
    await moved.disposeAsync();
    assert.deepEqual(calls, [4, 3, 2, 1]);
  });

  test("the stack moved from is disposed, empty, and disposing it runs nothing", async () => {
    const stack = new ExitStack();
    let runs = 0;
    stack.defer(() => runs++);
    const moved = stack.move();
    assert.equal(stack.disposed, true);
    assert.equal(stack.size, 0);
    assert.equal(await stack.disposeAsync(), undefined);
    assert.equal(runs, 0);
    assert.throws(() => stack.defer(() => {}), ReferenceError);
    await moved.disposeAsync();
    assert.equal(runs, 1);
  });

  test("move of an empty stack returns an empty open ExitStack", () => {
    const stack = new ExitStack();
    const moved = stack.move();
    assert.ok(moved instanceof ExitStack);
    assert.equal(moved.size, 0);
    assert.equal(moved.disposed, false);
    assert.equal(stack.disposed, true);
  });

  test("the moved stack accepts new entries on top of the moved ones", async () => {
    const stack = new ExitStack();
    const calls = [];
    stack.defer(() => calls.push("moved"));
    const moved = stack.move();
    moved.defer(() => calls.push("added after move"));
    await moved.disposeAsync();
    assert.deepEqual(calls, ["added after move", "moved"]);
  });

  test("unregister on the moved stack finds the moved entries", async () => {
    const stack = new ExitStack();
    const calls = [];
    const removed = () => calls.push("removed");
    const resource = { [Symbol.dispose]: () => calls.push("resource") };
    stack.register(removed);
    stack.use(resource);
    stack.defer(() => calls.push("kept"));
    const moved = stack.move();
    assert.equal(stack.unregister(removed), false, "the old stack holds nothing any more");
    assert.equal(moved.unregister(removed), true);
    assert.equal(moved.unregister(resource), true);
    assert.equal(moved.size, 1);
    await moved.disposeAsync();
    assert.deepEqual(calls, ["kept"]);
  });

  test("a scope child moved along still removes itself from its new parent when disposed", async () => {
    const parent = new ExitStack();
    const calls = [];
    parent.defer(() => calls.push("parent bottom"));
    const child = parent.scope();
    child.defer(() => calls.push("child entry"));
    parent.defer(() => calls.push("parent top"));
    const moved = parent.move();
    assert.equal(moved.size, 3);
    await child.disposeAsync();
    assert.deepEqual(calls, ["child entry"]);
    assert.equal(moved.size, 2, "the child removed itself from the stack it was moved to");
    await moved.disposeAsync();
    assert.deepEqual(calls, ["child entry", "parent top", "parent bottom"]);
  });

  test("a scope child moved along is disposed in its place by its new parent", async () => {
    const parent = new ExitStack();
    const calls = [];
    parent.defer(() => calls.push("parent bottom"));
    const child = parent.scope();
    child.defer(() => calls.push("child entry"));
    parent.defer(() => calls.push("parent top"));
    const moved = parent.move();
    await moved.disposeAsync();
    assert.deepEqual(calls, ["parent top", "child entry", "parent bottom"]);
    assert.equal(child.disposed, true);
  });
});

describe("scope", () => {
  test("scope returns an open ExitStack that counts as one entry of its parent", () => {
    const parent = new ExitStack();
    parent.defer(() => {});
    const child = parent.scope();
    assert.ok(child instanceof ExitStack);
    assert.notEqual(child, parent);
    assert.equal(child.disposed, false);
    assert.equal(child.size, 0);
    assert.equal(parent.size, 2);
  });

  test("a child disposed on its own runs its entries and removes itself from its parent", async () => {
    const parent = new ExitStack();
    const calls = [];
    parent.defer(() => calls.push("parent"));
    const child = parent.scope();
    child.defer(() => calls.push("child"));
    assert.equal(parent.size, 2);
    await child.disposeAsync();
    assert.deepEqual(calls, ["child"]);
    assert.equal(parent.size, 1);
    await parent.disposeAsync();
    assert.deepEqual(calls, ["child", "parent"], "the child's entries ran once");
  });

  test("a child closed through [Symbol.asyncDispose], as await using does, removes itself from its parent", async () => {
    const parent = new ExitStack();
    const child = parent.scope();
    child.defer(() => {});
    await child[Symbol.asyncDispose]();
    assert.equal(parent.size, 0);
  });

  test("disposing the parent disposes the child in its place", async () => {
    const parent = new ExitStack();
    const calls = [];
    parent.defer(() => calls.push("parent 1"));
    const child = parent.scope();
    parent.defer(() => calls.push("parent 2"));
    child.defer(() => calls.push("child 1"));
    child.defer(async () => {
      await macrotask();
      calls.push("child 2");
    });
    parent.defer(() => calls.push("parent 3"));
    await parent.disposeAsync();
    assert.deepEqual(calls, ["parent 3", "parent 2", "child 2", "child 1", "parent 1"]);
    assert.equal(child.disposed, true);
    assert.equal(await child.disposeAsync(), undefined);
    assert.equal(calls.length, 5, "nothing ran twice");
  });

  test("nested scopes dispose in one reverse order across all levels", async () => {
    const root = new ExitStack();
    const calls = [];
    root.defer(() => calls.push("root 1"));
    const child = root.scope();
    child.defer(() => calls.push("child 1"));
    const grandchild = child.scope();
    grandchild.defer(() => calls.push("grandchild 1"));
    child.defer(() => calls.push("child 2"));
    grandchild.defer(() => calls.push("grandchild 2"));
    root.defer(() => calls.push("root 2"));
    await root.disposeAsync();
    assert.deepEqual(calls, ["root 2", "child 2", "grandchild 2", "grandchild 1", "child 1", "root 1"]);
    assert.equal(child.disposed, true);
    assert.equal(grandchild.disposed, true);
  });

  test("a grandchild disposed on its own leaves only its own place empty", async () => {
    const root = new ExitStack();
    const calls = [];
    const child = root.scope();
    child.defer(() => calls.push("child 1"));
    const grandchild = child.scope();
    grandchild.defer(() => calls.push("grandchild"));
    child.defer(() => calls.push("child 2"));
    assert.equal(child.size, 3);
    await grandchild.disposeAsync();
    assert.equal(child.size, 2);
    assert.equal(root.size, 1);
    await root.disposeAsync();
    assert.deepEqual(calls, ["grandchild", "child 2", "child 1"]);
  });

  test("an error in a child is chained into the parent's rejection at the child's position", async () => {
    const parent = new ExitStack();
    const below = labelled("parent below");
    const inChild = labelled("in child");
    const above = labelled("parent above");
    parent.defer(() => {
      throw below;
    });
    const child = parent.scope();
    child.defer(() => {
      throw inChild;
    });
    parent.defer(() => {
      throw above;
    });
    const { status, reason } = await settle(parent.disposeAsync());
    assert.equal(status, "rejected");
    assert.ok(reason instanceof Error);
    assert.equal(reason.error, below);
    assert.equal(reason.suppressed.error, inChild);
    assert.equal(reason.suppressed.suppressed, above);
  });

  test("the parent's run() disposes the child and the parent stays open", async () => {
    const parent = new ExitStack();
    const calls = [];
    const child = parent.scope();
    child.defer(() => calls.push("child"));
    await parent.run();
    assert.deepEqual(calls, ["child"]);
    assert.equal(child.disposed, true);
    assert.equal(parent.disposed, false);
    assert.equal(parent.size, 0);
  });

  test("a child disposed while its parent is open can be followed by a new scope", async () => {
    const parent = new ExitStack();
    const first = parent.scope();
    await first.disposeAsync();
    const second = parent.scope();
    assert.equal(parent.size, 1);
    assert.equal(second.disposed, false);
    await parent.disposeAsync();
    assert.equal(second.disposed, true);
  });
});

describe("adoptWeak while the value is alive", () => {
  test("adoptWeak returns the value and calls onDispose(value) with no this at disposal", async () => {
    const stack = new ExitStack();
    const value = { weakly: "held" };
    let seen;
    assert.equal(
      stack.adoptWeak(value, function onDispose(...args) {
        seen = { self: this, args };
      }),
      value,
    );
    assert.equal(stack.size, 1);
    await stack.disposeAsync();
    assert.equal(seen.self, undefined);
    assert.equal(seen.args.length, 1);
    assert.equal(seen.args[0], value);
  });

  test("adoptWeak entries take their place in the reverse order and are awaited", async () => {
    const stack = new ExitStack();
    const calls = [];
    const values = [{ n: 1 }, { n: 2 }];
    stack.defer(() => calls.push("defer"));
    stack.adoptWeak(values[0], async (value) => {
      await macrotask();
      calls.push(`weak ${value.n}`);
    });
    stack.adopt(values[1], (value) => calls.push(`adopt ${value.n}`));
    await stack.disposeAsync();
    assert.deepEqual(calls, ["adopt 2", "weak 1", "defer"]);
  });

  test("unregister removes an adoptWeak entry by its value or by its onDispose", async () => {
    const stack = new ExitStack();
    const calls = [];
    const byValue = { name: "by value" };
    const byFunction = { name: "by function" };
    const onDisposeA = (value) => calls.push(value.name);
    const onDisposeB = (value) => calls.push(value.name);
    stack.adoptWeak(byValue, onDisposeA);
    stack.adoptWeak(byFunction, onDisposeB);
    assert.equal(stack.unregister(byValue), true);
    assert.equal(stack.unregister(onDisposeB), true);
    assert.equal(stack.size, 0);
    await stack.disposeAsync();
    assert.deepEqual(calls, []);
  });
});
