// Builds dist/: one bundled file per entry and format (one file to load is
// the cheapest import), declarations from TypeScript 7, and the examples.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);
rmSync("dist", { recursive: true, force: true });

// Whitespace and syntax minified (comments live in src/), names kept for readable stack traces.
// keepNames: esbuild renames a class that refers to itself (ExitStack → _ExitStack).
const common = { bundle: true, platform: "node", target: "node20", logLevel: "warning", minifyWhitespace: true, minifySyntax: true, keepNames: true };
await Promise.all([
  build({ ...common, entryPoints: { index: "src/index.ts" }, format: "esm", outdir: "dist" }),
  build({
    ...common,
    // index.cts: require("atexit") is the registry itself (see that file).
    // The polyfill is CommonJS only: core-js is, and `import "atexit/polyfill"` loads it as well.
    entryPoints: { index: "src/index.cts", polyfill: "src/polyfill.ts" },
    format: "cjs",
    outdir: "dist",
    outExtension: { ".js": ".cjs" },
    // The CommonJS build has no import.meta; createRequire takes a path as well.
    define: { "import.meta.url": "__filename" },
  }),
  // The module-lifetime `using` loader (src/loader/, SPEC §7). The parser stays an external
  // optional peer. register.js and async-hooks.js are ESM only (--import/--preload load ESM,
  // and they await the parser at the top level); transform has both formats.
  build({ ...common, entryPoints: { register: "src/loader/register.ts", "async-hooks": "src/loader/async-hooks.ts", transform: "src/loader/transform.ts" }, format: "esm", outdir: "dist", external: ["oxc-parser"] }),
  build({ ...common, entryPoints: { transform: "src/loader/transform.ts" }, format: "cjs", outdir: "dist", outExtension: { ".js": ".cjs" }, external: ["oxc-parser"], define: { "import.meta.url": "__filename" } }),
]);

// Declarations: ESM-flavoured under dist/types, a CommonJS-flavoured copy for require().
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
mkdirSync("dist/types-cjs", { recursive: true });
cpSync("dist/types", "dist/types-cjs", { recursive: true });
writeFileSync("dist/types-cjs/package.json", '{ "type": "commonjs" }\n');

// The examples, with `using` lowered so that Node 20 runs them.
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "examples/tsconfig.json"], { stdio: "inherit" });
