/**
 * One adapter per library under test, so every measurement drives atexit and
 * its peers through the same three operations:
 *
 *   add(i)     registers entry i (function fns[i], or resource objs[i])
 *   remove(i)  unregisters entry i, or is undefined when the library cannot
 *   stack()    for the disposal measurements: an object with defer(fn) and
 *              disposeAsync(), or undefined when the library has none
 *
 * Each adapter is loaded by a fresh child process (bench/child.mjs), so the
 * libraries never share JIT state, globals or process listeners.
 */

/** Library name → which runtimes it is measured on and how it is loaded. */
export const LIBRARIES = {
  "atexit": { label: "atexit", runtimes: ["node20", "node24"] },
  "native-ads": { label: "native AsyncDisposableStack", runtimes: ["node24"] },
  "corejs-ads": { label: "core-js-pure AsyncDisposableStack", runtimes: ["node20"] },
  "signal-exit": { label: "signal-exit", runtimes: ["node20", "node24"] },
  "exit-hook": { label: "exit-hook", runtimes: ["node20", "node24"] },
  "async-exit-hook": { label: "async-exit-hook", runtimes: ["node20", "node24"] },
  "on-exit-leak-free": { label: "on-exit-leak-free", runtimes: ["node20", "node24"] },
  "python": { label: "Python atexit", runtimes: ["python3"] },
};

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
      };
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
  };
}
