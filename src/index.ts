/**
 * atexit: Python's `atexit` for JavaScript, on TC39 explicit resource management.
 *
 * This ES module is the one implementation; the CommonJS entry (`index.cts`)
 * loads it with `require()`, so both entries give the same registry and the
 * same `ExitStack` class.
 * @module
 */
import { ExitStack } from "./stack/exit-stack.js";
import { ProcessRegistry } from "./process/registry.js";
import { currentRuntime } from "./runtime/index.js";
import { sharedRegistry } from "./process/slot.js";

/** The registry members this copy exports; a shared registry from another copy must have them all. */
const EXPORTED_METHODS = ["register", "unregister", "use", "adopt", "adoptWeak", "defer", "scope", "run", "clear", "exit", "configure"] as const;

/**
 * This thread's process registry: an {@link ExitStack} disposed once, in
 * reverse order, however the process ends (the event loop drains,
 * `process.exit()`, a signal, an uncaught error). Every copy of atexit in the
 * thread (ESM and CommonJS, other installed versions) shares this one object.
 *
 * @example
 * ```ts
 * import atexit, { register } from "atexit";
 *
 * register(() => console.log("goodbye"));
 * const server = atexit.use(http.createServer(app).listen(8080));
 * ```
 */
const atexit: ProcessRegistry = sharedRegistry(() => new ProcessRegistry(currentRuntime()), EXPORTED_METHODS);

export default atexit;
export { ExitStack };
export type { KnownResource } from "./stack/exit-stack.js";
export type { ProcessRegistry };
export type { ExitReason } from "./process/exit-reason.js";
export type { ConfigureOptions } from "./process/options.js";
export type { SignalName } from "./runtime/signals.js";

/** Registers `fn(...args)` to run at exit (awaited); returns `fn`. Python's `atexit.register`. */
export const register: ProcessRegistry["register"] = atexit.register;
/** Removes every pending entry whose function or resource is `target`; returns whether any was. */
export const unregister: ProcessRegistry["unregister"] = atexit.unregister;
/** Disposes `value` at exit (`[Symbol.asyncDispose]`, awaited, or `[Symbol.dispose]`); returns it. */
export const use: ProcessRegistry["use"] = atexit.use;
/** Calls `onDispose(value)` at exit, awaited; returns `value`. For close APIs without `Symbol.dispose`. */
export const adopt: ProcessRegistry["adopt"] = atexit.adopt;
/** Like {@link adopt}, holding `value` weakly: if it is collected first, its entry goes without running. */
export const adoptWeak: ProcessRegistry["adoptWeak"] = atexit.adoptWeak;
/** Calls `onDispose()` at exit, awaited. */
export const defer: ProcessRegistry["defer"] = atexit.defer;
/** A child stack, itself an entry of the registry at this position: `await using s = scope()`. */
export const scope: ProcessRegistry["scope"] = atexit.scope;
/** Runs what is pending now (Python's `_run_exitfuncs`); the registry stays open. */
export const run: ProcessRegistry["run"] = atexit.run;
/** Drops every pending entry without running it (Python's `_clear`). */
export const clear: ProcessRegistry["clear"] = atexit.clear;
/** Runs the whole termination sequence, then ends the process with `code`. */
export const exit: ProcessRegistry["exit"] = atexit.exit;
/** Sets `timeout`, `signals`, `catchErrors`, `report` and `trace`; a bad value throws and changes nothing. */
export const configure: ProcessRegistry["configure"] = atexit.configure;
