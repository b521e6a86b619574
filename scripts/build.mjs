// Builds dist/ from src/ and the examples from examples/:
//
// - TypeScript 7 compiles src/ file by file, twice: the declarations with their comments (what
//   editors show), and the JavaScript without comments; each with its maps.
// - Rollup joins each public ES entry into one file (one file to load is the cheapest import),
//   readable as the source is, with a source map that leads back to src/*.ts. It is tsc's output
//   without comments (they stay in src/, shipped, where the maps lead), and ASCII: V8 reads every
//   byte of a module it imports, and one other character makes it read the whole module as
//   two-byte text; together they were about a fifth of import's cost (docs/package.md).
// - Each entry has one implementation, its ES module. The CommonJS entries (index.cjs,
//   transform.cjs) are a few lines that require() it (Node >= 20.19 / 22.12, Bun, Deno), so a
//   process that loads both has one ExitStack class; their declarations name the ES module's,
//   so TypeScript sees one type too.
// - The same implementation is built as CommonJS too (commonjs.cjs), for the one loader that
//   cannot require() an ES module: Jest's. index.cjs loads it only there. (An ES entry over a
//   CommonJS implementation, for everyone, costs Node's CommonJS export lexer: +21 ms on Node 20
//   and +3 ms on Node 24 for `import "atexit"`, bench/import-paired.mjs on a quiet machine.)
// - rollup-plugin-dts joins each ES entry's declarations into one file that holds only what
//   the entry exports, with a declaration map into src/ (shipped, so "Go to Definition" opens
//   the TypeScript source).
// - esbuild bundles core-js into the polyfill.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { rollup } from "rollup";
import { dts } from "rollup-plugin-dts";

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);
const { version } = JSON.parse(readFileSync("package.json", "utf8"));
/** tsc's declarations, file by file (outside node_modules, which rollup-plugin-dts would leave out). */
const declared = mkdtempSync(join(tmpdir(), "atexit-build-"));
/** tsc's JavaScript, file by file, without the comments: what dist/'s JavaScript is joined from. */
const compiled = mkdtempSync(join(tmpdir(), "atexit-build-js-"));
rmSync("dist", { recursive: true, force: true });

const tsc = (args) => execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", ...args], { stdio: "inherit" });
tsc(["--outDir", declared, "--declarationMap", "--stripInternal"]);
tsc(["--outDir", compiled, "--emitDeclarationOnly", "false", "--declaration", "false", "--isolatedDeclarations", "false", "--sourceMap", "--removeComments"]);

// The CommonJS entries hold no implementation, and register and the polyfill declare
// nothing: tsc's files are shipped as they are.
for (const [from, to] of [
  ["index.cjs", "index.cjs"],
  ["index.d.cts", "index.d.cts"],
  ["loader/transform.cjs", "transform.cjs"],
  ["loader/transform.d.cts", "transform.d.cts"],
  ["loader/register.d.ts", "register.d.ts"],
  ["polyfill.d.cts", "polyfill.d.cts"],
]) {
  copyWithMap(join(from.endsWith(".cjs") ? compiled : declared, from), join("dist", to));
}

