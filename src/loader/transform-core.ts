/**
 * The module-lifetime `using` rewrite (docs/loader.md), independent of any runtime and
 * of how the parser is loaded: {@link createTransform} takes oxc-parser's
 * `parseSync`.
 *
 * Only `using` / `await using` declarations directly in the program body are
 * rewritten, so that every line and every column before an insertion stay
 * where they were:
 *
 * ```js
 * using a = f(), b = g();      // before
 * const a = f(), __atexit$1 = __atexit_using(a), b = g(), __atexit$2 = __atexit_using(b);
 * await using c = h();
 * const       c = h(), __atexit$3 = __atexit_awaitUsing(c);
 * ```
 *
 * The helpers come on one appended last line. Evaluation order per
 * declarator is the spec's: `f()`, then `a` is put on the registry, then `g()`.
 *
 * A module whose top-level `using` a compiler already lowered is returned unchanged, with the
 * tool named (`lowered.ts`).
 */

import { loweredBy, loweredWarning, mayContainLoweredUsing, type LoweringTool } from "./lowered.js";

export type { LoweringTool };

/** The part of oxc-parser's `parseSync` this file relies on. */
export type ParseSync = (
  filename: string,
  sourceText: string,
  options?: { lang?: "js" | "jsx" | "ts" | "tsx"; sourceType?: "module" | "commonjs"; astType?: "js" | "ts"; experimentalLazy?: boolean },
) => {
  program: { body: Iterable<unknown> };
  errors: readonly { message: string }[];
  /** A lazily deserialized AST's buffer goes back to oxc-parser's cache (raw transfer). */
  dispose?: () => void;
};

/** Options of `transform()`. */
export interface TransformOptions {
  /** The module's file name or URL: its extension chooses JS, JSX or TypeScript, and ESM or CommonJS. */
  filename: string;
  /**
   * `"module"` (ESM: the helpers are imported) or `"commonjs"` (the helpers `require()` the package).
   * @default inferred from the extension: `.cjs`/`.cts` are CommonJS, everything else ESM
   */
  format?: "module" | "commonjs";
  /**
   * What the helpers import or require to reach the process registry.
   * @default "atexit"
   */
  runtime?: string;
}

/** What `transform()` returns. */
export interface TransformResult {
  /** The rewritten source, or the input itself (the same string) when nothing changed. */
  code: string;
  /**
   * A source map (version 3) from `code` to the input, or `null` when nothing changed. It is
   * built when first read (a getter), so a caller that never reads it never pays for it.
   */
  readonly map: SourceMap | null;
  /** Whether any top-level `using` was rewritten. */
  changed: boolean;
  /**
   * Why the input was returned unchanged though it may hold `using`: the parser's first error,
   * or a top-level `using` that a compiler already lowered (then `lowered` names the compiler).
   */
  warning?: string;
  /** The tool that lowered a top-level `using` of the input before it reached `transform()`. */
  lowered?: LoweringTool;
}

/** A version-3 source map. */
export interface SourceMap {
  version: 3;
  sources: string[];
  sourcesContent: string[];
  names: string[];
  mappings: string;
}

interface Span {
  start: number;
  end: number;
}
interface Declaration extends Span {
  type: string;
  kind?: string;
  declarations?: Iterable<Span & { id: Span & { type: string; name?: string } }>;
}

const IDENTIFIER_START = /^[\p{ID_Start}$_\\]/u;
const IDENTIFIER_PART = /[\p{ID_Continue}$\u200c\u200d\\]/u;
/** How far the pre-filter looks past one `using` (whitespace and comments) before it gives up and says "maybe". */
const LOOKAHEAD_LIMIT = 512;

function isIdentifierPart(char: string | undefined): boolean {
  return char !== undefined && IDENTIFIER_PART.test(char);
}

/**
 * Skips whitespace and comments from `index`; returns the next index, or -1 when
 * the bound was reached first (the caller then answers "maybe"). Bounded, so the
 * whole scan stays linear however many `using` words a file has.
 */
