// The module-lifetime `using` loader (SPEC §7). Two parts:
// 1. transform() in this process: byte-identity, kept lines and columns, the pre-filter's bounds.
// 2. fixtures from test/fixtures/loader/ run as child processes on every runtime, with and
//    without the loader, checking stdout line by line, the exit code and stderr.
// Needs a build (dist/): npm test builds first.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { mayContainUsing, transform } from "../../dist/transform.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = join(repoRoot, "test", "fixtures", "loader");
const fixture = (name) => join(fixtures, name);
const DEADLINE_MS = 30_000;
const scratch = mkdtempSync(join(tmpdir(), "atexit-loader-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// Runtimes: how each is given the loader, and what SPEC §7 says works there.

function findNode(name, major, candidates) {
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const version = spawnSync(path, ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "";
    if (version.startsWith(`v${major}.`)) return { name, path, version };
  }
  return { name, skip: `no Node.js ${major} found (looked at ${candidates.join(", ")})` };
}

function nodeRuntime(major, candidates) {
  const found = findNode(`node${major}`, major, candidates);
  return {
    ...found,
    args: (file, { loader = true, register = "atexit/register" } = {}) => (loader ? ["--import", register, file] : [file]),
    usingSyntax: major >= 24,
    typescript: major >= 22,
    commonjsRewrite: true,
    workerEntryRewrite: true,
  };
}

function otherRuntime(name, path, args) {
  return {
    name,
    ...(existsSync(path) ? { path } : { skip: `${name} is not installed at ${path} (npm install installs it)` }),
    args,
    usingSyntax: true,
    typescript: true,
    commonjsRewrite: name !== "bun",
    workerEntryRewrite: false,
  };
}

const nodeModules = join(repoRoot, "node_modules");
const runtimes = [
  nodeRuntime(20, [process.execPath, "/usr/bin/node"]),
  nodeRuntime(22, [join(nodeModules, "node22", "bin", "node")]),
  nodeRuntime(24, [join(nodeModules, "node24", "bin", "node")]),
  nodeRuntime(26, [join(nodeModules, "node26", "bin", "node")]),
  // --no-install where asked: without a node_modules, Bun would fetch a missing package itself.
  otherRuntime("bun", join(nodeModules, "@oven", "bun-linux-x64", "bin", "bun"), (file, { loader = true, register = "atexit/register", noInstall = false } = {}) => [
    ...(noInstall ? ["--no-install"] : []),
    ...(loader ? ["--preload", register, file] : [file]),
  ]),
  // Deno resolves a path preload; -A because the native parser needs --allow-ffi.
  otherRuntime("deno", join(nodeModules, "@deno", "linux-x64-glibc", "deno"), (file, { loader = true, register = "./dist/register.js" } = {}) =>
    loader ? ["run", "-A", "--preload", register, file] : ["run", "-A", file],
  ),
];

/** Runs `file` on `runtime`; resolves { code, signal, stdout: string[], stderr }. */
function run(runtime, file, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(runtime.path, runtime.args(file, options), {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), DEADLINE_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: stdout.split("\n").filter((line) => line !== ""), stderr });
    });
  });
}

function assertRun(result, expected, label) {
  const context = `${label}\nstdout:\n${result.stdout.join("\n")}\nstderr:\n${result.stderr}`;
  assert.deepEqual(result.stdout, expected.stdout, context);
  assert.equal(result.code, expected.code ?? 0, context);
  if (expected.stderr) assert.match(result.stderr, expected.stderr, context);
  else assert.doesNotMatch(result.stderr, /atexit:|Error/, context);
}

// ---------------------------------------------------------------------------------------------
// Expected outputs

