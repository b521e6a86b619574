/**
 * The `SuppressedError` constructor used to chain disposal errors.
 *
 * The runtime's own where it has one (Node ≥ 24, Bun, Deno). Elsewhere
 * (Node 20/22) core-js-pure's, bundled into a separate file that is loaded
 * only when two disposal errors actually need chaining: importing it costs
 * ~90 modules' worth of start-up, which a program that never fails at exit
 * should not pay. Nothing here touches `globalThis`.
 */

type SuppressedErrorConstructor = new (error: unknown, suppressed: unknown, message?: string) => Error;

const native = (globalThis as { SuppressedError?: SuppressedErrorConstructor }).SuppressedError;
let loaded: SuppressedErrorConstructor | undefined = native;

/** Returns the `SuppressedError` constructor, loading the bundled fallback on first need. */
export function suppressedError(): SuppressedErrorConstructor {
  return (loaded ??= loadFallback());
}

function loadFallback(): SuppressedErrorConstructor {
  const { createRequire } = process.getBuiltinModule("node:module") as typeof import("node:module");
  // import.meta.url is replaced by __filename in the CommonJS build.
  return createRequire(import.meta.url)("./suppressed-error.cjs") as SuppressedErrorConstructor;
}
