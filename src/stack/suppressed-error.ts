/**
 * Chaining disposal errors with `SuppressedError` (spec DisposeResources).
 *
 * The global `SuppressedError` is used wherever there is one: the runtime's own
 * (Node ≥ 24, Bun, Deno), or core-js's once `atexit/polyfill` (or any other
 * polyfill) has installed it, looked up when an error is chained, so that the
 * errors atexit throws are `instanceof` the global the application sees. Where
 * there is none (Node 20/22 without a polyfill), a spec-exact fallback built
 * into this bundle: it is twenty lines, where core-js-pure's costs ~90 modules,
 * and a separate file would be lost by an application that bundles atexit.
 * Nothing here touches `globalThis`.
 */

type SuppressedErrorConstructor = new (error: unknown, suppressed: unknown, message?: string) => Error;

/** ES2026 SuppressedError ( error, suppressed, message ), for runtimes without one. */
class SuppressedError extends Error {
  declare readonly error: unknown;
  declare readonly suppressed: unknown;

  constructor(error: unknown, suppressed: unknown, message?: string) {
    // Error(undefined) creates no own `message`, as the spec's step 3 requires.
    super(message === undefined ? undefined : String(message));
    // CreateNonEnumerableDataPropertyOrThrow.
    Object.defineProperty(this, "error", { value: error, writable: true, enumerable: false, configurable: true });
    Object.defineProperty(this, "suppressed", { value: suppressed, writable: true, enumerable: false, configurable: true });
  }
}
Object.defineProperty(SuppressedError.prototype, "name", { value: "SuppressedError", writable: true, enumerable: false, configurable: true });
Object.defineProperty(SuppressedError.prototype, "message", { value: "", writable: true, enumerable: false, configurable: true });

/** `new SuppressedError(error, suppressed)`: the new error over the one before it. Never throws. */
export function chainErrors(error: unknown, suppressed: unknown): Error {
  const global = (globalThis as { SuppressedError?: unknown }).SuppressedError;
  if (typeof global === "function" && global !== SuppressedError) {
    try {
      return new (global as SuppressedErrorConstructor)(error, suppressed);
    } catch {
      // A replaced global that cannot construct: the fallback still chains.
    }
  }
  return new SuppressedError(error, suppressed);
}