/** The issue's app with the loader: the timer first, then one reverse order across modules. */
const APP_WITH_LOADER = [
  "create lib-sync",
  "create lib-async",
  "lib evaluated",
  "create entry-sync",
  "create entry-async",
  "entry evaluated",
  "timer (entry resources: entry-sync, entry-async)",
  "registered entry",
  "dispose entry-async",
  "dispose entry-sync",
  "dispose lib-async",
  "registered lib",
  "dispose lib-sync",
];
/** The same app without the loader: each module's resources end with its evaluation. */
const APP_STANDARD = [
  "create lib-sync",
  "create lib-async",
  "lib evaluated",
  "dispose lib-async",
  "dispose lib-sync",
  "create entry-sync",
  "create entry-async",
  "entry evaluated",
  "timer (entry resources: entry-sync, entry-async)",
  "dispose entry-async",
  "dispose entry-sync",
  "registered entry",
  "registered lib",
];
const ESM_KIND_WITH_LOADER = [
  "create lib",
  "lib evaluated",
  "create entry-sync",
  "create entry-async",
  "entry evaluated",
  "timer",
  "registered entry",
  "dispose entry-async",
  "dispose entry-sync",
  "registered lib",
  "dispose lib",
];
const CJS_KIND_WITH_LOADER = [
  "create lib",
  "lib evaluated",
  "create entry-a",
  "create entry-b",
  "entry evaluated",
  "timer",
  "registered entry",
  "dispose entry-b",
  "dispose entry-a",
  "registered lib",
  "dispose lib",
];
const CJS_KIND_STANDARD = [
  "create lib",
  "lib evaluated",
  "dispose lib",
  "create entry-a",
  "create entry-b",
  "entry evaluated",
  "dispose entry-b",
  "dispose entry-a",
  "timer",
  "registered entry",
  "registered lib",
];
const CHAIN_WITH_LOADER = ["create b", "b evaluated", "create a", "a evaluated", "create entry", "entry evaluated", "timer", "dispose entry", "dispose a", "dispose b"];
const CHAIN_BUN = ["create b", "b evaluated", "dispose b", "create a", "a evaluated", "dispose a", "create entry", "entry evaluated", "timer", "dispose entry"];
const WORKER_WITH_LOADER = ["create main", "main evaluated", "create worker", "worker evaluated", "worker timer", "dispose worker", "worker exited 0", "dispose main"];
/** Bun and Deno: the worker's entry module keeps the standard semantics (see docs/loader.md). */
const WORKER_ENTRY_STANDARD = ["create main", "main evaluated", "create worker", "worker evaluated", "dispose worker", "worker timer", "worker exited 0", "dispose main"];
const SYNC_SEMANTICS = [
  "not-object: TypeError",
  "no-dispose: TypeError",
  "null: accepted",
  "unregistered: true",
  "evaluated",
  "async method of both awaited",
  "method read at once",
  "sync dispose called",
  "registered before",
  "its promise settled",
];
const syntaxError = /SyntaxError/;
const bunCommonJsNotice = (...files) => new RegExp(files.map((file) => `atexit: \\S*${file} is CommonJS, which Bun cannot load rewritten`).join("[\\s\\S]*"));

// ---------------------------------------------------------------------------------------------
// 1. transform()

