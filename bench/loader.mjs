// The module-lifetime `using` loader's costs (SPEC §7, issue 17), run by bench/run.mjs or alone:
//   node bench/loader.mjs [--smoke]
// prints one line per figure, then one JSON line (bench/run.mjs reads the last line).
//
// Import costs are the CPU time of the child (every thread), beside its wall time: on a machine
// busy with other work the wall time of a run moves by more than the loader costs.
//  1. Node 24 and Node 20: the loader's cost per module without `using` (1,000 modules of ~4 kB
//     imported with and without --import atexit/register, in paired rounds), beside the cost of
//     a hook that does nothing (Node's own price for having hooks at all: in the same thread on
//     Node 24, `module.registerHooks`; on a separate thread on Node 20, `module.register`).
//  2. Node 24: the cost per module with one top-level `using` (rewritten, against native `using`).
//  3. Bun: the import cost of 50 and of 500 modules without `using` (TypeScript, ~4 kB each),
//     with `--preload atexit/register` against without, paired runs in alternating order.
//  4. transform() of a large TypeScript file with `using` against oxc-parser's parse of the same
//     file (the parse transform() itself needs), in one process, alternating; and with its source
//     map read (the map is built only then).
//  5. Start-up cost of --import atexit/register, a cold rewrite of a 2,000-line module, and the
//     pre-filter on pathological inputs (each on Node 24 and Node 20).
// A benchmark is not a test: nothing here asserts a timing.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const smoke = process.argv.includes("--smoke");
const modules = join(repoRoot, "node_modules");
const RUNTIMES = {
  node24: join(modules, "node24", "bin", "node"),
  node20: process.execPath,
  bun: join(modules, "@oven", "bun-linux-x64", "bin", "bun"),
};
/** Rounds (medians are taken over them) and sizes; the smoke mode only proves that everything runs. */
const PLAN = smoke
  ? { nodeModules: 20, usingModules: 20, nodeRounds: 1, bunApps: [5], bunRounds: 1, bigBytes: 20_000, transformRounds: 1, startRounds: 1 }
  : { nodeModules: 1000, usingModules: 500, nodeRounds: 11, bunApps: [50, 500], bunRounds: 21, bigBytes: 2_000_000, transformRounds: 7, startRounds: 21 };
const register = pathToFileURL(join(repoRoot, "dist", "register.js")).href;
const transformUrl = pathToFileURL(join(repoRoot, "dist", "transform.js")).href;
const work = mkdtempSync(join(tmpdir(), "atexit-loader-bench-"));
const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[sorted.length >> 1];
};
const fixed = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));

/** Runs a child and returns its last stdout line as JSON. */
function runJson(command, args, cwd = work) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 300_000 });
  const line = (result.stdout ?? "").trim().split("\n").at(-1);
  if (result.status !== 0 || !line) throw new Error(`${command} ${args.join(" ")} failed (${result.status ?? result.signal}): ${result.stderr}`);
  return JSON.parse(line);
}
const version = (command) => spawnSync(command, ["--version"], { encoding: "utf8" }).stdout.trim();

