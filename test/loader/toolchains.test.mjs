// Module-level `using` wherever TypeScript runs (issue 17): every way of running the app of
// test/fixtures/loader/toolchains/ (db.ts: a top-level `await using` pool; server.ts: a
// top-level `using` server; main.ts: a register() call) is a child process run with the real
// tool, from the packed tarball installed as a user installs it, into a scratch project
// outside the repository. Each recipe that keeps `using` is checked three ways: SIGTERM once
// the app is ready, Ctrl-C (SIGINT to the whole process group, as a terminal sends it), and
// the event loop draining; each time the disposal order at exit is the one reverse order.
// Each recipe that cannot keep it (a compiler that lowered `using` first, hooks in the wrong
// order) must print the exact `atexit:` line that names the file, the tool and the setting.
//
// The scratch project is installed once per build (and per tool version), and kept in the
// temp directory until the build changes; the builds run once per test run; the children
// run concurrently, at most MAX_CHILDREN at a time.
// ATEXIT_RUNTIMES (comma-separated: node20,node22,node24,node26,bun,deno) narrows the runtimes.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { assertAllPresent, repoRoot, runtimes as allRuntimes } from "../runtimes.mjs";
import { npm, pkg, scratchConsumer } from "../package/consumer.mjs";

const fixtures = join(repoRoot, "test", "fixtures", "loader", "toolchains");
/** A child still running after this long is killed and its test fails. */
const DEADLINE_MS = 60_000;
/** Children at once (2 cores, shared): the apps mostly wait; the builds and tools' start-up do not. */
const MAX_CHILDREN = 4;

assertAllPresent();
const only = process.env.ATEXIT_RUNTIMES?.split(",");
const runtimes = new Map(allRuntimes.map((runtime) => [runtime.name, runtime]));
/** Why a cell cannot run here, or undefined. */
function skipOn(name) {
  if (only && !only.includes(name)) return `not in ATEXIT_RUNTIMES=${only.join(",")}`;
  return runtimes.get(name)?.skip;
}

// ---------------------------------------------------------------------------------------------
// The scratch project: atexit from the packed tarball, oxc-parser, and every tool at the version
// the repository pins (its devDependencies), installed with npm as a user does.

const installedVersion = (name) => JSON.parse(readFileSync(join(repoRoot, "node_modules", name, "package.json"), "utf8")).version;
const TOOLS = [
  "oxc-parser",
  "@types/node",
  "tsx",
  "ts-node",
  "esbuild",
  "vite",
  "rollup",
  "webpack",
  "webpack-cli",
  "ts-loader",
  "@babel/core",
  "@babel/plugin-transform-explicit-resource-management",
  "@swc/core",
];
const installSpecs = () => [
  ...TOOLS.map((name) => `${name}@${installedVersion(name)}`),
  // tsc: TypeScript 7, the current release. ts-node and ts-loader need TypeScript's JavaScript
  // API, which TypeScript 7 does not have: for them `typescript` is TypeScript 6.
  `typescript7@npm:typescript@${installedVersion("typescript")}`,
  `typescript@npm:@typescript/typescript6@${installedVersion("@typescript/typescript6")}`,
];

