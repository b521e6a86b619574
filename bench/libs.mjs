/**
 * One adapter per library under test, so every measurement drives atexit and
 * its peers through the same three operations:
 *
 *   add(i)     registers entry i (function fns[i], or resource objs[i])
 *   remove(i)  unregisters entry i, or is undefined when the library cannot
 *   stack()    for the disposal measurements: an object with defer(fn) and
 *              disposeAsync(), or undefined when the library has none
 *   scope()    what a request handler opens per request: atexit's scope() of the
 *              process registry, or a stack of its own for a peer that has one
 *
 * Each adapter is loaded by a fresh child process (bench/child.mjs), so the
 * libraries never share JIT state, globals or process listeners.
 */

/** Library name → which runtimes it is measured on and how it is loaded. */
export const LIBRARIES = {
  "atexit": { label: "atexit", runtimes: ["node20", "node24", "bun", "deno"] },
  "native-ads": { label: "native AsyncDisposableStack", runtimes: ["node24", "bun", "deno"] },
  "corejs-ads": { label: "core-js-pure AsyncDisposableStack", runtimes: ["node20"] },
  "signal-exit": { label: "signal-exit", runtimes: ["node20", "node24", "bun", "deno"] },
  "exit-hook": { label: "exit-hook", runtimes: ["node20", "node24", "bun", "deno"] },
  "async-exit-hook": { label: "async-exit-hook", runtimes: ["node20", "node24", "bun", "deno"] },
  "on-exit-leak-free": { label: "on-exit-leak-free", runtimes: ["node20", "node24", "bun", "deno"] },
  "python": { label: "Python atexit", runtimes: ["python3"] },
  // Not a peer: the least any implementation of atexit's contract does, measured beside it
  // (BENCHMARKS.md, "Where atexit is slower"): never counted as the best peer.
  "bare": { label: "bare operation", runtimes: ["node20", "node24"], reference: true },
  // Not a peer either: the bare disposal loop with then() in place of await (core-js-pure's way).
  "bare-then": { label: "bare operation with then()", runtimes: ["node20", "node24"], reference: true },
};

/**
 * The bare operations, in the shape atexit has to have: a class whose stack is a private field,
 * a bound method that checks the stack is open and the argument callable, then pushes one slot;
 * a removal that builds its index (a Map from target to position) on first use; an async loop
 * that pops and awaits.
 */
class BareStack {
  #slots = [];
  #index = undefined;
  disposed = false;
  defer(fn) {
    if (this.disposed || typeof fn !== "function") throw new TypeError("Expected a function");
    this.#slots.push(fn);
  }
  unregister(fn) {
    const slots = this.#slots;
    if (this.#index === undefined) {
      this.#index = new Map();
      for (let position = 0; position < slots.length; position++) this.#index.set(slots[position], position);
    }
    const position = this.#index.get(fn);
    if (position === undefined) return false;
    this.#index.delete(fn);
    slots[position] = undefined;
    return true;
  }
  async disposeAsync() {
    const slots = this.#slots;
    while (slots.length > 0) {
      const fn = slots.pop();
      if (fn !== undefined) await fn();
    }
  }
}

/** The same disposal, each result chained with then() instead of awaited. */
class BareThenStack {
  #slots = [];
  defer(fn) {
    this.#slots.push(fn);
  }
  disposeAsync() {
    const slots = this.#slots;
    return new Promise((resolve) => {
      const next = () => {
        const fn = slots.pop();
        if (fn === undefined) return resolve();
        Promise.resolve(fn()).then(next, next);
      };
      next();
    });
  }
}

/**
 * Loads library `name` and returns its adapter over the pre-built `fns`/`objs`
 * (built before any timing starts, so creating closures is never timed).
 */
export async function loadAdapter(name, op, fns, objs) {
  switch (name) {
    case "atexit": {
      const atexit = (await import("atexit")).default;
      const add =
        op === "defer" ? (i) => atexit.defer(fns[i])
        : op === "use" ? (i) => atexit.use(objs[i])
        : (i) => atexit.register(fns[i]);
      return {
        add,
        remove: op === "use" ? (i) => atexit.unregister(objs[i]) : (i) => atexit.unregister(fns[i]),
        addWeak: (value, onDispose) => atexit.adoptWeak(value, onDispose),
        size: () => atexit.size,
        stack: async () => new (await import("atexit")).ExitStack(),
        // A per-request scope: a child of the process registry.
        scope: () => atexit.scope(),
      };
    }
    case "bare": {
      const stack = new BareStack();
      const defer = stack.defer.bind(stack);
      const unregister = stack.unregister.bind(stack);
      return {
        add: (i) => defer(fns[i]),
        remove: (i) => unregister(fns[i]),
        stack: async () => new BareStack(),
      };
    }
    case "bare-then": {
      return { add: undefined, remove: undefined, stack: async () => new BareThenStack() };
    }
    case "native-ads": {
      const Stack = globalThis.AsyncDisposableStack;
      if (typeof Stack !== "function") throw new Error("this runtime has no native AsyncDisposableStack");
      return stackAdapter(new Stack(), Stack, op, fns, objs);
    }
    case "corejs-ads": {
      const { createRequire } = await import("node:module");
      const Stack = createRequire(import.meta.url)("core-js-pure/es/async-disposable-stack/index.js");
      return stackAdapter(new Stack(), Stack, op, fns, objs);
    }
    case "signal-exit": {
      const { onExit } = await import("signal-exit");
      const removers = [];
      return {
        // The removers are the harness's, not the library's: not kept when measuring memory.
        add: op === "memory" ? (i) => onExit(fns[i]) : (i) => { removers[i] = onExit(fns[i]); },
        remove: (i) => removers[i](),
        // signal-exit runs its handlers after every process 'exit' listener:
        // the end-of-disposal probe must be its own last handler.
        onLastExit: (probe) => onExit(probe, { alwaysLast: true }),
      };
    }
    case "exit-hook": {
      const { default: exitHook } = await import("exit-hook");
      const removers = [];
      return {
        add: op === "memory" ? (i) => exitHook(fns[i]) : (i) => { removers[i] = exitHook(fns[i]); },
        remove: (i) => removers[i](),
      };
    }
    case "async-exit-hook": {
      const { createRequire } = await import("node:module");
      const hook = createRequire(import.meta.url)("async-exit-hook");
      return { add: (i) => hook(fns[i]), remove: undefined };
    }
    case "on-exit-leak-free": {
      const { createRequire } = await import("node:module");
      const { register, unregister } = createRequire(import.meta.url)("on-exit-leak-free");
      const onExit = (obj) => obj.run();
      return {
        add: (i) => register(objs[i], onExit),
        remove: (i) => unregister(objs[i]),
        addWeak: (value, onDispose) => register(value, onDispose),
      };
    }
    default:
      throw new Error(`Expected a library name from bench/libs.mjs, got ${JSON.stringify(name)}`);
  }
}

function stackAdapter(instance, Stack, op, fns, objs) {
  return {
    add: op === "use" ? (i) => instance.use(objs[i]) : (i) => instance.defer(fns[i]),
    remove: undefined,
    stack: async () => new Stack(),
    // What a handler without atexit would open per request: a stack of its own.
    scope: () => new Stack(),
  };
}
