/**
 * `atexit/polyfill`: installs the standard explicit-resource-management
 * globals from core-js (`SuppressedError`, `DisposableStack`,
 * `AsyncDisposableStack`, `Symbol.dispose`, `Symbol.asyncDispose` and the
 * iterator helpers' dispose methods) where the runtime lacks them. Native
 * implementations are left in place.
 *
 * The main entry never does this; import this subpath first thing in an
 * application that wants the globals on Node 20/22.
 *
 * @example
 * ```ts
 * import "atexit/polyfill";
 * const stack = new AsyncDisposableStack();
 * ```
 * @module
 */
import "core-js/actual/suppressed-error.js";
import "core-js/actual/disposable-stack/index.js";
import "core-js/actual/async-disposable-stack/index.js";
import "core-js/actual/symbol/dispose.js";
import "core-js/actual/symbol/async-dispose.js";

export {};
