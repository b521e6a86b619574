/**
 * The module-lifetime `using` loader for Node 20.6–22.14, which lack
 * `module.registerHooks`: asynchronous hooks given to `module.register`, run
 * by Node on a hooks thread. (Node 26 deprecates `module.register`, DEP0205;
 * `register.ts` uses it only where nothing else exists.)
 * @module
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { importParser } from "./parser.js";
import { loaderScope } from "./scope.js";
import { createTransform } from "./transform-core.js";

type LoadResult = { format?: string | null | undefined; source?: string | ArrayBuffer | ArrayBufferView | null | undefined; shortCircuit?: boolean };
type Context = { format?: string | null | undefined };

const parseSync = await importParser("atexit: the module-lifetime `using` loader");
const scope = loaderScope(new URL("./", import.meta.url).href, createTransform(parseSync));

/** Node's `load` hook. */
export async function load(url: string, context: Context, nextLoad: (url: string, context?: Context) => Promise<LoadResult>): Promise<LoadResult> {
  const loaded = await nextLoad(url, context);
  const format = loaded.format ?? context.format;
  if (!scope.wants(url, format)) return loaded;
  // For CommonJS, nextLoad gives `source: null` (Node's own loader reads it): read it here.
  const source = loaded.source ?? (await readFile(fileURLToPath(url)));
  const bytes = typeof source === "string" ? source : ArrayBuffer.isView(source) ? Buffer.from(source.buffer, source.byteOffset, source.byteLength) : Buffer.from(source);
  if (!scope.mayNeedRewrite(bytes)) return loaded;
  const result = scope.rewrite(bytes.toString("utf8"), url, scope.formatOf(url, format));
  if (!result.changed) return loaded;
  return { ...loaded, source: result.code };
}
