/**
 * Which modules the loader rewrites, and how each is told to reach the
 * registry. Shared by every runtime's hooks (Node sync and async, Deno, Bun).
 *
 * Environment variables (`--import` and `--preload` take no options):
 * - `ATEXIT_LOADER=off`: rewrite nothing (the hooks stay installed but pass everything through).
 * - `ATEXIT_LOADER_NODE_MODULES=1`: rewrite modules under `node_modules` too (skipped by default:
 *   a library's top-level `using` is its author's decision).
 * - `ATEXIT_LOADER_SELF=1`: rewrite atexit's own files too (only its own tests want this).
 * - `ATEXIT_LOADER_DEBUG=1`: one stderr line per rewritten module.
 */
import { fileURLToPath } from "node:url";
import { Buffer } from "node:buffer";
import type { SourceMap, TransformOptions, TransformResult } from "./transform-core.js";
import { loweredWarning, loweringContext } from "./lowered.js";

/** The module formats the loader rewrites (Node's names; Deno gives none, so the extension decides). */
const JS_FORMATS = new Set(["module", "commonjs", "module-typescript", "commonjs-typescript"]);
const JS_EXTENSION = /\.(?:[cm]?[jt]s|[jt]sx)$/;

/** Reads an environment variable where the runtime may forbid it (Deno without --allow-env). */
function environment(name: string): string | undefined {
  try {
    return globalThis.process?.env?.[name];
  } catch {
    return undefined;
  }
}

export interface LoaderScope {
  /** False under ATEXIT_LOADER=off: no module is rewritten. */
  readonly enabled: boolean;
  /** Whether modules under node_modules are rewritten too (ATEXIT_LOADER_NODE_MODULES=1). */
  readonly nodeModules: boolean;
  /** Whether the module at `url`, of Node's `format` (undefined on Deno), may be rewritten. */
  wants(url: string, format: string | null | undefined): boolean;
  /** `"commonjs"` or `"module"` for a module the loader wants. */
  formatOf(url: string, format: string | null | undefined): "module" | "commonjs";
  /**
   * Whether a module's source can need the loader at all: it holds the word `using` or a
   * lowering helper's `…ispose…`. Asked of the bytes, before they are decoded: most modules
   * have neither, and are passed through without a string ever being made of them.
   */
  mayNeedRewrite(source: string | Uint8Array): boolean;
  /** Rewrites `source` of the module at `url`, writing a parser failure as one warning line. */
  rewrite(source: string, url: string, format: "module" | "commonjs"): TransformResult;
}

/**
 * @param distUrl the URL of atexit's `dist/` directory (where this loader runs from).
 * @param transform the rewrite, with the parser already loaded.
 */
export function loaderScope(distUrl: string, transform: (code: string, options: TransformOptions) => TransformResult): LoaderScope {
  const off = environment("ATEXIT_LOADER") === "off";
  const includeNodeModules = environment("ATEXIT_LOADER_NODE_MODULES") === "1";
  const includeSelf = environment("ATEXIT_LOADER_SELF") === "1";
  const debug = environment("ATEXIT_LOADER_DEBUG") === "1";
  // The helpers reach the very copy of atexit that runs the loader (one registry
  // per thread anyway, docs/package.md), by URL for ESM and by path for require().
  const esmRuntime = new URL("index.js", distUrl).href;
  const cjsRuntime = fileURLToPath(new URL("index.cjs", distUrl));
  const warned = new Set<string>();
  return {
    enabled: !off,
    nodeModules: includeNodeModules,
    wants(url, format) {
      if (off || !url.startsWith("file:")) return false;
      if (format ? !JS_FORMATS.has(format) : !JS_EXTENSION.test(url.replace(/[?#].*$/, ""))) return false;
      if (!includeSelf && url.startsWith(distUrl)) return false;
      // Deno keeps npm packages in its own cache rather than in node_modules.
      if (!includeNodeModules && (url.includes("/node_modules/") || url.includes("/registry.npmjs.org/"))) return false;
      return true;
    },
    mayNeedRewrite(source) {
      if (typeof source === "string") return source.includes("using") || source.includes("ispose");
      const bytes = Buffer.isBuffer(source) ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
      return bytes.includes("using") || bytes.includes("ispose");
    },
    formatOf(url, format) {
      if (format) return format.startsWith("commonjs") ? "commonjs" : "module";
      return /\.c[jt]s$/.test(url.replace(/[?#].*$/, "")) ? "commonjs" : "module";
    },
    rewrite(source, url, format) {
      const result = transform(source, { filename: url, format, runtime: format === "module" ? esmRuntime : cjsRuntime });
      if (result.warning !== undefined && !warned.has(url)) {
        warned.add(url);
        // A lowered `using` is named with what ran before the loader (tsx, ts-node), read from the process's flags.
        const line = result.lowered === undefined ? result.warning : loweredWarning(displayName(url), result.lowered, loweringContext());
        process.stderr?.write(`atexit: ${line}\n`);
      }
      if (debug && result.changed) process.stderr?.write(`atexit: rewrote top-level using in ${url}\n`);
      if (!result.changed || !sourceMapsApplied()) return result;
      return { code: withInlineMap(result.code, source, result.map!), map: result.map, changed: true };
    },
  };
}

/** A file: URL as the path a user recognises; any other URL as it is. */
function displayName(url: string): string {
  try {
    return url.startsWith("file:") ? fileURLToPath(url) : url;
  } catch {
    return url;
  }
}

/**
 * Whether the runtime applies an inline source map to stack traces: Deno always, Node with
 * --enable-source-maps (or process.setSourceMapsEnabled(true)), Bun never for a plugin's
 * source. Elsewhere the map would only cost time (a segment per token): it is not made.
 */
function sourceMapsApplied(): boolean {
  if ("Deno" in globalThis) return true;
  if ("Bun" in globalThis) return false;
  const process = globalThis.process as (NodeJS.Process & { sourceMapsEnabled?: boolean }) | undefined;
  if (process?.sourceMapsEnabled === true) return true;
  return [...(process?.execArgv ?? []), environment("NODE_OPTIONS") ?? ""].some((flag) => flag.includes("--enable-source-maps"));
}

/**
 * The rewritten code with its source map inline, so that where the runtime applies source
 * maps (Deno and Bun always, Node with --enable-source-maps) a column after an insertion is
 * the original one. A module that has a map of its own keeps it: the two cannot be chained here.
 */
function withInlineMap(code: string, original: string, map: SourceMap): string {
  if (/^\/\/[#@] sourceMappingURL=/m.test(original)) return code;
  const json = JSON.stringify({ ...map, sourcesContent: undefined });
  return `${code}//# sourceMappingURL=data:application/json;base64,${Buffer.from(json).toString("base64")}\n`;
}
