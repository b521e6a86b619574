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
  main: string;
  plugin(plugin: { name: string; setup(build: BunBuild): void }): void;
  resolveSync(specifier: string, from: string): string;
}

const SUFFIX = "?atexit";
const LOADERS: Record<string, string> = { js: "js", mjs: "js", cjs: "js", jsx: "jsx", ts: "ts", mts: "ts", cts: "ts", tsx: "tsx" };

export function installBunPlugin(scope: LoaderScope): void {
  const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
  /** Rewritten sources, by path, from onResolve to onLoad (each module is read and parsed once). */
  const rewritten = new Map<string, string>();
  /** Modules looked at that stay as they are (each is read once, not once per importer). */
  const declined = new Set<string>();
  bun.plugin({
    name: "atexit-using",
    setup(build) {
      /** Rewrites the module at `path` into `rewritten` if it needs it; false if it stays as it is. */
      function needsRewrite(path: string): boolean {
        if (rewritten.has(path)) return true;
        if (declined.has(path)) return false;
        declined.add(path);
        if (/\.([cm]?[jt]sx?)$/.exec(path) === null) return false;
        const url = pathToFileURL(path).href;
        if (!scope.wants(url, undefined)) return false;
        const format = scope.formatOf(url, undefined);
        const result = scope.rewrite(readFileSync(path, "utf8"), url, format);
        if (!result.changed) return false;
        if (format === "commonjs") {
          process.stderr.write(`atexit: ${path} is CommonJS, which Bun cannot load rewritten: its top-level using keeps the standard semantics\n`);
          return false;
        }
        rewritten.set(path, result.code);
        return true;
      }
      function entryNeedsRewrite(path: string): boolean {
        try {
          return needsRewrite(path);
        } catch {
          return false;
        }
      }
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.path.startsWith("node:") || args.path.startsWith("bun:") || args.path.endsWith(SUFFIX)) return undefined;
        let path: string;
        try {
          path = bun.resolveSync(args.path, args.importer ? dirname(args.importer) : process.cwd());
        } catch {
          return undefined;
        }
        if (!path.startsWith("/") || !needsRewrite(path)) return undefined;
        return { path: path + SUFFIX };
      });
      // The entry module is not resolved through onResolve: it gets an onLoad of its own,
      // with a filter that matches its path only, when it needs a rewrite.
      const entry = bun.main;
      if (typeof entry === "string" && entry.startsWith("/") && entryNeedsRewrite(entry)) {
        build.onLoad({ filter: new RegExp(`^${entry.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`) }, (args) => load(args.path));
      }
      build.onLoad({ filter: /\?atexit$/ }, (args) => load(args.path.slice(0, -SUFFIX.length)));
      function load(path: string): { contents: string; loader: string } {
        const extension = /\.([cm]?[jt]sx?)$/.exec(path)?.[1] ?? "js";
        return { contents: rewritten.get(path) ?? readFileSync(path, "utf8"), loader: LOADERS[extension] ?? "js" };
      }
    },
  });
}
