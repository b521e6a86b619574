/**
 * The module-lifetime `using` loader on Bun: a runtime `Bun.plugin`.
 *
 * A filtered `onLoad` must return contents (it cannot decline), so `onResolve`
 * routes only the modules that need a rewrite to a `?atexit` suffix, and
 * `onLoad` serves those. Everything else is resolved and loaded by Bun as
 * usual. Bun cannot serve rewritten CommonJS (oven-sh/bun#19279, #22683): such
 * a module keeps the standard semantics, and one warning line names it.
 * @module
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import type { LoaderScope } from "./scope.js";

interface BunBuild {
  onResolve(options: { filter: RegExp; namespace?: string }, callback: (args: { path: string; importer: string }) => { path: string; namespace?: string } | undefined): void;
  onLoad(options: { filter: RegExp; namespace?: string }, callback: (args: { path: string }) => { contents: string; loader: string }): void;
}
interface BunGlobal {
  plugin(plugin: { name: string; setup(build: BunBuild): void }): void;
  resolveSync(specifier: string, from: string): string;
}

const SUFFIX = "?atexit";
const LOADERS: Record<string, string> = { js: "js", mjs: "js", cjs: "js", jsx: "jsx", ts: "ts", mts: "ts", cts: "ts", tsx: "tsx" };

export function installBunPlugin(scope: LoaderScope): void {
  const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
  /** Rewritten sources, by path, from onResolve to onLoad (each module is read and parsed once). */
  const rewritten = new Map<string, string>();
  const warned = new Set<string>();
  bun.plugin({
    name: "atexit-using",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.path.startsWith("node:") || args.path.startsWith("bun:") || args.path.endsWith(SUFFIX)) return undefined;
        let path: string;
        try {
          path = bun.resolveSync(args.path, args.importer ? dirname(args.importer) : process.cwd());
        } catch {
          return undefined;
        }
        const extension = /\.([cm]?[jt]sx?)$/.exec(path)?.[1];
        if (extension === undefined || !path.startsWith("/")) return undefined;
        const url = pathToFileURL(path).href;
        if (!scope.wants(url, undefined)) return undefined;
        if (!rewritten.has(path)) {
          const result = scope.rewrite(readFileSync(path, "utf8"), url, scope.formatOf(url, undefined));
          if (!result.changed) return undefined;
          if (scope.formatOf(url, undefined) === "commonjs") {
            if (!warned.has(path)) {
              warned.add(path);
              process.emitWarning(`atexit: ${path} is CommonJS, which Bun cannot load rewritten: its top-level using keeps the standard semantics`);
            }
            return undefined;
          }
          rewritten.set(path, result.code);
        }
        return { path: path + SUFFIX };
      });
      build.onLoad({ filter: /\?atexit$/ }, (args) => {
        const path = args.path.slice(0, -SUFFIX.length);
        const extension = /\.([cm]?[jt]sx?)$/.exec(path)?.[1] ?? "js";
        return { contents: rewritten.get(path) ?? readFileSync(path, "utf8"), loader: LOADERS[extension] ?? "js" };
      });
    },
  });
}