describe("transform()", () => {
  it("returns a module without top-level using as the very same string, unparsed when the pre-filter rules it out", () => {
    for (const name of ["misc/plain.mjs", "misc/untouched.mjs", "_resource.mjs"]) {
      const source = readFileSync(fixture(name), "utf8");
      const result = transform(source, { filename: name });
      assert.equal(result.code, source);
      assert.equal(result.changed, false);
      assert.equal(result.map, null);
    }
    assert.equal(mayContainUsing(readFileSync(fixture("misc/plain.mjs"), "utf8")), false);
    assert.equal(mayContainUsing("let using = 1; using(x); for (using of xs); using\n.x = 2"), false);
    assert.equal(mayContainUsing("using /* c */ db // c\n = open()"), true);
    assert.equal(mayContainUsing("using db: Db = open()"), true);
    assert.equal(mayContainUsing("using 𝒳 = open()"), true, "an identifier outside the BMP");
  });

  it("leaves using in loops, blocks and functions, and using as an identifier, alone", () => {
    const source = "for (using x of xs) {}\n{ using y = f(); }\nfunction g() { using z = f(); }\nlet using = 1;\n";
    const result = transform(source, { filename: "a.mjs" });
    assert.equal(result.code, source);
    assert.equal(result.changed, false);
  });

  it("keeps every line, and every column before each inserted declarator, in place", () => {
    const source = readFileSync(fixture("misc/stack.mjs"), "utf8");
    const { code, changed, map } = transform(source, { filename: "stack.mjs" });
    assert.equal(changed, true);
    const before = source.split("\n");
    const afterLines = code.split("\n");
    assert.equal(afterLines.length, before.length + 1, "one appended helper line");
    assert.equal(afterLines[6], 'const first = (where(new Error("in a using initializer")), syncResource("first")), __atexit$1 = __atexit_using(first);');
    assert.equal(
      afterLines[7],
      '  const       second = (where(new Error("in an await using initializer")), syncResource("second")), __atexit$2 = __atexit_awaitUsing(second), third = syncResource("third"), __atexit$3 = __atexit_awaitUsing(third);',
    );
    for (let line = 0; line < before.length - 1; line += 1) {
      if (line === 6 || line === 7) continue;
      assert.equal(afterLines[line], before[line]);
    }
    assert.match(afterLines.at(-2), /^import __atexit from "atexit"; function __atexit_fail\(error, caller\) \{[^\n]*function __atexit_using\(v\)/);
    assert.equal(map.version, 3);
    assert.equal(map.mappings.split(";").length, before.length);
  });

  it("puts only a short call on a first-line declaration, and the helpers on an appended last line", () => {
    const source = "using db = open();\nconsole.log(db);\n";
    const lines = transform(source, { filename: "first.mjs" }).code.split("\n");
    assert.equal(lines[0], "const db = open(), __atexit$1 = __atexit_using(db);");
    assert.equal(lines[1], "console.log(db);");
    assert.match(lines[2], /^import __atexit from "atexit"; function __atexit_fail/);
    assert.deepEqual(lines.slice(3), [""]);
  });

  it("requires the package from CommonJS and picks names the module does not use", () => {
    const source = "const __atexit = 1;\nusing r = open();\n";
    const { code } = transform(source, { filename: "a.cjs" });
    assert.equal(code.split("\n")[1], "const r = open(), __atexit_$1 = __atexit__using(r);");
    assert.match(code, /function __atexit__using\(v\)[^\n]*require\("atexit"\)\.default\.adopt/);
    assert.doesNotMatch(code, /^import /m);
    assert.match(transform("using r = open();", { filename: "a.ts", runtime: "file:///x/index.js" }).code, /import __atexit from "file:\/\/\/x\/index\.js"/);
  });

  it("returns the source unchanged with a warning when the parser fails", () => {
    const source = "using x = ;\n";
    const result = transform(source, { filename: "broken.mjs" });
    assert.equal(result.code, source);
    assert.equal(result.changed, false);
    assert.match(result.warning, /broken\.mjs/);
  });

  it("answers right on pathological inputs (their scan time is measured by npm run bench, section 8)", () => {
    const inputs = ["using ".repeat(400_000), `using /*${"x".repeat(2_000_000)}`, "using a".repeat(300_000), `${"using x ".repeat(200_000)}//`];
    // An unterminated comment after `using` is left to the parser to judge (a "maybe"); the others are clear "no"s.
    assert.deepEqual(inputs.map((input) => mayContainUsing(input)), [false, true, false, false]);
    assert.equal(mayContainUsing(`${"using ".repeat(1000)}x = 1`), true);
  });

  it("says whether the parser is missing or installed but broken", async () => {
    for (const [name, parser, message] of [
      ["missing", undefined, /atexit\/transform needs the optional peer dependency "oxc-parser": install it/],
      ["broken", 'throw new Error("no native binding for this platform");\n', /atexit\/transform found the optional peer dependency "oxc-parser" but could not load it: no native binding/],
    ]) {
      const copy = join(scratch, `transform-${name}-parser`);
      cpSync(join(repoRoot, "dist"), join(copy, "dist"), { recursive: true });
      if (parser) {
        mkdirSync(join(copy, "node_modules", "oxc-parser"), { recursive: true });
        writeFileSync(join(copy, "node_modules", "oxc-parser", "package.json"), '{ "name": "oxc-parser", "type": "module", "exports": "./index.js" }\n');
        writeFileSync(join(copy, "node_modules", "oxc-parser", "index.js"), parser);
      }
      const copied = await import(pathToFileURL(join(copy, "dist", "transform.js")).href);
      assert.throws(() => copied.transform("using x = f();\n", { filename: "a.mjs" }), { message }, name);
    }
  });

  it("validates its arguments", () => {
    assert.throws(() => transform(42, { filename: "a.mjs" }), { name: "TypeError", message: /Expected `code` to be a string, got `42` \(number\)/ });
    assert.throws(() => transform("using a = b;", {}), { name: "TypeError", message: /options\.filename/ });
  });
});

// ---------------------------------------------------------------------------------------------
// 2. The loader on every runtime

for (const runtime of runtimes) {
  describe(`the loader on ${runtime.name}${runtime.version ? ` (${runtime.version})` : ""}`, { skip: runtime.skip, concurrency: true }, () => {
    it("keeps top-level using resources of the entry and an imported module until termination, in one reverse order", async () => {
      assertRun(await run(runtime, fixture("app/entry.mjs")), { stdout: APP_WITH_LOADER }, "with the loader");
      const standard = await run(runtime, fixture("app/entry.mjs"), { loader: false });
      if (runtime.usingSyntax) assertRun(standard, { stdout: APP_STANDARD }, "without the loader");
      else assertRun(standard, { stdout: [], code: 1, stderr: syntaxError }, "without the loader");
    });

    it("rewrites CommonJS modules (.cjs), or on Bun keeps their standard semantics with one notice each", async () => {
      const result = await run(runtime, fixture("kinds/entry.cjs"));
      if (runtime.commonjsRewrite) assertRun(result, { stdout: CJS_KIND_WITH_LOADER }, ".cjs");
      else assertRun(result, { stdout: CJS_KIND_STANDARD, stderr: bunCommonJsNotice("entry.cjs", "lib.cjs") }, ".cjs");
    });

    for (const extension of ["ts", "mts", "cts"]) {
      it(`rewrites .${extension} modules under type stripping`, { skip: runtime.typescript ? false : "no type stripping before Node 22" }, async () => {
        const result = await run(runtime, fixture(`kinds/entry.${extension}`));
        if (extension !== "cts") assertRun(result, { stdout: ESM_KIND_WITH_LOADER }, `.${extension}`);
        else if (runtime.commonjsRewrite) assertRun(result, { stdout: CJS_KIND_WITH_LOADER }, ".cts");
        else assertRun(result, { stdout: CJS_KIND_STANDARD, stderr: bunCommonJsNotice("entry.cts", "lib.cts") }, ".cts");
      });
    }

    it("rewrites an ESM → CommonJS → CommonJS chain", async () => {
      const result = await run(runtime, fixture("chain/entry.mjs"));
      if (runtime.commonjsRewrite) assertRun(result, { stdout: CHAIN_WITH_LOADER }, "chain");
      else assertRun(result, { stdout: CHAIN_BUN, stderr: bunCommonJsNotice("a.cjs", "b.cjs") }, "chain");
    });

    it("keeps a worker's module-level using until the worker ends (Node), or shows the entry limit (Bun, Deno)", async () => {
      const result = await run(runtime, fixture("worker/main.mjs"));
      assertRun(result, { stdout: runtime.workerEntryRewrite ? WORKER_WITH_LOADER : WORKER_ENTRY_STANDARD }, "worker");
    });

    it("keeps a worker's module-level using when the worker imports atexit/register before its code (every runtime)", async () => {
      const result = await run(runtime, fixture("worker/bootstrap-main.mjs"), { loader: false });
      assertRun(result, { stdout: ["main evaluated", "create worker", "worker evaluated", "worker timer", "dispose worker", "worker exited 0"] }, "bootstrap worker");
    });

    it("gives `using` its sync meaning and `await using` the meaning of atexit.use()", async () => {
      assertRun(await run(runtime, fixture("misc/sync-semantics.mjs")), { stdout: SYNC_SEMANTICS }, "sync semantics");
    });

    it("leaves modules without top-level using alone: the same output as without the loader", async () => {
      for (const name of ["misc/plain.mjs", ...(runtime.usingSyntax ? ["misc/untouched.mjs"] : [])]) {
        const [withLoader, without] = await Promise.all([run(runtime, fixture(name)), run(runtime, fixture(name), { loader: false })]);
        assert.deepEqual(withLoader, without, name);
        assert.equal(withLoader.code, 0, withLoader.stderr);
      }
    });

    it("keeps the line and column of errors created on rewritten lines and after them", async () => {
      const result = await run(runtime, fixture("misc/stack.mjs"));
      // V8's positions; on the other engines the standard run is the reference.
      let expected = ["7:22", "create first", "8:31", "create second", "create third", "9:7", "dispose third", "dispose second", "dispose first"];
      if (runtime.usingSyntax) {
        const standard = await run(runtime, fixture("misc/stack.mjs"), { loader: false });
        expected = [...standard.stdout.slice(0, 6), ...standard.stdout.slice(-3)];
        assert.deepEqual(standard.stdout.slice(-3), ["dispose third", "dispose second", "dispose first"]);
        const thrownAt = /stack\.mjs:(\d+:\d+)/.exec(standard.stderr)?.[1];
        assert.ok(thrownAt, standard.stderr);
        assert.ok(result.stderr.includes(`stack.mjs:${thrownAt}`), result.stderr);
      } else {
        assert.match(result.stderr, /stack\.mjs:10:7/);
      }
      // With the loader the resources outlive the uncaught error: they are disposed after it is printed (T6).
      assert.deepEqual(result.stdout, expected);
      assert.equal(result.code, 1);
    });

    it("serves a rewritten module at its own URL: import.meta.url, stack traces and the runtime's code frame as without the loader", async () => {
      const withLoader = await run(runtime, fixture("misc/frame.mjs"));
      assert.deepEqual(withLoader.stdout, [pathToFileURL(fixture("misc/frame.mjs")).href], withLoader.stderr);
      assert.equal(withLoader.code, 1);
      assert.doesNotMatch(withLoader.stderr, /\?atexit|atexit:/, withLoader.stderr);
      if (runtime.usingSyntax) {
        // The same error output, code frame included, as the standard run of the same module.
        assert.equal(withLoader.stderr, (await run(runtime, fixture("misc/frame.mjs"), { loader: false })).stderr);
      } else {
        assert.match(withLoader.stderr, /frame\.mjs:5\n {0}throw new Error\("thrown on line 5"\);\n {6}\^/, withLoader.stderr);
      }
    });

    it("reports a non-disposable value of a top-level using at the user's line, not in the injected helpers", async () => {
      const result = await run(runtime, fixture("misc/bad-using.mjs"));
      assert.equal(result.code, 1, result.stderr);
      assert.deepEqual(result.stdout, []);
      assert.match(result.stderr, /TypeError: using: expected an object with \[Symbol\.dispose\], got number/);
      // The first frame is the declaration's line, and nothing of the helpers' line is printed.
      assert.match(result.stderr.split("\n").find((line) => /^\s+at /.test(line)) ?? "", /bad-using\.mjs:2:\d+/, result.stderr);
      assert.doesNotMatch(result.stderr, /function __atexit|__atexit_fail/, result.stderr);
    });

    it("maps a column after an insertion back to the original where the runtime applies the inline source map", async () => {
      // Node applies it with --enable-source-maps, Deno always; Bun does not apply a plugin's map to
      // stack positions: there the column is shifted by the insertion before it (a limit docs/loader.md states).
      const result = await run(runtime, fixture("misc/columns.mjs"), { env: { NODE_OPTIONS: "--enable-source-maps" } });
      const source = readFileSync(fixture("misc/columns.mjs"), "utf8");
      const line = source.split("\n")[3];
      let column = line.indexOf("new Error") + 1;
      if (runtime.name === "bun") {
        const standard = await run(runtime, fixture("misc/columns.mjs"), { loader: false });
        const inserted = transform(source, { filename: "columns.mjs" }).code.split("\n")[3].indexOf("new Error") - line.indexOf("new Error");
        column = Number(standard.stdout[1].split(":")[1]) + inserted;
      }
      assertRun(result, { stdout: ["create first", `4:${column}`, "create second", "dispose second", "dispose first"] }, "columns");
    });

    it("fails at once, naming the package to install, when oxc-parser is missing", async () => {
      const copy = join(scratch, `no-parser-${runtime.name}`);
      cpSync(join(repoRoot, "dist"), join(copy, "dist"), { recursive: true });
      const result = await run(runtime, fixture("misc/plain.mjs"), { register: pathToFileURL(join(copy, "dist", "register.js")).href, noInstall: true });
      assert.notEqual(result.code, 0);
      assert.deepEqual(result.stdout, []);
      assert.match(result.stderr, /needs the optional peer dependency "oxc-parser": install it with `npm install oxc-parser`/);
      if (runtime.name === "deno") assert.match(result.stderr, /--allow-ffi/);
      // Readable: the message comes within the first lines, after no screen of code.
      const lines = result.stderr.split("\n");
      assert.ok(lines.findIndex((text) => text.includes("needs the optional peer dependency")) < 8, result.stderr);
      assert.deepEqual(lines.filter((text) => text.length > 300), []);
    });

    it("says the parser was found but could not load, with the cause, when it is installed but broken", async () => {
      const copy = join(scratch, `broken-parser-${runtime.name}`);
      cpSync(join(repoRoot, "dist"), join(copy, "dist"), { recursive: true });
      mkdirSync(join(copy, "node_modules", "oxc-parser"), { recursive: true });
      writeFileSync(join(copy, "node_modules", "oxc-parser", "package.json"), '{ "name": "oxc-parser", "type": "module", "exports": "./index.js" }\n');
      writeFileSync(join(copy, "node_modules", "oxc-parser", "index.js"), 'throw new Error("no native binding for this platform");\n');
      const result = await run(runtime, fixture("misc/plain.mjs"), { register: pathToFileURL(join(copy, "dist", "register.js")).href, noInstall: true });
      assert.notEqual(result.code, 0);
      assert.deepEqual(result.stdout, []);
      assert.match(result.stderr, /found the optional peer dependency "oxc-parser" but could not load it: no native binding for this platform/, result.stderr);
      assert.doesNotMatch(result.stderr, /install it with/);
    });

    it("runs an esbuild bundle built with the transform plugin", { skip: ["node22", "node26"].includes(runtime.name) && "bundles are checked on Node 20 and 24, Bun and Deno" }, async () => {
      const outfile = join(scratch, `bundle-${runtime.name}`, "app.mjs");
      const { atexitUsing } = await import("../fixtures/loader/misc/esbuild-plugin.mjs");
      // ignoreAnnotations: the repository's package.json lists the files with side effects, which
      // leaves the fixtures out, and would drop the fixture's side-effect-only import of lib.mjs.
      await build({ entryPoints: [fixture("app/entry.mjs")], bundle: true, platform: "node", format: "esm", target: "node20", outfile, plugins: [atexitUsing()], logLevel: "silent", ignoreAnnotations: true });
      assert.doesNotMatch(readFileSync(outfile, "utf8"), /^\s*(await )?using /m);
      assertRun(await run(runtime, outfile, { loader: false }), { stdout: APP_WITH_LOADER }, "bundle");
    });
  });
}

// ---------------------------------------------------------------------------------------------
// 3. Configuration by environment variables (Node 24 stands for all: the code is shared)

describe("the loader's environment variables", { skip: runtimes[2].skip, concurrency: true }, () => {
  const node24 = runtimes[2];

  it("ATEXIT_LOADER=off leaves every module as it is (on Bun too, where no plugin is installed at all)", async () => {
    assertRun(await run(node24, fixture("app/entry.mjs"), { env: { ATEXIT_LOADER: "off" } }), { stdout: APP_STANDARD }, "off");
    const bun = runtimes.find((runtime) => runtime.name === "bun");
    if (!bun.skip) assertRun(await run(bun, fixture("app/entry.mjs"), { env: { ATEXIT_LOADER: "off" } }), { stdout: APP_STANDARD }, "off on Bun");
  });

  it("node_modules is left alone unless ATEXIT_LOADER_NODE_MODULES=1", async () => {
    const app = join(scratch, "node-modules-app");
    mkdirSync(join(app, "node_modules", "dep"), { recursive: true });
    writeFileSync(join(app, "node_modules", "dep", "package.json"), '{ "name": "dep", "type": "module", "exports": "./index.js" }\n');
    writeFileSync(join(app, "node_modules", "dep", "index.js"), 'using dep = { [Symbol.dispose]() { console.log("dispose dep"); } };\nconsole.log("dep evaluated");\n');
    writeFileSync(join(app, "app.mjs"), 'import "dep";\nusing app = { [Symbol.dispose]() { console.log("dispose app"); } };\nconsole.log("app evaluated");\n');
    const register = pathToFileURL(join(repoRoot, "dist", "register.js")).href;
    assertRun(await run(node24, join(app, "app.mjs"), { cwd: app, register }), { stdout: ["dep evaluated", "dispose dep", "app evaluated", "dispose app"] }, "default");
    assertRun(
      await run(node24, join(app, "app.mjs"), { cwd: app, register, env: { ATEXIT_LOADER_NODE_MODULES: "1" } }),
      { stdout: ["dep evaluated", "app evaluated", "dispose app", "dispose dep"] },
      "ATEXIT_LOADER_NODE_MODULES=1",
    );
  });

  it("ATEXIT_LOADER_DEBUG=1 names each rewritten module on stderr", async () => {
    const result = await run(node24, fixture("app/entry.mjs"), { env: { ATEXIT_LOADER_DEBUG: "1" } });
    assert.deepEqual(result.stdout, APP_WITH_LOADER);
    assert.match(result.stderr, /atexit: rewrote top-level using in \S*app\/lib\.mjs/);
    assert.match(result.stderr, /atexit: rewrote top-level using in \S*app\/entry\.mjs/);
  });
});