function skipTrivia(code: string, index: number, limit: number): number {
  let position = index;
  while (position < code.length) {
    if (position > limit) return -1;
    const char = code.charCodeAt(position);
    if (char === 32 || char === 9 || char === 10 || char === 13 || char === 0xa0 || char === 0xfeff || char === 0x2028 || char === 0x2029 || char === 11 || char === 12) {
      position += 1;
    } else if (char === 47 /* / */ && code.charCodeAt(position + 1) === 47) {
      const end = code.indexOf("\n", position + 2);
      if (end === -1 || end > limit) return end === -1 ? code.length : -1;
      position = end + 1;
    } else if (char === 47 && code.charCodeAt(position + 1) === 42 /* * */) {
      const end = code.indexOf("*/", position + 2);
      if (end === -1 || end > limit) return -1;
      position = end + 2;
    } else {
      return position;
    }
  }
  return position;
}

/**
 * The cheap pre-filter: whether `code` may contain a `using` declaration, that
 * is the word `using`, then an identifier, then `=` or `:` (whitespace and
 * comments allowed between). Linear and bounded: each occurrence of `using` is
 * looked at with a fixed look-ahead, and `indexOf` does the rest. A `true` is
 * only a "maybe" (the parser decides); a `false` is certain.
 *
 * @example
 * ```ts
 * mayContainUsing("let using = 1");     // false
 * mayContainUsing("using db = open()"); // true
 * ```
 */
export function mayContainUsing(code: string): boolean {
  let from = 0;
  for (;;) {
    const at = code.indexOf("using", from);
    if (at === -1) return false;
    from = at + 5;
    if (isIdentifierPart(code[at - 1]) || isIdentifierPart(code[at + 5])) continue;
    const limit = at + LOOKAHEAD_LIMIT;
    let position = skipTrivia(code, at + 5, limit);
    if (position === -1) return true;
    // Two code units, so that an identifier starting outside the BMP (a surrogate pair) is seen.
    if (!IDENTIFIER_START.test(code.slice(position, position + 2))) continue;
    while (position < code.length && (isIdentifierPart(code[position]) || /[\ud800-\udfff]/.test(code[position]!))) {
      if (position > limit) return true;
      position += 1;
    }
    position = skipTrivia(code, position, limit);
    if (position === -1) return true;
    const next = code[position];
    if (next === "=" && code[position + 1] !== "=" && code[position + 1] !== ">") return true;
    if (next === ":") return true;
    // `using x!: T` is not valid; `using x = …` and `using x: T = …` are all there is.
  }
}

