/**
 * The module-lifetime `using` loader on Bun: a runtime `Bun.plugin`, built so that Bun calls
 * into JavaScript for as few modules as it can, and so that a module keeps its own path.
 *
 * - `onResolve` looks only at specifiers that can name the application's own files (relative,
 *   absolute, `#imports`, `~/` and `@/` aliases; every specifier with
 *   ATEXIT_LOADER_NODE_MODULES=1): a package name is matched out by Bun's own filter, before
 *   any JavaScript runs. It resolves the specifier, reads the file once, and always returns
 *   `undefined`: Bun resolves and loads as usual. (`Bun.resolveSync` calls `onResolve`
 *   again; that nested call returns at once. Without the guard each resolution recursed to
 *   the stack's limit: ~125 ms per import, issue 17.)
 * - A module that needs the rewrite gets an `onLoad` of its own, whose filter is its exact
 *   path, added when it is first seen: the rewritten source is served at the module's own
 *   path, so `import.meta.url`, stack traces and Bun's code frames are those of the file
 *   (an earlier design served it at `path?atexit`).
 * - A filtered `onLoad` cannot decline, and Bun cannot load CommonJS that a plugin returns
 *   (oven-sh/bun#19279, #39786): a CommonJS module with top-level `using` keeps the standard
 *   semantics, and one line names it.
 * @module
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { LoaderScope } from "./scope.js";

interface BunBuild {
  onResolve(options: { filter: RegExp }, callback: (args: { path: string; importer: string }) => undefined): void;
  onLoad(options: { filter: RegExp }, callback: (args: { path: string }) => { contents: string; loader: string }): void;
}
interface BunGlobal {
  main: string;
  plugin(plugin: { name: string; setup(build: BunBuild): void }): void;
  resolveSync(specifier: string, from: string): string;
}

const EXTENSION = /\.([cm]?[jt]sx?)$/;
const LOADERS: Record<string, string> = { js: "js", mjs: "js", jsx: "jsx", ts: "ts", mts: "ts", tsx: "tsx" };
/** Specifiers that may name the application's files; a bare package name never reaches JavaScript. */
const OWN_FILES = /^(?:\.\.?(?:\/|$)|\/|#|~\/|@\/)/;
const ANY_FILE = /^(?!node:|bun:)/;

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

function readIfFile(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

export function installBunPlugin(scope: LoaderScope): void {
  const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
  bun.plugin({
    name: "atexit-using",
    setup(build) {
      /** Files looked at (each is read and parsed at most once, whoever imports it). */
      const seen = new Set<string>();
      /** Specifiers already resolved, by importer's directory. */
      const resolved = new Set<string>();
      let resolving = false;

      /** Looks at the file at `path` (its bytes, when given: read already); false if there is no such file. */
      function inspect(path: string, bytes?: Buffer): void {
        if (seen.has(path)) return;
        seen.add(path);
        const extension = EXTENSION.exec(path)?.[1];
        if (extension === undefined) return;
        if (!scope.nodeModules && path.includes("/node_modules/")) return;
        const source = bytes ?? readFileSync(path);
        if (!scope.mayNeedRewrite(source)) return;
        const url = pathToFileURL(path).href;
        if (!scope.wants(url, undefined)) return;
        const format = scope.formatOf(url, undefined);
        const result = scope.rewrite(source.toString("utf8"), url, format);
        if (!result.changed) return;
        if (format === "commonjs") {
          process.stderr.write(`atexit: ${path} is CommonJS, which Bun cannot load rewritten: its top-level using keeps the standard semantics\n`);
          return;
        }
        const contents = result.code;
        const loader = LOADERS[extension] ?? "js";
        build.onLoad({ filter: new RegExp(`^${escape(path)}$`) }, () => ({ contents, loader }));
      }

      build.onResolve({ filter: scope.nodeModules ? ANY_FILE : OWN_FILES }, (args) => {
        if (resolving) return undefined;
        const from = args.importer ? dirname(args.importer) : process.cwd();
        const key = `${from}\0${args.path}`;
        if (resolved.has(key)) return undefined;
        resolved.add(key);
        try {
          // A relative specifier with its extension names its file: no resolution needed, unless
          // there is no such file (`./db.js` for db.ts), which Bun's resolver then finds.
          if (args.path.startsWith(".") && EXTENSION.test(args.path)) {
            const path = resolve(from, args.path);
            const bytes = readIfFile(path);
            if (bytes !== undefined) {
              inspect(path, bytes);
              return undefined;
            }
          }
          resolving = true;
          const path = bun.resolveSync(args.path, from);
          if (path.startsWith("/")) inspect(path);
        } catch {
          // Not resolvable here: Bun reports it as it would without the loader.
        } finally {
          resolving = false;
        }
        return undefined;
      });
      // The entry module is not resolved through onResolve.
      if (typeof bun.main === "string" && bun.main.startsWith("/")) {
        try {
          inspect(bun.main);
        } catch {
          // An unreadable entry: Bun reports it.
        }
      }
    },
  });
}
