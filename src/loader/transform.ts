/**
 * `atexit/transform`: the module-lifetime `using` rewrite for bundlers and
 * other tools (SPEC §7). Needs the optional peer dependency `oxc-parser`.
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

export { mayContainUsing };
export type { SourceMap, TransformOptions, TransformResult } from "./transform-core.js";

let cached: ((code: string, options: TransformOptions) => TransformResult) | undefined;

/**
 * Rewrites the top-level `using` and `await using` declarations of one module
 * so that their resources go on the process registry and live until the
 * process terminates. Lines, and columns before each insertion, are kept; a
 * module without top-level `using` comes back as the same string, unparsed
 * when the cheap pre-filter rules it out.
 *
 * @example
 * ```ts
 * const { code, changed } = transform("using db = open();\n", { filename: "app.mjs" });
 * // code: 'const db = open(), __atexit$1 = __atexit_using(db);\nimport __atexit from "atexit"; …'
 * ```
 */
export function transform(code: string, options: TransformOptions): TransformResult {
  // The pre-filter answers most modules without loading the parser; bad arguments still throw.
  if (typeof code === "string" && typeof options?.filename === "string" && !mayContainUsing(code)) return { code, map: null, changed: false };
  return (cached ??= createTransform(requireParser("atexit/transform")))(code, options);
}
