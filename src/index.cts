/**
 * The CommonJS entry: `require("atexit")` is the process registry itself, the
 * same object as `import atexit from "atexit"` (SPEC §1), so
 * `const atexit = require("atexit"); atexit.register(f); atexit.size` works as
 * in Python. The ES module's other exports ride on it as non-enumerable
 * properties: `require("atexit").ExitStack`, and `.default` (itself) for code
 * compiled from `import atexit from "atexit"`. The named functions
 * (`const { register } = require("atexit")`) are the registry's own bound methods.
 */
import atexit = require("./index.js");

type CommonJsExports = typeof atexit.default & {
  readonly default: typeof atexit.default;
  readonly ExitStack: typeof atexit.ExitStack;
};

const registry = atexit.default as CommonJsExports;
for (const [key, value] of [
  ["default", atexit.default],
  ["ExitStack", atexit.ExitStack],
] as const) {
  // Another copy (another version) may have put them there first; keep its.
  if (!Object.hasOwn(registry, key)) Object.defineProperty(registry, key, { value, enumerable: false, configurable: true });
}

export = registry;
