/**
 * `atexit/polyfill`: installs the standard explicit-resource-management
 * globals from core-js (`SuppressedError`, `DisposableStack`,
 * `AsyncDisposableStack`, `Symbol.dispose`, `Symbol.asyncDispose` and the
 * iterator helpers' dispose methods) where the runtime lacks them. Native
 * implementations are left in place.
 *
 * The main entry never does this; import this subpath first thing in an
 * application that wants the globals on Node 20/22. Its types are
 * TypeScript's own `esnext.disposable` library, referenced below, so that a
 * program importing it can name the globals it installs.
 *
 * CommonJS, as core-js is: `import "atexit/polyfill"` loads it as well. The
 * modules are required rather than imported so that the declarations name
 * none of them (core-js is bundled in, not a dependency).
 *
 * @example
 * ```ts
 * import "atexit/polyfill";
 * const stack = new AsyncDisposableStack();
 * ```
 * @module
 */
/// <reference lib="esnext.disposable" preserve="true" />
require("core-js/actual/suppressed-error.js");
require("core-js/actual/disposable-stack/index.js");
require("core-js/actual/async-disposable-stack/index.js");
require("core-js/actual/symbol/dispose.js");
require("core-js/actual/symbol/async-dispose.js");

export {};
