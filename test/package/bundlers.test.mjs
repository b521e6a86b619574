// Applications that bundle the installed package with esbuild, Rollup and webpack, into
// ES module and CommonJS bundles, run on the runtimes where the bundle's behaviour differs:
// Node 20 and 22 have no native AsyncDisposableStack or SuppressedError, so there the
// polyfill must survive the bundler's tree shaking (package.json's sideEffects) and
// chaining two failures must work from inside the bundle. The esbuild bundles also run on
// Node 24, Bun and Deno.
//
// The applications are bundled in a project of their own, which holds a copy of the
// installed package; that copy is removed before the bundles run, as on a machine the
// bundle is deployed to, so a bundle that still reaches into node_modules fails.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build as esbuild } from "esbuild";
import { rollup } from "rollup";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import commonjs from "@rollup/plugin-commonjs";
import webpack from "webpack";
import { runtimes } from "../runtimes.mjs";
import { scratchConsumer, writeFiles } from "./consumer.mjs";

const APPS = {
  // The globals come from atexit/polyfill alone: a bundler that drops the import leaves them undefined.
  "polyfill.mjs": `
import "atexit/polyfill";
import atexit from "atexit";
const stack = new AsyncDisposableStack();
stack.defer(() => console.log("stack disposed at exit"));
atexit.use(stack);
console.log(\`globals: \${typeof AsyncDisposableStack} \${typeof DisposableStack} \${typeof SuppressedError} \${typeof Symbol.asyncDispose}\`);
`,
  // Two failures in run(), chained into a SuppressedError; two more at exit, reported one by one.
  "failures.mjs": `
import atexit, { register } from "atexit";
register(function first() { throw new Error("first"); });
register(function second() { throw new Error("second"); });
atexit.run().then(
  () => console.log("run resolved"),
  (error) => {
    const chained = "suppressed" in error ? \`\${error.error.message}, suppressing \${error.suppressed.message}\` : error.message;
    console.log(\`run rejected: \${error.name}: \${chained}\`);
    register(function third() { throw new Error("third"); });
    register(function fourth() { throw new Error("fourth"); });
  },
);
`,
};
// The same application in CommonJS, which reaches the ES implementation through index.cjs.
APPS["failures.cjs"] = APPS["failures.mjs"].replace('import atexit, { register } from "atexit";', 'const atexit = require("atexit");\nconst { register } = atexit;');

const EXPECTED = {
  "polyfill.mjs": { status: 0, stdout: ["globals: function function function symbol", "stack disposed at exit"], reports: [] },
  failures: {
    status: 1,
    stdout: ["run rejected: SuppressedError: first, suppressing second"],
    reports: ["atexit: cleanup entry fourth failed:", "atexit: cleanup entry third failed:"],
  },
};
/** Each bundle: the application and the bundle's format. */
const BUNDLES = [
  ["polyfill.mjs", "esm"],
  ["polyfill.mjs", "cjs"],
  ["failures.mjs", "esm"],
  ["failures.mjs", "cjs"],
  ["failures.cjs", "cjs"],
];
const outputName = (bundler, app, format) => `${bundler}-${app.replace(".", "-")}.${format === "esm" ? "mjs" : "cjs"}`;

/** Builds every bundle of one bundler; returns its warnings. */
const BUNDLERS = {
  async esbuild(dir) {
    const warnings = [];
    for (const [app, format] of BUNDLES) {
      const result = await esbuild({ entryPoints: [join(dir, app)], outfile: join(dir, "out", outputName("esbuild", app, format)), bundle: true, platform: "node", format, logLevel: "silent" });
      warnings.push(...result.warnings.map((warning) => warning.text));
    }
    return warnings;
  },
  async rollup(dir) {
    const warnings = [];
    for (const [app, format] of BUNDLES) {
      const bundle = await rollup({
        input: join(dir, app),
        plugins: [nodeResolve({ exportConditions: ["node"], preferBuiltins: true }), commonjs()],
        onwarn: (warning) => warnings.push(warning.message),
      });
      await bundle.write({ file: join(dir, "out", outputName("rollup", app, format)), format: format === "esm" ? "es" : "cjs" });
      await bundle.close();
    }
    return warnings;
  },
  async webpack(dir) {
    const configs = BUNDLES.map(([app, format]) => ({
      mode: "production",
      target: "node20",
      entry: join(dir, app),
      devtool: false,
      optimization: { minimize: false },
      experiments: { outputModule: format === "esm" },
      output: { path: join(dir, "out"), filename: outputName("webpack", app, format), module: format === "esm", chunkFormat: format === "esm" ? "module" : "commonjs" },
    }));
    const stats = await new Promise((resolve, reject) => webpack(configs, (error, result) => (error ? reject(error) : resolve(result))));
    // A MultiStats' JSON gathers every compilation's errors and warnings.
    const { errors = [], warnings = [] } = stats.toJson({ all: false, errors: true, warnings: true });
    if (errors.length > 0) throw new Error(errors.map((entry) => entry.message).join("\n"));
    return warnings.map((entry) => entry.message);
  },
};

const RUNTIMES = {
  esbuild: ["node20", "node22", "node24", "bun", "deno"],
  rollup: ["node20", "node22"],
  webpack: ["node20", "node22"],
};

let dir;
const warnings = {};
before(async () => {
  dir = writeFiles(mkdtempSync(join(tmpdir(), "atexit-bundles-")), { ...APPS, "package.json": JSON.stringify({ name: "bundled-app", private: true, type: "module" }) });
  cpSync(join(scratchConsumer().dir, "node_modules/atexit"), join(dir, "node_modules/atexit"), { recursive: true });
  for (const [bundler, bundle] of Object.entries(BUNDLERS)) warnings[bundler] = await bundle(dir);
  rmSync(join(dir, "node_modules"), { recursive: true, force: true });
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const bundler of Object.keys(BUNDLERS)) {
  describe(`${bundler} bundles`, () => {
    test(`${bundler} bundles the applications without a warning`, () => {
      assert.deepEqual(warnings[bundler], []);
    });
    for (const [app, format] of BUNDLES) {
      test(`the ${format} bundle of ${app} holds one copy of atexit`, () => {
        // A sentence of the registry slot's error, once per copy: the ES implementation, not
        // also its CommonJS build (dist/commonjs.cjs, which index.cjs loads only under Jest).
        const code = readFileSync(join(dir, "out", outputName(bundler, app, format)), "utf8");
        assert.equal(code.split("cannot share the exit registry of").length - 1, 1);
      });
      for (const runtime of runtimes.filter((candidate) => RUNTIMES[bundler].includes(candidate.name))) {
        const expected = EXPECTED[app] ?? EXPECTED.failures;
        test(`${runtime.name} runs the ${format} bundle of ${app}`, { skip: runtime.skip }, () => {
          const file = join(dir, "out", outputName(bundler, app, format));
          const result = spawnSync(runtime.path, [...runtime.args, file], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
          const context = `\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
          assert.deepEqual(result.stdout.trim().split("\n").filter(Boolean), expected.stdout, context);
          assert.deepEqual(result.stderr.split("\n").filter((line) => line.startsWith("atexit:")), expected.reports, context);
          assert.equal(result.status, expected.status, context);
          if (expected.status === 0) assert.equal(result.stderr, "", context);
        });
      }
    }
  });
}
