/**
 * A whole process that imports one library and makes one registration:
 * `node bench/startup.mjs <library> [--count]`. `bare` imports nothing, so the
 * difference to it is the library's cost. bench/run.mjs times the whole
 * process from outside; with `--count` this prints which modules the import
 * loaded (process.moduleLoadList for Node's own, load hooks for files).
 */
const [library, mode] = process.argv.slice(2);
const counting = mode === "--count";
// --time-import: how long the import itself takes (module load and compile), on its own line.
const timingImport = mode === "--time-import";
const importStarted = process.hrtime.bigint();

const files = new Set();
if (counting) {
  const { registerHooks } = await import("node:module");
  // module.registerHooks (Node >= 22.15) sees every file loaded, ESM and CommonJS alike.
  registerHooks?.({
    load(url, context, nextLoad) {
      files.add(url);
      return nextLoad(url, context);
    },
  });
}
const builtinsBefore = counting ? new Set(process.moduleLoadList) : undefined;
const cleanup = () => {};

switch (library) {
  case "bare":
    break;
  case "atexit":
    (await import("atexit")).default.register(cleanup);
    break;
  case "signal-exit":
    (await import("signal-exit")).onExit(cleanup);
    break;
  case "exit-hook":
    (await import("exit-hook")).default(cleanup);
    break;
  case "async-exit-hook":
    (await import("async-exit-hook")).default(cleanup);
    break;
  case "on-exit-leak-free":
    (await import("on-exit-leak-free")).default.register({}, cleanup);
    break;
  case "corejs-ads": {
    const { createRequire } = await import("node:module");
    const Stack = createRequire(import.meta.url)("core-js-pure/es/async-disposable-stack/index.js");
    new Stack().defer(cleanup);
    break;
  }
  case "native-ads":
    new globalThis.AsyncDisposableStack().defer(cleanup);
    break;
  default:
    throw new Error(`Expected a library name, got ${JSON.stringify(library)}`);
}

if (timingImport) console.log(JSON.stringify({ library, importMs: Number(process.hrtime.bigint() - importStarted) / 1e6 }));

if (counting) {
  const builtins = process.moduleLoadList.filter((name) => !builtinsBefore.has(name));
  const { statSync } = await import("node:fs");
  const { fileURLToPath } = await import("node:url");
  const loaded = [...files].filter((url) => url.startsWith("file:") && !url.endsWith("/bench/startup.mjs"));
  const bytes = loaded.reduce((sum, url) => sum + statSync(fileURLToPath(url)).size, 0);
  console.log(JSON.stringify({
    library,
    builtins: builtins.length,
    files: files.size === 0 && library !== "bare" ? null : loaded.length,
    bytes: files.size === 0 && library !== "bare" ? null : bytes,
  }));
}
