/**
 * The optional peer dependency `oxc-parser`, loaded on first need, and the error that
 * says what is wrong when it cannot be: not installed (then install it), or installed
 * but not loadable here (then the cause says why: a missing native binding, Deno
 * without --allow-ffi). Shared by the loader (`import()`) and `transform()` (`require()`).
 */
import { createRequire } from "node:module";
import type { ParseSync } from "./transform-core.js";

/** For the loader's hooks: `import()`, awaited before the application's first module. */
export async function importParser(user: string): Promise<ParseSync> {
  try {
    return (await import("oxc-parser")).parseSync as ParseSync;
  } catch (cause) {
    throw parserError(user, cause, () => import.meta.resolve("oxc-parser"));
  }
}

/** For `transform()`, which is synchronous: `require()` of the ES module parser (Node ≥ 20.19, 22.12). */
export function requireParser(user: string): ParseSync {
  const require = createRequire(import.meta.url);
  try {
    return (require("oxc-parser") as { parseSync: ParseSync }).parseSync;
  } catch (cause) {
    throw parserError(user, cause, () => require.resolve("oxc-parser"));
  }
}

function parserError(user: string, cause: unknown, resolve: () => unknown): Error {
  let installed = true;
  try {
    resolve();
  } catch {
    installed = false;
  }
  const deno = "Deno" in globalThis ? " (on Deno, also allow the native parser with --allow-ffi, or -A)" : "";
  const why = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
  const message = installed
    ? `${user} found the optional peer dependency "oxc-parser" but could not load it: ${why}${deno}`
    : `${user} needs the optional peer dependency "oxc-parser": install it with \`npm install oxc-parser\`${deno}`;
  return new Error(message, { cause });
}
