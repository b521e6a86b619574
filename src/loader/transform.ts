/**
 * `atexit/transform`: the module-lifetime `using` rewrite for bundlers and
 * other tools (docs/loader.md). Needs the optional peer dependency `oxc-parser`.
 *
 * @example
 * ```ts
 * import { transform } from "atexit/transform";
 *
 * const { code, map, changed } = transform(source, { filename: "src/app.ts" });
 * ```
 * @module
 */
import { requireParser } from "./parser.js";
import { createTransform, mayContainUsing, type TransformOptions, type TransformResult } from "./transform-core.js";
import { mayContainLoweredUsing } from "./lowered.js";

export { mayContainUsing };
export type { LoweringTool, SourceMap, TransformOptions, TransformResult } from "./transform-core.js";

let cached: ((code: string, options: TransformOptions) => TransformResult) | undefined;
/** Files already named in a lowered-`using` line (a bundler in watch mode transforms a file again and again). */
const named = new Set<string>();

/**
 * Rewrites the top-level `using` and `await using` declarations of one module
 * so that their resources go on the process registry and live until the
 * process terminates. Lines, and columns before each insertion, are kept; a
 * module without top-level `using` comes back as the same string, unparsed
 * when the cheap pre-filter rules it out.
 *
 * A top-level `using` that a compiler already lowered (TypeScript below ESNext, esbuild,
 * Babel, Oxc, SWC) cannot be kept alive: the module comes back unchanged, with `lowered`
 * and `warning` set, and the warning is written once per file to stderr as an `atexit:`
 * line, so that a plugin that forgets to report it does not leave it silent.
 *
 * @example
 * ```ts
 * const { code, changed } = transform("using db = open();\n", { filename: "app.mjs" });
 * // code: 'const db = open(), __atexit$1 = __atexit_using(db);\nimport __atexit from "atexit"; …'
 * ```
 */
export function transform(code: string, options: TransformOptions): TransformResult {
  // The pre-filter answers most modules without loading the parser; bad arguments still throw.
  if (typeof code === "string" && typeof options?.filename === "string" && !mayContainUsing(code) && !mayContainLoweredUsing(code)) return { code, map: null, changed: false };
  const result = (cached ??= createTransform(requireParser("atexit/transform")))(code, options);
  if (result.lowered !== undefined && result.warning !== undefined && !named.has(options.filename)) {
    named.add(options.filename);
    globalThis.process?.stderr?.write(`atexit: ${result.warning}\n`);
  }
  return result;
}
