/**
 * The CommonJS entry: `require("atexit")` is the process registry itself, the
 * same object as `import atexit from "atexit"`, so
 * `const atexit = require("atexit"); atexit.register(f); atexit.size` works as
 * in Python. The ES module's other exports ride on it as non-enumerable
 * properties: `require("atexit").ExitStack`, and `.default` (itself) for code
 * compiled from `import atexit from "atexit"`. The named functions
 * (`const { register } = require("atexit")`) are the registry's own bound methods.
 *
 * It holds no implementation: it loads the ES module with `require()` (Node ≥ 20.19
 * and ≥ 22.12, Bun, Deno), so a process that loads both entries has one `ExitStack`
 * class, and a bundler bundles one copy. Where the loader cannot `require()` an ES
 * module (Jest's), it loads the same implementation built as CommonJS.
 * @module
 */
import type * as esm from "./index.js" with { "resolution-mode": "import" };

type CommonJsExports = typeof esm.default & {
  /** The registry itself, for code compiled from `import atexit from "atexit"`. */
  readonly default: typeof esm.default;
  /** The `ExitStack` class, as `import { ExitStack } from "atexit"` gives it. */
  readonly ExitStack: typeof esm.ExitStack;
};

const implementation = loadImplementation();

function loadImplementation(): typeof esm {
  // Jest's module loader cannot require() an ES module, and says so in the flag Node sets
  // where it can (Jest sets it to false in its sandbox). Asked through createRequire, so that
  // a bundler, which follows require("…") calls, bundles one copy: the ES module.
  if ((process.features as { require_module?: boolean }).require_module === false) return nodeRequire()("./commonjs.cjs") as typeof esm;
  try {
    return require("./index.js") as typeof esm;
  } catch (error) {
    // Node 20's ES module loader runs a CommonJS module whose source a customization hook
    // supplied (atexit's own loader does, for a rewritten module) with a require() of its
    // own, which has no `cache` and cannot load an ES module; Node's require can.
    if (typeof require.cache === "object") throw error;
    return nodeRequire()("./index.js") as typeof esm;
  }
}

/** The runtime's require() for this file (the one a sandbox provides, in a sandbox). */
function nodeRequire(): NodeJS.Require {
  return process.getBuiltinModule("node:module").createRequire(__filename);
}

/**
 * This thread's process registry: an `ExitStack` disposed once, in reverse
 * order, however the process ends (the event loop drains, `process.exit()`, a
 * signal, an uncaught error). Every copy of atexit in the thread (ESM and
 * CommonJS, other installed versions) shares this one object.
 *
 * @example
 * ```ts
 * const atexit = require("atexit");
 *
 * atexit.register(() => console.log("goodbye"));
 * const server = atexit.use(http.createServer(app).listen(8080));
 * ```
 */
const atexit = implementation.default as CommonJsExports;
for (const [key, value] of [
  ["default", implementation.default],
  ["ExitStack", implementation.ExitStack],
] as const) {
  // Another copy (another version) may have put them there first; keep its.
  if (!Object.hasOwn(atexit, key)) Object.defineProperty(atexit, key, { value, enumerable: false, configurable: true });
}

// The types a CommonJS consumer names: `import type { ExitReason } from "atexit"`, `let s: atexit.ExitStack`;
// every type the ES module exports (test/package/types.test.mjs checks that none is missing).
declare namespace atexit {
  export type ExitStack = esm.ExitStack;
  export type ExitReason = esm.ExitReason;
  export type ConfigureOptions = esm.ConfigureOptions;
  export type KnownResource = esm.KnownResource;
  export type ProcessRegistry = esm.ProcessRegistry;
  export type SignalName = esm.SignalName;
}

export = atexit;
