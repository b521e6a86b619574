// ExitStack's Python operations (SPEC §2.1, §4): register, unregister, size, run(), clear().
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ExitStack } from "atexit";
import { isSuppressedErrorLike, labelled, macrotask, settle } from "./helpers.mjs";

describe("register", () => {
  test("register returns the function it was given", () => {
    const stack = new ExitStack();
    const exitFunc = () => {};
    assert.equal(stack.register(exitFunc), exitFunc);
    assert.equal(stack.register(exitFunc, 1, 2), exitFunc);
  });

  test("a function registered twice is kept twice and runs twice", async () => {
    const stack = new ExitStack();
    const calls = [];
    const exitFunc = (label) => calls.push(label);
    stack.register(exitFunc, "first");
    stack.register(exitFunc, "second");
    assert.equal(stack.size, 2);
    await stack.disposeAsync();
    assert.deepEqual(calls, ["second", "first"]);
  });

  test("register awaits the promise its function returns", async () => {
    const stack = new ExitStack();
    const calls = [];
    stack.register(() => calls.push("below"));
    stack.register(async () => {
      await macrotask();
      calls.push("async finished");
    });
    await stack.disposeAsync();
    assert.deepEqual(calls, ["async finished", "below"]);
  });
});

describe("unregister", () => {
  test("unregister removes every entry with that function: register, defer and adopt's onDispose", async () => {
    const stack = new ExitStack();
    const calls = [];
    const target = (...args) => calls.push(["target", ...args]);
    const other = () => calls.push(["other"]);
    stack.register(target, "registered");
    stack.defer(target);
    stack.register(other);
    stack.adopt("adopted value", target);
    stack.register(target, "registered again");
    assert.equal(stack.size, 5);
    assert.equal(stack.unregister(target), true);
    assert.equal(stack.size, 1);
    await stack.disposeAsync();
    assert.deepEqual(calls, [["other"]]);
  });

  test("unregister removes entries by their resource: use's value and adopt's value", async () => {
    const stack = new ExitStack();
    const calls = [];
    const resource = { [Symbol.asyncDispose]: async () => calls.push("resource") };
    const adopted = { handle: 1 };
    stack.use(resource);
    stack.adopt(adopted, () => calls.push("adopted"));
    stack.defer(() => calls.push("kept"));
    stack.use(resource);
    assert.equal(stack.unregister(resource), true);
    assert.equal(stack.size, 2);
    assert.equal(stack.unregister(adopted), true);
    assert.equal(stack.size, 1);
    await stack.disposeAsync();
    assert.deepEqual(calls, ["kept"]);
  });

  test("unregister compares by identity, not by equality", async () => {
    const stack = new ExitStack();
    const calls = [];
    const exitFunc = () => calls.push("exitFunc");
    const lookalike = () => calls.push("exitFunc");
    const resource = { id: 1, [Symbol.dispose]: () => calls.push("resource") };
    const equalResource = { id: 1, [Symbol.dispose]: resource[Symbol.dispose] };
    stack.register(exitFunc);
    stack.use(resource);
    assert.equal(stack.unregister(lookalike), false);
    assert.equal(stack.unregister(exitFunc.bind(null)), false);
    assert.equal(stack.unregister(equalResource), false);
    assert.equal(stack.size, 2);
    await stack.disposeAsync();
    assert.deepEqual(calls, ["resource", "exitFunc"]);
  });

  test("unregister returns false when nothing matched, including for an argument given to register", () => {
    const stack = new ExitStack();
    const argument = { passed: "as an argument" };
    stack.register(() => {}, argument);
    assert.equal(stack.unregister(argument), false);
    assert.equal(stack.unregister(() => {}), false);
    assert.equal(stack.unregister({}), false);
    assert.equal(stack.size, 1);
  });

  test("unregister removes an adopt entry whose value is a primitive, by that value", async () => {
    // adopt accepts any value (as AsyncDisposableStack.prototype.adopt does), and SPEC says
    // unregister removes entries by adopt's value, compared by identity (=== for primitives).
    const stack = new ExitStack();
    const calls = [];
    stack.adopt("worker-7", (name) => calls.push(name));
    stack.adopt(8080, (port) => calls.push(port));
    stack.defer(() => calls.push("kept"));
    assert.equal(stack.unregister("worker-7"), true);
    assert.equal(stack.unregister(8080), true);
    assert.equal(stack.size, 1);
    await stack.disposeAsync();
    assert.deepEqual(calls, ["kept"]);
  });

  test("unregister returns true once and false once the target's entries are gone", () => {
    const stack = new ExitStack();
    const exitFunc = () => {};
    stack.register(exitFunc);
    stack.register(exitFunc);
    assert.equal(stack.unregister(exitFunc), true);
    assert.equal(stack.unregister(exitFunc), false);
    assert.equal(stack.size, 0);
  });

  test("unregister leaves the other entries in their order", async () => {
    const stack = new ExitStack();
    const calls = [];
    const removed = () => calls.push("removed");
    for (let index = 0; index < 6; index++) {
      if (index % 2 === 0) stack.register(removed);
      stack.register((n) => calls.push(n), index);
    }
    stack.unregister(removed);
    await stack.disposeAsync();
    assert.deepEqual(calls, [5, 4, 3, 2, 1, 0]);
  });

  test("a function unregistered and registered again runs once, at its new position", async () => {
    const stack = new ExitStack();
    const calls = [];
    const exitFunc = () => calls.push("exitFunc");
    stack.register(exitFunc);
    stack.defer(() => calls.push("middle"));
    stack.unregister(exitFunc);
    stack.register(exitFunc);
    await stack.disposeAsync();
    assert.deepEqual(calls, ["exitFunc", "middle"]);
  });

  test("an entry unregistered during disposal before its turn does not run", async () => {
    const stack = new ExitStack();
    const calls = [];
    const later = () => calls.push("later");
    const resource = { [Symbol.dispose]: () => calls.push("resource") };
    stack.register(later);
    stack.defer(() => calls.push("kept"));
    stack.use(resource);
    stack.defer(async () => {
      calls.push("first");
      await macrotask();
      calls.push(`unregister later: ${stack.unregister(later)}`);
      calls.push(`unregister resource: ${stack.unregister(resource)}`);
    });
    await stack.disposeAsync();
    assert.deepEqual(calls, ["first", "unregister later: true", "unregister resource: true", "kept"]);
  });

  test("unregister during disposal returns false for an entry that already ran", async () => {
    const stack = new ExitStack();
    const calls = [];
    const ranFirst = () => calls.push("ranFirst");
    stack.defer(() => calls.push(`unregister after it ran: ${stack.unregister(ranFirst)}`));
    stack.register(ranFirst);
    await stack.disposeAsync();
    assert.deepEqual(calls, ["ranFirst", "unregister after it ran: false"]);
  });

  test("unregister on a disposed stack returns false without throwing", async () => {
    // Not in SPEC's ReferenceError list; Python's unregister never raises.
    const stack = new ExitStack();
    const exitFunc = () => {};
    stack.register(exitFunc);
    await stack.disposeAsync();
    assert.equal(stack.unregister(exitFunc), false);
  });
});