/** A module of about 4 kB without `using`: declarations, a class, functions, comments. */
function plainModule(index, typescript) {
  const type = (text) => (typescript ? text : "");
  const lines = [`// module ${index}: no using here`, `export const name${index} = "module-${index}";`];
  for (let part = 0; lines.join("\n").length < 3900; part += 1) {
    lines.push(
      `/** Helper ${part} of module ${index}. */`,
      `export function helper${index}_${part}(value${type(": number")}, factor${type(": number")} = ${part + 1})${type(": number")} {`,
      `  const scaled = value * factor + ${index};`,
      `  return scaled > 1000 ? scaled % 1000 : scaled;`,
      `}`,
      `export class Cache${index}_${part} {`,
      `  ${typescript ? "#entries: Map<string, number> = new Map();" : "#entries = new Map();"}`,
      `  get(key${type(": string")})${type(": number | undefined")} { return this.#entries.get(key); }`,
      `  set(key${type(": string")}, value${type(": number")})${type(": void")} { this.#entries.set(key, value); }`,
      `}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Writes `count` modules into `dir` and an entry that imports them all, timing the imports itself. */
function writeApp(dir, count, { extension = "mjs", typescript = false, withUsing = false } = {}) {
  mkdirSync(join(dir, "mods"), { recursive: true });
  for (let index = 0; index < count; index += 1) {
    const using = withUsing ? `using resource${index} = { [Symbol.dispose]() {} };\n` : "";
    writeFileSync(join(dir, "mods", `m${index}.${extension}`), using + plainModule(index, typescript));
  }
  const entry = join(dir, `import-all.${extension === "ts" ? "ts" : "mjs"}`);
  // Wall time, and the CPU time of the whole process (every thread: Node 20's hooks thread too),
  // which a machine busy with other work disturbs far less.
  writeFileSync(
    entry,
    `const cpu = process.cpuUsage();\nconst started = performance.now();\nfor (let i = 0; i < ${count}; i += 1) await import(\`./mods/m\${i}.${extension}\`);\n` +
      `const used = process.cpuUsage(cpu);\nconsole.log(JSON.stringify({ wall: performance.now() - started, cpu: (used.user + used.system) / 1000 }));\n`,
  );
  return entry;
}

/**
 * Paired rounds: each round runs every variant once, in an order that rotates from round to
 * round (so that a slow second of the machine does not land on one variant only). A variant
 * returns a number of ms, or { wall, cpu } in ms. Returns, for each variant and each measure,
 * the median, and the median over rounds of the difference to `base` in the same round.
 */
function pairedRounds(rounds, variants, base) {
  const names = Object.keys(variants);
  const times = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    const order = names.map((_, index) => names[(index + round) % names.length]);
    for (const name of order) {
      const value = variants[name]();
      times[name].push(typeof value === "number" ? { wall: value } : value);
    }
  }
  const result = {};
  for (const name of names) {
    result[name] = {};
    for (const measure of Object.keys(times[name][0])) {
      const values = times[name].map((time) => time[measure]);
      result[name][measure] = median(values);
      if (name !== base) result[name][`${measure}Difference`] = median(values.map((ms, round) => ms - times[base][round][measure]));
    }
  }
  return result;
}

// ---- 1, 2, 5: Node --------------------------------------------------------------------------

function measureNode(name) {
  const node = RUNTIMES[name];
  const dir = join(work, name);
  const entry = writeApp(dir, PLAN.nodeModules);
  // A hook that does nothing: what Node charges for having a hook at all.
  const noop = join(dir, "noop-hooks.mjs");
  writeFileSync(
    noop,
    name === "node20"
      ? `import { register } from "node:module";\nregister("data:text/javascript,export async function load(url, context, next) { return next(url, context); }");\n`
      : `import { registerHooks } from "node:module";\nregisterHooks({ load: (url, context, next) => next(url, context) });\n`,
  );
  const imports = pairedRounds(
    PLAN.nodeRounds,
    {
      plain: () => runJson(node, [entry], dir),
      noop: () => runJson(node, ["--import", pathToFileURL(noop).href, entry], dir),
      loader: () => runJson(node, ["--import", register, entry], dir),
    },
    "plain",
  );
  const perModule = (variant, measure, count) => (variant[`${measure}Difference`] / count) * 1000;
  const out = {
    node: version(node),
    modules: PLAN.nodeModules,
    plainMs: imports.plain.wall,
    loaderMs: imports.loader.wall,
    perModuleUs: perModule(imports.loader, "cpu", PLAN.nodeModules),
    noopHookPerModuleUs: perModule(imports.noop, "cpu", PLAN.nodeModules),
    wallPerModuleUs: perModule(imports.loader, "wall", PLAN.nodeModules),
    wallNoopHookPerModuleUs: perModule(imports.noop, "wall", PLAN.nodeModules),
  };

  // The hook's own work for a module without `using`, in one process: what register.ts's load
  // hook does after Node's nextLoad (which the hook that does nothing pays too), CPU time over
  // every module of the app, many times over. Stable on a busy machine, unlike the whole-process runs.
  out.hookWorkPerModuleUs = median(Array.from({ length: PLAN.nodeRounds }, () => runJson(node, [join(repoRoot, "bench", "loader-hook-work.mjs"), join(dir, "mods"), PLAN.nodeModules], dir)));

  // With `using` in every module (Node 24 runs the native syntax without the loader).
  if (name === "node24") {
    const usingDir = join(work, `${name}-using`);
    const usingEntry = writeApp(usingDir, PLAN.usingModules, { withUsing: true });
    const withUsing = pairedRounds(PLAN.nodeRounds, { plain: () => runJson(node, [usingEntry], usingDir), loader: () => runJson(node, ["--import", register, usingEntry], usingDir) }, "plain");
    out.usingModules = PLAN.usingModules;
    out.withUsingPerModuleUs = perModule(withUsing.loader, "cpu", PLAN.usingModules);
    out.wallWithUsingPerModuleUs = perModule(withUsing.loader, "wall", PLAN.usingModules);
  }

  // Start-up: an empty module, the whole process timed.
  writeFileSync(join(dir, "empty.mjs"), "");
  const wall = (args) => {
    const started = performance.now();
    spawnSync(node, args, { cwd: dir });
    return performance.now() - started;
  };
  const start = pairedRounds(PLAN.startRounds, { plain: () => wall(["empty.mjs"]), loader: () => wall(["--import", register, "empty.mjs"]) }, "plain");
  out.startupMs = start.loader.wallDifference;

  // A cold rewrite of a 2,000-line TypeScript module, then a warm one.
  const blocks = [];
  for (let index = 0; blocks.join("\n").split("\n").length < 2000; index += 1) {
    blocks.push(
      `interface Options${index} { name: string; retries?: number; tags: readonly string[] }`,
      `export class Service${index}<T extends object> implements Disposable {`,
      `  #items: Map<string, T> = new Map();`,
      `  constructor(private readonly options: Options${index}) {}`,
      `  add(key: string, item: T): this { this.#items.set(key, item); return this; }`,
      `  get size(): number { return this.#items.size; }`,
      `  [Symbol.dispose](): void { this.#items.clear(); }`,
      `}`,
      index % 10 === 0 ? `using service${index} = new Service${index}<{ id: number }>({ name: "s${index}", tags: [] });` : `const helper${index} = (x: number): number => x * ${index};`,
    );
  }
  writeFileSync(join(dir, "big.ts"), `${blocks.join("\n")}\n`);
  writeFileSync(
    join(dir, "rewrite.mjs"),
    `import { readFileSync } from "node:fs";\nlet started = performance.now();\nconst { transform } = await import(${JSON.stringify(transformUrl)});\nconst load = performance.now() - started;\nconst source = readFileSync("big.ts", "utf8");\nstarted = performance.now();\nconst result = transform(source, { filename: "big.ts" });\nconst cold = performance.now() - started;\nstarted = performance.now();\ntransform(source, { filename: "big.ts" });\nconst warm = performance.now() - started;\nconsole.log(JSON.stringify({ load, cold, warm, changed: result.changed, lines: source.split("\\n").length - 1 }));\n`,
  );
  const rewrites = Array.from({ length: PLAN.nodeRounds }, () => runJson(node, ["rewrite.mjs"], dir));
  out.rewriteLines = rewrites[0].lines;
  out.rewriteColdMs = median(rewrites.map((r) => r.cold));
  out.rewriteWarmMs = median(rewrites.map((r) => r.warm));

  // The pre-filter on pathological inputs (a naive regex took 1.5 s on one of them).
  writeFileSync(
    join(dir, "prefilter.mjs"),
    `const { mayContainUsing } = await import(${JSON.stringify(transformUrl)});\n` +
      `const inputs = ["using ".repeat(400_000), \`using /*\${"x".repeat(2_000_000)}\`, "using a".repeat(300_000), \`\${"using x ".repeat(200_000)}//\`];\n` +
      `let worst = 0;\nfor (const input of inputs) { const started = performance.now(); mayContainUsing(input); worst = Math.max(worst, performance.now() - started); }\n` +
      `console.log(JSON.stringify(worst));\n`,
  );
  out.prefilterWorstMs = median(Array.from({ length: PLAN.nodeRounds }, () => runJson(node, ["prefilter.mjs"], dir)));
  return out;
}

// ---- 3: Bun ---------------------------------------------------------------------------------

function measureBun() {
  const bun = RUNTIMES.bun;
  const out = { bun: version(bun), apps: {} };
  for (const count of PLAN.bunApps) {
    const dir = join(work, `bun-${count}`);
    const entry = writeApp(dir, count, { extension: "ts", typescript: true });
    writeFileSync(join(dir, "empty-preload.mjs"), "");
    const runs = pairedRounds(
      PLAN.bunRounds,
      {
        plain: () => runJson(bun, [entry], dir),
        emptyPreload: () => runJson(bun, ["--preload", "./empty-preload.mjs", entry], dir),
        loader: () => runJson(bun, ["--preload", fileURLToPath(register), entry], dir),
      },
      "plain",
    );
    out.apps[count] = {
      plainMs: runs.plain.cpu,
      emptyPreloadMs: runs.emptyPreload.cpu,
      loaderMs: runs.loader.cpu,
      ratio: runs.loader.cpu / runs.plain.cpu,
      ratioToEmptyPreload: runs.loader.cpu / runs.emptyPreload.cpu,
      wall: { plainMs: runs.plain.wall, emptyPreloadMs: runs.emptyPreload.wall, loaderMs: runs.loader.wall, ratio: runs.loader.wall / runs.plain.wall },
    };
  }
  return out;
}

// ---- 4: transform() against oxc-parser's parse ----------------------------------------------

function measureTransform() {
  const node = RUNTIMES.node24;
  const dir = join(work, "transform");
  mkdirSync(dir);
  const parts = [];
  let size = 0;
  for (let index = 0; size < PLAN.bigBytes; index += 1) {
    const block = `${plainModule(index, true).replace(/^export /gm, "")}using resource${index} = { [Symbol.dispose](): void {} };\n`;
    parts.push(block);
    size += block.length;
  }
  writeFileSync(join(dir, "big.ts"), parts.join(""));
  writeFileSync(
    join(dir, "transform-vs-parse.mjs"),
    `import { readFileSync } from "node:fs";
import { parseSync } from ${JSON.stringify(import.meta.resolve("oxc-parser"))};
const { transform } = await import(${JSON.stringify(transformUrl)});
const source = readFileSync("big.ts", "utf8");
// Warm both on a small input first: the first call of each pays for loading.
parseSync("warm.ts", "using x = f();", { lang: "ts", sourceType: "module", astType: "ts" });
transform("using x = f();", { filename: "warm.ts" });
const time = (task) => { const started = performance.now(); task(); return performance.now() - started; };
const parse = [], rewrite = [];
for (let round = 0; round < ${PLAN.transformRounds}; round += 1) {
  parse.push(time(() => parseSync("big.ts", source, { lang: "ts", sourceType: "module", astType: "ts" })));
  rewrite.push(time(() => transform(source, { filename: "big.ts" })));
}
let mapBytes = 0;
const withMap = time(() => { mapBytes = JSON.stringify(transform(source, { filename: "big.ts" }).map).length; });
const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
console.log(JSON.stringify({ bytes: source.length, parseMs: median(parse), transformMs: median(rewrite), withMapMs: withMap, mapBytes }));
`,
  );
  const result = runJson(node, ["transform-vs-parse.mjs"], dir);
  return { node: version(node), ...result, ratio: result.transformMs / result.parseMs };
}

try {
  const results = {};
  for (const name of ["node24", "node20"]) {
    const r = (results[name] = measureNode(name));
    console.log(
      `${name} (${r.node}): the hook's own work ${fixed(r.hookWorkPerModuleUs, 2)} µs CPU per module without using (in one process); whole process ${fixed(r.perModuleUs)} µs CPU per module (a hook that does nothing: ${fixed(r.noopHookPerModuleUs)} µs; wall: ${fixed(r.wallPerModuleUs)} and ${fixed(r.wallNoopHookPerModuleUs)} µs; ${r.modules} modules: ${fixed(r.plainMs)} ms plain, ${fixed(r.loaderMs)} ms with the loader)` +
        (r.withUsingPerModuleUs === undefined ? "" : `; ${fixed(r.withUsingPerModuleUs)} µs CPU per module with one using (${r.usingModules} modules; wall ${fixed(r.wallWithUsingPerModuleUs)} µs)`) +
        `; start-up ${fixed(r.startupMs)} ms; a ${r.rewriteLines}-line rewrite ${fixed(r.rewriteColdMs)} ms cold, ${fixed(r.rewriteWarmMs)} ms warm`,
    );
  }
  results.bun = measureBun();
  for (const [count, app] of Object.entries(results.bun.apps)) {
    console.log(`bun (${results.bun.bun}): ${count} modules: CPU ${fixed(app.plainMs)} ms plain, ${fixed(app.loaderMs)} ms with --preload atexit/register (×${fixed(app.ratio, 2)}; an empty preload: ${fixed(app.emptyPreloadMs)} ms); wall ×${fixed(app.wall.ratio, 2)}`);
  }
  results.transform = measureTransform();
  const t = results.transform;
  console.log(`transform() of ${fixed(t.bytes / 1e6, 2)} MB of TypeScript with using: ${fixed(t.transformMs)} ms, oxc-parser's parse ${fixed(t.parseMs)} ms (×${fixed(t.ratio, 2)}); with its source map read ${fixed(t.withMapMs)} ms (${fixed(t.mapBytes / 1e6, 1)} MB)`);
  console.log(JSON.stringify(results));
} finally {
  rmSync(work, { recursive: true, force: true });
}
