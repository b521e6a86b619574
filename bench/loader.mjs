// Overhead figures of the module-lifetime `using` loader (SPEC §7): run by bench/run.mjs, or alone as
// `node bench/loader.mjs [path-to-node] [--smoke]`; prints the three numbers, then one JSON line.
//   1. hook overhead per module without `using` (1,000 modules, with vs without the loader)
//   2. fixed start-up cost of --import atexit/register (empty module, median of 21 runs)
//   3. cold rewrite of a 2,000-line TypeScript module (fresh process, first call)
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const smoke = process.argv.includes("--smoke");
const nodeArg = process.argv.slice(2).find((arg) => !arg.startsWith("--"));
const node = nodeArg ? resolve(nodeArg) : join(repoRoot, "node_modules", "node24", "bin", "node");
/** Rounds (medians are taken over them) and module count; the smoke mode only proves it runs. */
const PLAN = smoke ? { count: 20, rounds: 1, startRounds: 1 } : { count: 1000, rounds: 7, startRounds: 21 };
const register = pathToFileURL(join(repoRoot, "dist", "register.js")).href;
const work = mkdtempSync(join(tmpdir(), "atexit-overhead-"));
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const runJson = (args) => JSON.parse(spawnSync(node, args, { cwd: work, encoding: "utf8" }).stdout.trim().split("\n").at(-1));

try {
  // 1. Per-module hook overhead.
  const { count } = PLAN;
  mkdirSync(join(work, "mods"));
  for (let index = 0; index < count; index += 1) {
    writeFileSync(join(work, "mods", `m${index}.mjs`), `// module ${index}: no using here\nexport const value${index} = ${index};\nexport function f${index}(x) { return x + value${index}; }\n`);
  }
  writeFileSync(
    join(work, "import-all.mjs"),
    `const started = performance.now();\nfor (let i = 0; i < ${count}; i += 1) await import(\`./mods/m\${i}.mjs\`);\nconsole.log(JSON.stringify(performance.now() - started));\n`,
  );
  const plain = [];
  const hooked = [];
  for (let round = 0; round < PLAN.rounds; round += 1) {
    plain.push(runJson(["import-all.mjs"]));
    hooked.push(runJson(["--import", register, "import-all.mjs"]));
  }
  const perModule = (median(hooked) - median(plain)) / count;

  // 2. Start-up cost.
  writeFileSync(join(work, "empty.mjs"), "");
  const wall = (args) => {
    const started = performance.now();
    spawnSync(node, args, { cwd: work });
    return performance.now() - started;
  };
  const startPlain = [];
  const startHooked = [];
  for (let round = 0; round < PLAN.startRounds; round += 1) {
    startPlain.push(wall(["empty.mjs"]));
    startHooked.push(wall(["--import", register, "empty.mjs"]));
  }

  // 3. Cold rewrite of a 2,000-line TypeScript module.
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
  const tsSource = blocks.join("\n") + "\n";
  writeFileSync(join(work, "big.ts"), tsSource);
  writeFileSync(
    join(work, "rewrite.mjs"),
    `import { readFileSync } from "node:fs";\nlet started = performance.now();\nconst { transform } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, "dist", "transform.js")).href)});\nconst load = performance.now() - started;\nconst source = readFileSync("big.ts", "utf8");\nstarted = performance.now();\nconst result = transform(source, { filename: "big.ts" });\nconst cold = performance.now() - started;\nstarted = performance.now();\ntransform(source, { filename: "big.ts" });\nconst warm = performance.now() - started;\nconsole.log(JSON.stringify({ load, cold, warm, changed: result.changed, lines: source.split("\\n").length - 1 }));\n`,
  );
  const rewrites = [];
  for (let round = 0; round < PLAN.rounds; round += 1) rewrites.push(runJson(["rewrite.mjs"]));

  // 4. The pre-filter on pathological inputs (a naive regex took 1.5 s on one of them).
  writeFileSync(
    join(work, "prefilter.mjs"),
    `const { mayContainUsing } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, "dist", "transform.js")).href)});\n` +
      `const inputs = ["using ".repeat(400_000), \`using /*\${"x".repeat(2_000_000)}\`, "using a".repeat(300_000), \`\${"using x ".repeat(200_000)}//\`];\n` +
      `let worst = 0;\nfor (const input of inputs) { const started = performance.now(); mayContainUsing(input); worst = Math.max(worst, performance.now() - started); }\n` +
      `console.log(JSON.stringify(worst));\n`,
  );
  const prefilter = [];
  for (let round = 0; round < PLAN.rounds; round += 1) prefilter.push(runJson(["prefilter.mjs"]));

  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
  console.log(`Node ${version}`);
  console.log(`hook overhead, module without using: ${(perModule * 1000).toFixed(1)} µs per module (${count} modules: ${median(plain).toFixed(1)} ms plain, ${median(hooked).toFixed(1)} ms with the loader)`);
  console.log(`loader start-up cost: ${(median(startHooked) - median(startPlain)).toFixed(1)} ms (empty module: ${median(startPlain).toFixed(1)} ms plain, ${median(startHooked).toFixed(1)} ms with --import atexit/register)`);
  console.log(
    `rewrite of a ${rewrites[0].lines}-line TypeScript module: ${median(rewrites.map((r) => r.cold)).toFixed(1)} ms cold (first call in a fresh process, loading oxc-parser included), ${median(rewrites.map((r) => r.warm)).toFixed(1)} ms warm; importing atexit/transform ${median(rewrites.map((r) => r.load)).toFixed(1)} ms`,
  );
  console.log(
    JSON.stringify({
      node: version,
      perModuleUs: perModule * 1000,
      startupMs: median(startHooked) - median(startPlain),
      rewriteColdMs: median(rewrites.map((r) => r.cold)),
      rewriteWarmMs: median(rewrites.map((r) => r.warm)),
      rewriteLines: rewrites[0].lines,
      prefilterWorstMs: median(prefilter),
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