describe("size", () => {
  test("size counts the pending entries of every kind", async () => {
    const stack = new ExitStack();
    const exitFunc = () => {};
    assert.equal(stack.size, 0);
    stack.register(exitFunc);
    assert.equal(stack.size, 1);
    stack.defer(() => {});
    stack.adopt({}, () => {});
    stack.use({ [Symbol.dispose]() {} });
    stack.adoptWeak({}, () => {});
    stack.use(null);
    stack.use(undefined);
    stack.scope();
    assert.equal(stack.size, 6);
    stack.unregister(exitFunc);
    assert.equal(stack.size, 5);
    await stack.disposeAsync();
    assert.equal(stack.size, 0);
  });

  test("size is 0 after clear and after run", async () => {
    const stack = new ExitStack();
    stack.defer(() => {});
    stack.clear();
    assert.equal(stack.size, 0);
    stack.defer(() => {});
    await stack.run();
    assert.equal(stack.size, 0);
  });
});

describe("run", () => {
  test("run disposes the pending entries in reverse order, resolves undefined and leaves the stack open", async () => {
    const stack = new ExitStack();
    const calls = [];
    stack.defer(() => calls.push(1));
    stack.register(async () => {
      await macrotask();
      calls.push(2);
    });
    stack.use({ [Symbol.dispose]: () => calls.push(3) });
    assert.equal(await stack.run(), undefined);
    assert.deepEqual(calls, [3, 2, 1]);
    assert.equal(stack.disposed, false);
    assert.equal(stack.size, 0);
    stack.defer(() => calls.push(4));
    assert.equal(stack.size, 1);
    await stack.disposeAsync();
    assert.deepEqual(calls, [3, 2, 1, 4], "entries that already ran do not run again");
  });

  test("entries added during run are accepted and run next, on top of the rest", async () => {
    const stack = new ExitStack();
    const calls = [];
    stack.defer(() => calls.push("bottom"));
    stack.defer(() => {
      calls.push("adds two");
      assert.equal(stack.disposed, false);
      stack.defer(() => calls.push("added first"));
      stack.register(async () => {
        await macrotask();
        calls.push("added second");
      });
    });
    stack.defer(() => calls.push("top"));
    await stack.run();
    assert.deepEqual(calls, ["top", "adds two", "added second", "added first", "bottom"]);
    assert.equal(stack.size, 0);
  });

  test("entries added after run resolved wait for the next run", async () => {
    const stack = new ExitStack();
    let runs = 0;
    stack.defer(() => runs++);
    await stack.run();
    stack.defer(() => runs++);
    assert.equal(runs, 1);
    await stack.run();
    assert.equal(runs, 2);
    await stack.run();
    assert.equal(runs, 2);
  });

  test("run rejects with the chained error after running every entry, and the stack stays open", async () => {
    const stack = new ExitStack();
    const calls = [];
    const [e1, e2] = [labelled("E1"), labelled("E2")];
    stack.defer(() => {
      calls.push("e1");
      throw e1;
    });
    stack.defer(() => calls.push("between"));
    stack.defer(async () => {
      calls.push("e2");
      throw e2;
    });
    const { status, reason } = await settle(stack.run());
    assert.equal(status, "rejected");
    assert.ok(isSuppressedErrorLike(reason));
    assert.equal(reason.error, e1);
    assert.equal(reason.suppressed, e2);
    assert.deepEqual(calls, ["e2", "between", "e1"]);
    assert.equal(stack.disposed, false);
    assert.equal(stack.size, 0);
  });

  test("run rejects with a single failure itself", async () => {
    const stack = new ExitStack();
    const failure = labelled("single");
    stack.defer(() => {
      throw failure;
    });
    assert.deepEqual(await settle(stack.run()), { status: "rejected", reason: failure });
  });

  test("an entry unregistered during run before its turn does not run", async () => {
    const stack = new ExitStack();
    const calls = [];
    const later = () => calls.push("later");
    stack.register(later);
    stack.defer(() => calls.push(`unregistered: ${stack.unregister(later)}`));
    await stack.run();
    assert.deepEqual(calls, ["unregistered: true"]);
  });

  test("move during run hands the pending entries to the new stack: they do not run in that run()", async () => {
    // The stack is open during run(), so move() is allowed; SPEC: move "returns a new ExitStack
    // holding all pending entries; this stack becomes disposed".
    const stack = new ExitStack();
    const calls = [];
    let moved;
    stack.defer(() => calls.push("below"));
    stack.defer(() => {
      moved = stack.move();
      calls.push("moved");
    });
    await stack.run();
    assert.deepEqual(calls, ["moved"], "the moved entry is not run by the old stack's run()");
    assert.equal(stack.disposed, true);
    assert.equal(moved.size, 1);
    await moved.disposeAsync();
    assert.deepEqual(calls, ["moved", "below"], "the moved entry runs once, with its new stack");
  });

  test("disposeAsync while run() is in progress still runs one entry at a time, each once", async () => {
    const stack = new ExitStack();
    const calls = [];
    stack.defer(() => calls.push("below"));
    stack.defer(async () => {
      calls.push("slow start");
      await macrotask();
      await macrotask();
      calls.push("slow end");
    });
    const running = stack.run();
    await null; // the slow entry has started
    const disposing = stack.disposeAsync();
    assert.equal(stack.disposed, true);
    await Promise.all([running, disposing]);
    assert.deepEqual(calls, ["slow start", "slow end", "below"]);
  });

  test("run on an empty stack resolves undefined", async () => {
    const stack = new ExitStack();
    assert.equal(await stack.run(), undefined);
    assert.equal(stack.disposed, false);
  });
});

describe("clear", () => {
  test("clear drops every pending entry without running it", async () => {
    const stack = new ExitStack();
    const calls = [];
    stack.defer(() => calls.push("defer"));
    stack.register(() => calls.push("register"));
    stack.adopt({}, () => calls.push("adopt"));
    stack.use({ [Symbol.dispose]: () => calls.push("use") });
    stack.clear();
    assert.equal(stack.size, 0);
    await stack.disposeAsync();
    assert.deepEqual(calls, []);
  });

  test("the stack stays open after clear and runs what is added later", async () => {
    const stack = new ExitStack();
    const calls = [];
    const exitFunc = () => calls.push("exitFunc");
    stack.register(exitFunc);
    stack.clear();
    assert.equal(stack.disposed, false);
    assert.equal(stack.unregister(exitFunc), false, "cleared entries cannot be unregistered");
    stack.register(exitFunc);
    await stack.disposeAsync();
    assert.deepEqual(calls, ["exitFunc"]);
  });
});
