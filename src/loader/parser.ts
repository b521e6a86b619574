/**
 * The optional peer dependency `oxc-parser`, loaded on first need, and the error that
 * says what is wrong when it cannot be: not installed (then install it), or installed
 * but not loadable here (then the cause says why: a missing native binding, Deno
 * without --allow-ffi). Shared by the loader (`import()`) and `transform()` (`require()`).
 */
import { createRequire } from "node:module";
import type { ParseSync } from "./transform-core.js";

type OxcParser = { parseSync: ParseSync; rawTransferSupported?: () => boolean };

/**
 * oxc-parser's `parseSync`, asked for a lazily deserialized AST where the runtime supports it
 * (raw transfer, Node ≥ 22). The rewrite reads a few fields of the top-level
 * statements only, and deserializing the whole AST (JSON, the default) costs several times the
 * parse itself: a 2 MB module took 2 s to transform, 0.2 s lazily. Elsewhere (Node 20, Bun,
 * Deno) the default is used.
 */
function lazyWherePossible(parser: OxcParser): ParseSync {
  let lazy = false;
  try {
    // Not on Deno: oxc-parser's lazy module fails to load there (a require() of an ES module whose relative import Deno cannot resolve).
    lazy = !("Deno" in globalThis) && parser.rawTransferSupported?.() === true;
  } catch {
    // An older oxc-parser, or a platform it cannot tell: the default AST.
  }
  if (!lazy) return parser.parseSync;
  return (filename, sourceText, options) => parser.parseSync(filename, sourceText, { ...options, experimentalLazy: true });
}

/** For the loader's hooks: `import()`, awaited before the application's first module. */
export async function importParser(user: string): Promise<ParseSync> {
  try {
    return lazyWherePossible((await import("oxc-parser")) as OxcParser);
  } catch (cause) {
    throw parserError(user, cause, () => import.meta.resolve("oxc-parser"));
  }
}

/** For `transform()`, which is synchronous: `require()` of the ES module parser (Node ≥ 20.19, 22.12). */
export function requireParser(user: string): ParseSync {
  const require = createRequire(import.meta.url);
  try {
    return lazyWherePossible(require("oxc-parser") as OxcParser);
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
