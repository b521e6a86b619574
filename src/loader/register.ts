/**
 * `atexit/register`: installs the module-lifetime `using` loader (docs/loader.md).
 *
 * - Node ≥ 22.15 and Deno: `module.registerHooks` (synchronous, in the same thread).
 * - Node 20.6–22.14: `module.register` (hooks on a separate thread), see `async-hooks.ts`.
 * - Bun: a `Bun.plugin`, see `bun-plugin.ts`.
 *
 * ```sh
 * node --import atexit/register app.mjs
 * deno run -A --preload npm:atexit/register app.ts
 * bun --preload atexit/register app.ts
 * ```
 * @module
 */
import * as nodeModule from "node:module";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { importParser } from "./parser.js";
import { loaderScope } from "./scope.js";
import { createTransform } from "./transform-core.js";
import { installBunPlugin } from "./bun-plugin.js";

const distUrl = new URL("./", import.meta.url).href;

type LoadResult = { format?: string | null | undefined; source?: string | ArrayBuffer | ArrayBufferView | null | undefined; shortCircuit?: boolean };
type RegisterHooks = (hooks: { load: (url: string, context: { format?: string | null | undefined }, nextLoad: (url: string, context?: object) => LoadResult) => LoadResult }) => unknown;

/** The module's source, as Node's `nextLoad` gave it (CommonJS: `null`, Node reads it itself). */
function sourceOf(source: LoadResult["source"], url: string): string | Uint8Array {
  if (typeof source === "string") return source;
  if (source === null || source === undefined) return readFileSync(fileURLToPath(url));
  return ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : new Uint8Array(source);
}

// Fail at once, before the application's first module, when the parser is missing.
const parseSync = await importParser("atexit: the module-lifetime `using` loader");
const scope = loaderScope(distUrl, createTransform(parseSync));
const registerHooks = (nodeModule as { registerHooks?: RegisterHooks }).registerHooks;

// Installed once per thread: a worker that imports atexit/register under an inherited
// --import, or two copies of atexit, must not chain the hooks twice.
const INSTALLED = Symbol.for("atexit.loader");
const thread = globalThis as unknown as Record<symbol, boolean | undefined>;

if (thread[INSTALLED]) {
  // already installed in this thread
} else if (typeof (globalThis as { Bun?: unknown }).Bun === "object") {
  // ATEXIT_LOADER=off on Bun: no plugin at all, so that Bun calls into JavaScript for no module.
  if (scope.enabled) installBunPlugin(scope);
} else if (typeof registerHooks === "function") {
  registerHooks({
    load(url, context, nextLoad) {
      const loaded = nextLoad(url, context);
      const format = loaded.format ?? context.format;
      if (!scope.wants(url, format)) return loaded;
      const source = sourceOf(loaded.source, url);
      if (!scope.mayNeedRewrite(source)) return loaded;
      const moduleFormat = scope.formatOf(url, format);
      const result = scope.rewrite(typeof source === "string" ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength).toString("utf8"), url, moduleFormat);
      if (!result.changed) return loaded;
      // Deno gives no format: name it, or the rewritten source could be taken for another kind.
      return { ...loaded, format: format ?? moduleFormat, source: result.code };
    },
  });
} else if (typeof nodeModule.register === "function") {
  nodeModule.register("./async-hooks.js", import.meta.url);
} else {
  throw new Error("atexit/register: this runtime has neither module.registerHooks nor module.register (Node \u2265 20.6, Deno \u2265 2.9 or Bun \u2265 1.4 needed)");
}
thread[INSTALLED] = true;