let project;
function toolchainProject() {
  const consumer = scratchConsumer(); // packs the tarball (once per build)
  const specs = installSpecs();
  const base = join(tmpdir(), `atexit-toolchains-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 8)}`);
  const key = createHash("sha256").update(basename(consumer.dir)).update(specs.join(" ")).digest("hex").slice(0, 16);
  const dir = join(base, key);
  if (!existsSync(join(dir, "installed.json"))) {
    mkdirSync(base, { recursive: true });
    for (const stale of readdirSync(base)) if (stale !== key) rmSync(join(base, stale), { recursive: true, force: true });
    const building = `${dir}.${process.pid}`;
    mkdirSync(building, { recursive: true });
    writeFileSync(join(building, "package.json"), JSON.stringify({ name: "toolchains", private: true, type: "module" }));
    npm(["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", consumer.tarball, ...specs], building);
    // As after `npm install atexit` from the registry: a version range, not a file: path (Deno's
    // npm: specifiers match package.json's ranges; the file: case has a test of its own below).
    const manifest = JSON.parse(readFileSync(join(building, "package.json"), "utf8"));
    manifest.dependencies.atexit = `^${pkg.version}`;
    writeFileSync(join(building, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(building, "installed.json"), JSON.stringify({ tarball: consumer.tarball, specs }));
    try {
      renameSync(building, dir);
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(join(dir, "installed.json"))) throw error;
    }
  }
  // The app and the recipes' files, fresh each run; the builds' outputs of an earlier run go.
  for (const entry of readdirSync(dir)) if (/^(dist-|out)/.test(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
  cpSync(fixtures, dir, { recursive: true });
  return { dir, tarball: consumer.tarball };
}

// ---------------------------------------------------------------------------------------------
// Running children, at most MAX_CHILDREN at a time

let running = 0;
const waiting = [];
async function withSlot(task) {
  while (running >= MAX_CHILDREN) await new Promise((resolve) => waiting.push(resolve));
  running++;
  try {
    return await task();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** The environment of every child: ours, less what would change its behaviour. */
function childEnv(extra = {}) {
  const env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
  for (const name of ["NODE_TEST_CONTEXT", "NODE_OPTIONS", "NODE_CHANNEL_FD", "ATEXIT_TRACE", "ATEXIT_LOADER", "ATEXIT_LOADER_DEBUG"]) delete env[name];
  return { ...env, ...extra };
}

/**
 * Runs `command` (`[file, ...args]`) in `cwd`, in a process group of its own. `end` is "drain"
 * (the app ends by itself), "SIGTERM" (sent to the child once it printed "ready"), or "SIGINT"
 * (sent to the whole group once it printed "ready", as a terminal's Ctrl-C; to the child alone
 * with `interruptGroup: false`). Resolves
 * { code, signal, stdout: lines, stderr, atexitLines }.
 */
function run(command, { cwd, env = {}, end = "drain", interruptGroup = true }) {
  return withSlot(
    () =>
      new Promise((resolve, reject) => {
        const child = spawn(command[0], command.slice(1), {
          cwd,
          detached: true,
          stdio: ["ignore", "pipe", "pipe"],
          env: childEnv({ ...env, APP_STAY: end === "drain" ? "" : "1" }),
        });
        let stdout = "";
        let stderr = "";
        let signalled = false;
        child.stdout.on("data", (chunk) => {
          stdout += chunk;
          if (end !== "drain" && !signalled && /^ready$/m.test(stdout)) {
            signalled = true;
            if (end === "SIGTERM" || !interruptGroup) child.kill(end);
            else process.kill(-child.pid, "SIGINT");
          }
        });
        child.stderr.on("data", (chunk) => (stderr += chunk));
        const timer = setTimeout(() => process.kill(-child.pid, "SIGKILL"), DEADLINE_MS);
        child.on("error", reject);
        child.on("close", (code, signal) => {
          clearTimeout(timer);
          const lines = (text) => text.split("\n").filter((line) => line !== "");
          resolve({ code, signal, stdout: lines(stdout), stderr, atexitLines: lines(stderr).filter((line) => line.startsWith("atexit:")) });
        });
      }),
  );
}

const describeRun = (result) => `exit code ${result.code}, signal ${result.signal}\nstdout:\n${result.stdout.join("\n")}\nstderr:\n${result.stderr}`;

// ---------------------------------------------------------------------------------------------
// What the app prints

/** With module-lifetime `using`: every resource lives until the end, then one reverse order. */
const KEPT = ["pool open", "server listening (pool open)", "ready", "main: goodbye", "server closed", "pool closed"];
/** With `using` lowered by a compiler: each module's resources end with the module. */
const LOWERED = ["pool open", "pool closed", "server listening (pool open)", "server closed", "ready", "main: goodbye"];

/** How the process ends after each kind of end: death by the signal, or (tsx's own process) 128 + its number. */
const ENDINGS = {
  drain: { code: 0, signal: null },
  SIGTERM: { code: null, signal: "SIGTERM" },
  SIGINT: { code: null, signal: "SIGINT" },
};
/**
 * The tsx command relays a signal to the app and SIGKILLs it when the app has not answered within
 * 30 ms, then 30 ms more: with the other toolchains' children beside it, it did (the app ran
 * nothing). A signal through the tsx command is test/launchers/dev.test.mjs's, whose tsx runs have
 * the machine to themselves; here the loader is shown where no launcher deadline is involved.
 */
const TSX_ENDINGS = { drain: { code: 0, signal: null } };

// ---------------------------------------------------------------------------------------------
// The recipes: toolchain × runtime. Each cell: the command (given the runtime and the project),
// the environment, and how the process reports its end.

/** A command for each runtime of `names`, from the arguments after the runtime's binary. */
const onRuntimes = (names, args, options = {}) => names.map((name) => ({ runtime: name, command: (dir) => [runtimes.get(name).path, ...runtimes.get(name).args, ...args(dir, name)], ...options }));

export const RECIPES = [
  {
    toolchain: "Node's type stripping",
    recipe: "node --import atexit/register main.ts",
    cells: onRuntimes(["node22", "node24", "node26"], () => ["--import", "atexit/register", "main.ts"]),
  },
  {
    toolchain: "tsx (--import)",
    recipe: "node --import atexit/register --import tsx main.ts",
    cells: onRuntimes(["node20", "node22", "node24", "node26"], () => ["--import", "atexit/register", "--import", "tsx", "main.ts"]),
  },
  {
    toolchain: "tsx (the tsx command, when the loop drains)",
    recipe: 'NODE_OPTIONS="--import atexit/register" npx tsx main.ts',
    // tsx runs the app in a child of its own, with the Node it was started by (the one on PATH).
    // Its Ctrl-C is sent to tsx alone, which relays it to the app: a terminal's Ctrl-C reaches
    // the app twice (the terminal's SIGINT and tsx's relay, tens of ms apart under load), and
    // whether the relay counts as the same Ctrl-C is the termination sequence's echo window (SPEC T5), not the loader's.
    cells: ["node20", "node24"].map((name) => ({
      runtime: name,
      command: (dir) => [join(dir, "node_modules", ".bin", "tsx"), "main.ts"],
      env: () => ({ NODE_OPTIONS: "--import atexit/register", PATH: `${dirname(runtimes.get(name).path)}:${process.env.PATH}` }),
      endings: TSX_ENDINGS,
      interruptGroup: false,
    })),
  },
  {
    toolchain: "ts-node (ESM)",
    recipe: "node --import atexit/register --loader ts-node/esm main.ts",
    cells: onRuntimes(["node20", "node24"], () => ["--import", "atexit/register", "--loader", "ts-node/esm", "main.ts"]),
  },
  {
    toolchain: 'tsc ("target": "ESNext"), then node',
    recipe: "npx tsc && node --import atexit/register out/main.js",
    cells: onRuntimes(["node20", "node22", "node24", "node26"], () => ["--import", "atexit/register", "out/main.js"]),
  },
  {
    toolchain: "Bun",
    recipe: "bun --preload atexit/register main.ts",
    cells: onRuntimes(["bun"], () => ["--preload", "atexit/register", "main.ts"]),
  },
  {
    toolchain: "Deno",
    recipe: "deno run -A --preload npm:atexit/register main.ts",
    cells: onRuntimes(["deno"], () => ["--preload", "npm:atexit/register", "main.ts"]),
  },
  {
    toolchain: "esbuild (the plugin)",
    recipe: "node build-esbuild.mjs && node dist-esbuild/main.mjs",
    cells: onRuntimes(["node20", "node24", "bun", "deno"], () => ["dist-esbuild/main.mjs"]),
  },
  {
    toolchain: "Vite (the plugin)",
    recipe: "npx vite build && node dist-vite/main.js",
    cells: onRuntimes(["node20", "node24"], () => ["dist-vite/main.js"]),
  },
  {
    toolchain: "Rollup (the plugin, on tsc's output)",
    recipe: "npx tsc && npx rollup -c && node dist-rollup/main.mjs",
    cells: onRuntimes(["node20", "node24"], () => ["dist-rollup/main.mjs"]),
  },
  {
    toolchain: "webpack (the loader, before ts-loader)",
    recipe: "npx webpack && node dist-webpack/main.mjs",
    cells: onRuntimes(["node20", "node24"], () => ["dist-webpack/main.mjs"]),
  },
];

/** The builds every bundler row needs, run once, with the machine's Node, as the recipes say. */
const BUILDS = [
  { name: "tsc (ESNext)", args: ["node_modules/typescript7/bin/tsc", "-p", "tsconfig.json"] },
  { name: "tsc (ES2022)", args: ["node_modules/typescript7/bin/tsc", "-p", "tsconfig.es2022.json"] },
  { name: "esbuild with the plugin", args: ["build-esbuild.mjs"] },
  {
    name: "esbuild without the plugin",
    args: ["node_modules/esbuild/bin/esbuild", "main.ts", "--bundle", "--platform=node", "--format=esm", "--target=node20", "--packages=external", "--outfile=dist-esbuild-plain/main.mjs", "--log-level=warning"],
  },
  { name: "Vite", args: ["node_modules/vite/bin/vite.js", "build"] },
  { name: "webpack", args: ["node_modules/webpack-cli/bin/cli.js"] },
  { name: "Rollup", after: "tsc (ESNext)", args: ["node_modules/rollup/dist/bin/rollup", "-c", "--silent"] },
];

// ---------------------------------------------------------------------------------------------

describe("module-level using, toolchain by toolchain, from the packed tarball", { concurrency: true }, () => {
  let dir;
  before(async () => {
    project = toolchainProject();
    dir = project.dir;
    const done = new Map();
    /** Each build once; Rollup after tsc, whose output it bundles. */
    const build = (step) => {
      if (!done.has(step.name)) {
        done.set(
          step.name,
          (async () => {
            if (step.after) await build(BUILDS.find((other) => other.name === step.after));
            const result = await run([process.execPath, ...step.args], { cwd: dir });
            assert.equal(result.code, 0, `${step.name} failed: ${describeRun(result)}`);
            assert.deepEqual(result.atexitLines, [], `${step.name}: no atexit: line while building`);
          })(),
        );
      }
      return done.get(step.name);
    };
    await Promise.all(BUILDS.map(build));
  });

  for (const { toolchain, recipe, cells } of RECIPES) {
    for (const cell of cells) {
      const endings = cell.endings ?? ENDINGS;
      const ways = Object.keys(endings).map((end) => ({ drain: "drain", SIGTERM: "SIGTERM", SIGINT: "Ctrl-C" })[end]);
      it(`${toolchain} on ${cell.runtime} (${recipe}): using lives until exit on ${ways.join(", ")}`, { skip: skipOn(cell.runtime) }, async () => {
        const results = await Promise.all(Object.keys(endings).map((end) => run(cell.command(dir), { cwd: dir, env: cell.env?.() ?? {}, end, interruptGroup: cell.interruptGroup })));
        Object.keys(endings).forEach((end, index) => {
          const result = results[index];
          const context = `${end}: ${describeRun(result)}`;
          assert.deepEqual(result.stdout, KEPT, context);
          assert.deepEqual({ code: result.code, signal: result.signal }, endings[end], context);
          assert.deepEqual(result.atexitLines, [], context);
        });
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Where using was lowered before atexit saw it: the exact line, once per file.

  const lost = (file, tool, fix) => `atexit: ${file}: its top-level using was lowered by ${tool} before atexit could keep it, so it is disposed when the module finishes, not at exit: ${fix}`;
  const TSX_IMPORT_FIX = "tsx's hooks ran first; put --import atexit/register before --import tsx";
  const TSX_COMMAND_FIX = 'the tsx command loads --import atexit/register after its own hooks; run NODE_OPTIONS="--import atexit/register" tsx instead';
  const TSC_FIX = 'set "target": "ESNext" in tsconfig.json';

  /** Runs a lowered app to its natural end: the standard order, and exactly `lines` (in any order: the hooks see modules in load order). */
  async function assertNamed(command, options, lines) {
    const result = await run(command, { cwd: dir, ...options });
    const context = describeRun(result);
    assert.deepEqual(result.stdout, LOWERED, context);
    assert.equal(result.code, 0, context);
    assert.deepEqual([...result.atexitLines].sort(), [...lines].sort(), context);
  }

  for (const name of ["node20", "node24"]) {
    it(`tsx's hooks before atexit's (node --import tsx --import atexit/register) on ${name}: the wrong order is named, once per file`, { skip: skipOn(name) }, async () => {
      await assertNamed([runtimes.get(name).path, "--import", "tsx", "--import", "atexit/register", "main.ts"], {}, [
        lost(join(dir, "db.ts"), "tsx (esbuild)", TSX_IMPORT_FIX),
        lost(join(dir, "server.ts"), "tsx (esbuild)", TSX_IMPORT_FIX),
      ]);
    });
  }

  it("the tsx command given --import atexit/register (which it loads after its own hooks) on node24: named, with the NODE_OPTIONS recipe", { skip: skipOn("node24") }, async () => {
    const env = { PATH: `${dirname(runtimes.get("node24").path)}:${process.env.PATH}` };
    await assertNamed([join(dir, "node_modules", ".bin", "tsx"), "--import", "atexit/register", "main.ts"], { env }, [
      lost(join(dir, "db.ts"), "tsx (esbuild)", TSX_COMMAND_FIX),
      lost(join(dir, "server.ts"), "tsx (esbuild)", TSX_COMMAND_FIX),
    ]);
  });

  for (const name of ["node24", "bun"]) {
    it(`tsc with "target": "ES2022" (using lowered) run on ${name} with the loader: named, with the target that keeps it`, { skip: skipOn(name) }, async () => {
      const runtime = runtimes.get(name);
      const loader = name === "bun" ? ["--preload", "atexit/register"] : ["--import", "atexit/register"];
      await assertNamed([runtime.path, ...loader, "out-es2022/main.js"], {}, [lost(join(dir, "out-es2022", "db.js"), "TypeScript", TSC_FIX), lost(join(dir, "out-es2022", "server.js"), "TypeScript", TSC_FIX)]);
    });
  }

  it("an esbuild bundle built without the plugin for node20 (using lowered) run with the loader: named, with esbuild's settings", { skip: skipOn("node24") }, async () => {
    await assertNamed([runtimes.get("node24").path, "--import", "atexit/register", "dist-esbuild-plain/main.mjs"], {}, [
      lost(join(dir, "dist-esbuild-plain", "main.mjs"), "esbuild", 'build with target: "esnext" or supported: { using: true }, or run atexit\'s plugin before esbuild lowers'),
    ]);
  });

  it("transform() of what Babel, SWC, Oxc (Vite) and esbuild lowered names each tool in one atexit: line per file", { skip: skipOn("node24") }, async () => {
    const result = await run([runtimes.get("node24").path, "lower.mjs"], { cwd: dir });
    assert.equal(result.code, 0, describeRun(result));
    assert.deepEqual(result.stdout, ["babel: unchanged, lowered by babel", "swc: unchanged, lowered by swc", "oxc: unchanged, lowered by oxc", "esbuild: unchanged, lowered by esbuild"], describeRun(result));
    assert.deepEqual(result.atexitLines, [
      lost("db.babel.js", "Babel", "leave using to the runtime (drop @babel/plugin-transform-explicit-resource-management, or give preset-env targets that have using), or run atexit/transform before Babel"),
      lost("db.swc.js", "SWC", "SWC lowers using at every target; run atexit/transform before SWC"),
      lost("db.oxc.js", "Oxc (Vite, Rolldown)", 'transform with target "esnext", or run atexit\'s plugin first (enforce: "pre")'),
      lost("db.esbuild.js", "esbuild", 'build with target: "esnext" or supported: { using: true }, or run atexit\'s plugin before esbuild lowers'),
    ]);
  });

  it("Deno with atexit installed from a file: path or tarball: npm:atexit/register is not found (Deno matches npm: to version ranges), the path in node_modules is", { skip: skipOn("deno") }, async () => {
    const deno = runtimes.get("deno");
    // A project that installed the tarball itself (`npm install ./atexit-x.y.z.tgz`): package.json says file:.
    // Outside the toolchain project, whose package.json Deno would find above it.
    const fileProject = mkdtempSync(join(tmpdir(), "atexit-deno-file-"));
    try {
      for (const file of ["db.ts", "server.ts", "main.ts"]) cpSync(join(dir, file), join(fileProject, file));
      cpSync(project.tarball, join(fileProject, basename(project.tarball)));
      writeFileSync(join(fileProject, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
      npm(["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", `./${basename(project.tarball)}`, `oxc-parser@${installedVersion("oxc-parser")}`], fileProject);
      const failed = await run([deno.path, "run", "-A", "--preload", "npm:atexit/register", "main.ts"], { cwd: fileProject });
      assert.equal(failed.code, 1, describeRun(failed));
      assert.match(failed.stderr, /Could not find a matching package for 'npm:atexit' in the node_modules directory/, describeRun(failed));
      const byPath = await run([deno.path, "run", "-A", "--preload", "./node_modules/atexit/dist/register.js", "main.ts"], { cwd: fileProject });
      assert.deepEqual({ stdout: byPath.stdout, code: byPath.code, atexitLines: byPath.atexitLines }, { stdout: KEPT, code: 0, atexitLines: [] }, describeRun(byPath));
    } finally {
      rmSync(fileProject, { recursive: true, force: true });
    }
  });

  it("docs/loader.md shows each recipe's files as these tests run them", () => {
    const doc = readFileSync(join(repoRoot, "docs", "loader.md"), "utf8");
    for (const file of ["build-esbuild.mjs", "vite.config.mjs", "rollup.config.mjs", "webpack.config.mjs", "atexit-loader.mjs", "tsconfig.json", "tsconfig.bundler.json"]) {
      assert.ok(doc.includes(readFileSync(join(fixtures, file), "utf8")), `docs/loader.md does not show test/fixtures/loader/toolchains/${file} as it is`);
    }
    for (const { recipe } of RECIPES) assert.ok(doc.includes(recipe), `docs/loader.md does not give the recipe ${recipe}`);
  });
});