// A source file's header comment is about that file (its design, its states), not about a
// declaration: it stays in src/. Blanked rather than cut, so that the maps still hold.
for (const file of readdirSync(declared, { recursive: true }).filter((name) => name.endsWith(".d.ts"))) {
  const path = join(declared, file);
  writeFileSync(path, readFileSync(path, "utf8").replace(/^\/\*\*[\s\S]*?\*\//, (header) => header.replace(/[^\n]/g, "")));
}

/** Rollup reads tsc's JavaScript with its source map, and puts the package version in. */
const compiledJavaScript = {
  name: "compiled-javascript",
  load(id) {
    if (!id.startsWith(compiled) || !id.endsWith(".js")) return null;
    return { code: readFileSync(id, "utf8"), map: existsSync(`${id}.map`) ? readFileSync(`${id}.map`, "utf8") : null };
  },
  transform(code) {
    // The constant ends its line: nothing after it moves, so the map stays right (map: null).
    return code.includes("ATEXIT_RELEASE") ? { code: code.replace(/\bATEXIT_RELEASE\b/g, JSON.stringify(version)), map: null } : null;
  },
};
const fail = (warning) => {
  throw new Error(`rollup: ${warning.message}`);
};
const external = (id) => id.startsWith("node:") || id === "oxc-parser";

// The ES entries. The loader's (register, async-hooks: --import/--preload load ESM, and they
// await the parser at the top level) share the rewrite with transform as one chunk.
const javascript = await rollup({
  input: { index: "index.js", transform: "loader/transform.js", register: "loader/register.js", "async-hooks": "loader/async-hooks.js" },
  external,
  plugins: [{ name: "compiled-root", resolveId: (id, importer) => (importer ? null : join(compiled, id)) }, compiledJavaScript],
  onwarn: fail,
});
await javascript.write({ dir: "dist", format: "es", sourcemap: true, sourcemapExcludeSources: true, minifyInternalExports: false, entryFileNames: "[name].js", chunkFileNames: "[name].js" });
await javascript.close();

// The implementation again, as CommonJS, for loaders that cannot require() an ES module (Jest's).
const commonJs = await rollup({ input: join(compiled, "index.js"), external, plugins: [compiledJavaScript], onwarn: fail });
await commonJs.write({ file: "dist/commonjs.cjs", format: "cjs", exports: "named", sourcemap: true, sourcemapExcludeSources: true });
await commonJs.close();

// Where a CommonJS entry is imported as a module (Deno's import() from CommonJS after a
// require() of the same package, some tools), the module's names come from a lexer that
// reads `module.exports = { … }` patterns. index.cjs exports the registry itself, so it
// names the ES module's exports in a statement that never runs (as esbuild's output does).
const esmNames = Object.keys(await import(`${pathToFileURL(join(root, "dist/index.js")).href}?names`)).filter((name) => name !== "default");
const indexCjs = readFileSync("dist/index.cjs", "utf8");
const annotation = `// The export names, for CommonJS lexers (never runs).\n0 && (module.exports = { ${esmNames.join(", ")} });\n`;
writeFileSync("dist/index.cjs", indexCjs.replace(/^\/\/# sourceMappingURL=/m, `${annotation}$&`));

const declarations = await rollup({
  input: { index: join(declared, "index.d.ts"), transform: join(declared, "loader/transform.d.ts") },
  plugins: [dts({ sourcemap: true })],
  onwarn: fail,
});
await declarations.write({ dir: "dist", format: "es", sourcemap: true, entryFileNames: "[name].d.ts", chunkFileNames: "[name].d.ts" });
await declarations.close();

const coreJs = { bundle: true, platform: "node", target: "node20", format: "cjs", logLevel: "warning", sourcemap: "linked", outdir: "dist", outExtension: { ".js": ".cjs" } };
// CommonJS only: core-js is, and `import "atexit/polyfill"` loads it as well.
await build({ ...coreJs, entryPoints: { polyfill: "src/polyfill.cts" } });
// src/ compiled file by file, for the in-process tests of the parts no entry exports (the
// sequence's table and its shell): .build/ (ignored by git, not in the package).
rmSync(".build", { recursive: true, force: true });
cpSync(compiled, ".build", { recursive: true, filter: (path) => !path.endsWith(".map") });
rmSync(declared, { recursive: true, force: true });
rmSync(compiled, { recursive: true, force: true });

/** Copies a compiled file and its map, pointing the map's sources at src/ from the new place. */
function copyWithMap(from, to) {
  cpSync(from, to);
  const map = JSON.parse(readFileSync(`${from}.map`, "utf8"));
  map.file = to.split("/").at(-1);
  map.sources = map.sources.map((source) => relative(dirname(to), join(dirname(from), map.sourceRoot ?? "", source)));
  delete map.sourceRoot;
  writeFileSync(`${to}.map`, JSON.stringify(map));
}

// The examples, with `using` lowered so that Node 20 runs them.
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "examples/tsconfig.json"], { stdio: "inherit" });
