/**
 * atexit: Python's `atexit` for JavaScript, on TC39 explicit resource management.
 *
 * The default export is this thread's process registry: an {@link ExitStack}
 * disposed once, in reverse order, however the process ends. The named
 * function exports are its methods, bound.
 *
 * @example
 * ```ts
 * import atexit, { register } from "atexit";
 *
 * register(() => console.log("goodbye"));
 * await using scope = atexit.scope();
 * ```
 * @module
 */
import { ExitStack } from "./exit-stack.js";
import { ProcessRegistry } from "./registry.js";
import { currentRuntime } from "./runtime/index.js";
import { sharedRegistry } from "./slot.js";

const atexit: ProcessRegistry = sharedRegistry(() => new ProcessRegistry(currentRuntime()));

export default atexit;
export { ExitStack };
export type { ProcessRegistry };
export type { ExitReason } from "./exit-reason.js";
export type { ConfigureOptions } from "./options.js";
export type { SignalName } from "./runtime/signals.js";

/** {@inheritDoc ExitStack.register} */
export const register: ProcessRegistry["register"] = atexit.register;
/** {@inheritDoc ExitStack.unregister} */
export const unregister: ProcessRegistry["unregister"] = atexit.unregister;
/** {@inheritDoc ExitStack.use} */
export const use: ProcessRegistry["use"] = atexit.use;
/** {@inheritDoc ExitStack.adopt} */
export const adopt: ProcessRegistry["adopt"] = atexit.adopt;
/** {@inheritDoc ExitStack.adoptWeak} */
export const adoptWeak: ProcessRegistry["adoptWeak"] = atexit.adoptWeak;
/** {@inheritDoc ExitStack.defer} */
export const defer: ProcessRegistry["defer"] = atexit.defer;
/** {@inheritDoc ExitStack.scope} */
export const scope: ProcessRegistry["scope"] = atexit.scope;
/** {@inheritDoc ExitStack.run} */
export const run: ProcessRegistry["run"] = atexit.run;
/** {@inheritDoc ExitStack.clear} */
export const clear: ProcessRegistry["clear"] = atexit.clear;
/** {@inheritDoc ProcessRegistry.exit} */
export const exit: ProcessRegistry["exit"] = atexit.exit;
/** {@inheritDoc ProcessRegistry.configure} */
export const configure: ProcessRegistry["configure"] = atexit.configure;