/** The language and the module kind from a file name or URL. */
function languageOf(filename: string): { lang: "js" | "jsx" | "ts" | "tsx"; commonjs: boolean } {
  const path = filename.replace(/[?#].*$/, "");
  const extension = /\.([cm]?[jt]sx?)$/.exec(path)?.[1] ?? "js";
  const lang = extension.endsWith("tsx") ? "tsx" : extension.endsWith("ts") ? "ts" : extension.endsWith("jsx") ? "jsx" : "js";
  return { lang, commonjs: extension.startsWith("c") };
}

/** A name starting with `base` that does not occur in `code`. */
function unusedPrefix(code: string, base: string): string {
  let prefix = base;
  while (code.includes(prefix)) prefix += "_";
  return prefix;
}

/** Index just past the keyword `word` at or after `from`, skipping trivia. */
function keywordAt(code: string, from: number, word: string): number {
  const position = skipTrivia(code, from, Number.POSITIVE_INFINITY);
  return code.startsWith(word, position) ? position : -1;
}

/**
 * The helpers, as one line appended after the module's own: `using` keeps its
 * sync meaning (the dispose method is read at once, must be callable, its
 * result is not awaited); `await using` is `atexit.use(value)`. Both go through
 * the public API: `adopt(value, wrapper)` so that `unregister(value)` still finds it.
 * An error they throw starts its stack at the caller (`Error.captureStackTrace`),
 * so that the runtime prints the user's declaration, not this line.
 */
function helperLine(prefix: string, format: "module" | "commonjs", runtime: string): string {
  const registry = format === "module" ? `${prefix}` : `require(${JSON.stringify(runtime)}).default`;
  const head = format === "module" ? `import ${prefix} from ${JSON.stringify(runtime)}; ` : "";
  const fail = `${prefix}_fail`;
  return (
    head +
    `function ${fail}(error, caller) { Error.captureStackTrace?.(error, caller); return error; } ` +
    `function ${prefix}_using(v) { if (v === null || v === undefined) return v; ` +
    `if (typeof v !== "object" && typeof v !== "function") throw ${fail}(new TypeError("using: expected an object with [Symbol.dispose], got " + typeof v), ${prefix}_using); ` +
    `const m = v[Symbol.dispose]; if (typeof m !== "function") throw ${fail}(new TypeError("using: the value's [Symbol.dispose] is not a function"), ${prefix}_using); ` +
    `${registry}.adopt(v, (value) => { m.call(value); }); return v; } ` +
    `function ${prefix}_awaitUsing(v) { try { return ${registry}.use(v); } catch (error) { throw error instanceof Error ? ${fail}(error, ${prefix}_awaitUsing) : error; } }`
  );
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Base64 VLQ, as source maps encode numbers; the small ones (nearly all of a map) from a table. */
function vlq(value: number): string {
  if (value >= -VLQ_TABLE_LIMIT && value < VLQ_TABLE_LIMIT) return (VLQ_TABLE ??= buildVlqTable())[value + VLQ_TABLE_LIMIT]!;
  return encodeVlq(value);
}

const VLQ_TABLE_LIMIT = 1024;
let VLQ_TABLE: string[] | undefined;
function buildVlqTable(): string[] {
  return Array.from({ length: 2 * VLQ_TABLE_LIMIT }, (_, index) => encodeVlq(index - VLQ_TABLE_LIMIT));
}

function encodeVlq(value: number): string {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = "";
  do {
    let digit = rest & 31;
    rest >>>= 5;
    if (rest > 0) digit |= 32;
    out += BASE64[digit];
  } while (rest > 0);
  return out;
}

/** Whether the code unit at `index` is part of a word; ASCII by its code, the rest by Unicode's tables. */
function isWordAt(code: string, index: number): boolean {
  const unit = code.charCodeAt(index);
  if (unit < 128) return (unit >= 97 && unit <= 122) || (unit >= 65 && unit <= 90) || (unit >= 48 && unit <= 57) || unit === 36 || unit === 95 || unit === 92;
  return isIdentifierPart(code[index]) || (unit >= 0xd800 && unit <= 0xdfff);
}

/** Whether the code unit at `index` is white space. */
function isSpaceAt(code: string, index: number): boolean {
  const unit = code.charCodeAt(index);
  if (unit < 128) return unit === 32 || (unit >= 9 && unit <= 13);
  return /\s/.test(code[index]!);
}

/**
 * Whether a token starts at `index` (a word after a non-word, or any punctuation). Called for
 * every character of a module whose map is built: by code unit, not by regular expression.
 */
function startsToken(code: string, index: number, lineStart: number): boolean {
  if (isSpaceAt(code, index)) return false;
  if (index === lineStart || !isWordAt(code, index)) return true;
  return !isWordAt(code, index - 1);
}

/**
 * The source map of an insertion-only rewrite: lines are the same, and on each
 * line generated columns equal original ones up to the first insertion, then
 * are shifted by what was inserted before them. Inserted text maps to its
 * insertion point. A segment starts at every token, because a map's consumer
 * (a runtime printing a stack, a bundler composing maps) gives a position
 * inside a segment the segment's start: every position a stack frame can name
 * is then exact.
 */
function insertionMap(original: string, filename: string, insertions: readonly { at: number; length: number }[]): SourceMap {
  const lines: string[] = [];
  let lineStart = 0;
  let next = 0;
  let previousColumn = 0;
  let previousLine = 0;
  let lineIndex = 0;
  for (;;) {
    const lineEnd = original.indexOf("\n", lineStart);
    const end = lineEnd === -1 ? original.length : lineEnd;
    let mappings = "";
    let generatedColumn = 0;
    /** Appends the segment [generated column → original column] of this line. */
    const segment = (generated: number, originalColumn: number): void => {
      if (mappings !== "") mappings += ",";
      mappings += vlq(generated - generatedColumn) + "A" + vlq(lineIndex - previousLine) + vlq(originalColumn - previousColumn);
      generatedColumn = generated;
      previousLine = lineIndex;
      previousColumn = originalColumn;
    };
    segment(0, 0);
    let shift = 0;
    for (let index = lineStart; index <= end; index += 1) {
      const column = index - lineStart;
      while (next < insertions.length && insertions[next]!.at === index) {
        segment(column + shift, column);
        shift += insertions[next]!.length;
        next += 1;
      }
      if (index < end && column > 0 && startsToken(original, index, lineStart)) segment(column + shift, column);
    }
    lines.push(mappings);
    if (lineEnd === -1) break;
    lineStart = lineEnd + 1;
    lineIndex += 1;
  }
  return { version: 3, sources: [filename], sourcesContent: [original], names: [], mappings: lines.join(";") };
}

/**
 * Makes the `transform` function from a parser.
 */
export function createTransform(parseSync: ParseSync): (code: string, options: TransformOptions) => TransformResult {
  return function transform(code: string, options: TransformOptions): TransformResult {
    if (typeof code !== "string") throw new TypeError(`Expected \`code\` to be a string, got \`${String(code)}\` (${typeof code})`);
    const filename = options?.filename;
    if (typeof filename !== "string") {
      throw new TypeError(`Expected \`options.filename\` to be a string, got \`${String(filename)}\` (${typeof filename})`);
    }
    const unchanged: TransformResult = { code, map: null, changed: false };
    const hasUsing = mayContainUsing(code);
    if (!hasUsing && !mayContainLoweredUsing(code)) return unchanged;
    const language = languageOf(filename);
    const format = options.format ?? (language.commonjs ? "commonjs" : "module");
    const parsed = parseSync(filename.replace(/[?#].*$/, ""), code, { lang: language.lang, sourceType: format, astType: language.lang.startsWith("t") ? "ts" : "js" });
    let edits: { at: number; remove: number; text: string }[];
    let counter = 0;
    const prefix = unusedPrefix(code, "__atexit");
    try {
      if (!hasUsing) {
        // Only the helpers' names were seen: say so if a compiler lowered a top-level `using`.
        const tool = parsed.errors.length > 0 ? undefined : loweredBy(code, parsed.program.body);
        return tool === undefined ? unchanged : { ...unchanged, lowered: tool, warning: loweredWarning(filename, tool) };
      }
      if (parsed.errors.length > 0) {
        return { ...unchanged, warning: `${filename} was left as it is: the parser failed (${parsed.errors[0]!.message})` };
      }
      edits = [];
      for (const statement of parsed.program.body as Iterable<Declaration>) {
        if (statement.type !== "VariableDeclaration" || (statement.kind !== "using" && statement.kind !== "await using")) continue;
        const start = statement.start;
        const isAwait = statement.kind === "await using";
        if (isAwait) {
          const usingAt = keywordAt(code, start + 5, "using");
          if (!code.startsWith("await", start) || usingAt === -1) continue;
          edits.push({ at: start, remove: 5, text: "const" }, { at: usingAt, remove: 5, text: "     " });
        } else {
          if (!code.startsWith("using", start)) continue;
          edits.push({ at: start, remove: 5, text: "const" });
        }
        for (const declarator of statement.declarations ?? []) {
          const id = declarator.id;
          // ESTree's name, or oxc's own in a lazily deserialized AST.
          if ((id.type !== "Identifier" && id.type !== "BindingIdentifier") || id.name === undefined) continue;
          counter += 1;
          edits.push({ at: declarator.end, remove: 0, text: `, ${prefix}$${counter} = ${prefix}_${isAwait ? "awaitUsing" : "using"}(${id.name})` });
        }
      }
    } finally {
      parsed.dispose?.();
    }
    if (counter === 0) return unchanged;
    let output = "";
    let copied = 0;
    const insertions: { at: number; length: number }[] = [];
    for (const edit of edits) {
      output += code.slice(copied, edit.at) + edit.text;
      copied = edit.at + edit.remove;
      if (edit.remove === 0) insertions.push({ at: edit.at, length: edit.text.length });
    }
    output += code.slice(copied);
    output += (code.endsWith("\n") ? "" : "\n") + helperLine(prefix, format, options.runtime ?? "atexit") + "\n";
    // The map costs more than the rewrite (a segment per token): built only when read.
    let map: SourceMap | undefined;
    return {
      code: output,
      get map(): SourceMap {
        return (map ??= insertionMap(code, filename, insertions));
      },
      changed: true,
    };
  };
}
