/**
 * What atexit's import costs, split in two, against signal-exit's:
 * `node bench/import-parse.mjs <node binary> <rounds>`. Each round starts one process per
 * module below, in turn (the order reversed every other round), and each process times its own
 * `import()` of the module by its path plus one registration; it prints each module's median.
 *
 * - atexit: dist/index.js as built;
 * - atexit, parsed only: the same code inside a function that is never called, so V8 reads and
 *   parses all of it and runs none of it;
 * - signal-exit: its ES module;
 * - an empty module: what any import costs.
 *
 * docs/performance.md ("Start-up") reads these figures.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const [node, rounds] = process.argv.slice(2);
if (!node || !rounds) throw new Error("usage: node bench/import-parse.mjs <node binary> <rounds>");

const root = fileURLToPath(new URL("..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "atexit-import-parse-"));
const built = readFileSync(join(root, "dist/index.js"), "utf8");
const exportsAt = built.lastIndexOf("\nexport {");
if (exportsAt < 0) throw new Error("dist/index.js has no export statement at its end: run npm run build");
writeFileSync(join(scratch, "parsed-only.mjs"), `function never() {${built.slice(0, exportsAt)}\n}\nexport default { register() {} };\n`);
writeFileSync(join(scratch, "empty.mjs"), "export default { register() {} };\n");

const modules = {
  atexit: join(root, "dist/index.js"),
  "atexit, parsed only": join(scratch, "parsed-only.mjs"),
  "signal-exit": join(root, "node_modules/signal-exit/dist/mjs/index.js"),
  "an empty module": join(scratch, "empty.mjs"),
};
// The entry is a file, as an application's is (an `-e` module makes Node 20 set up its ES module
// loader inside the timed import).
const driver = join(scratch, "driver.mjs");
writeFileSync(
  driver,
  "const t = process.hrtime.bigint(); const m = await import(process.argv[2]); (m.default?.register ?? m.onExit)(() => {}); console.log(Number(process.hrtime.bigint() - t) / 1e6);\n",
);

const times = Object.fromEntries(Object.keys(modules).map((name) => [name, []]));
try {
  for (let round = 0; round < Number(rounds); round++) {
    const names = Object.keys(modules);
    for (const name of round % 2 === 0 ? names : names.reverse()) {
      const result = spawnSync(node, [driver, modules[name]], { encoding: "utf8" });
      if (result.status !== 0) throw new Error(`${name}: ${result.stderr}`);
      times[name].push(Number(result.stdout.trim()));
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const median = (values) => [...values].sort((x, y) => x - y)[Math.floor((values.length - 1) / 2)];
console.log(node);
for (const [name, values] of Object.entries(times)) console.log(`  ${name.padEnd(22)} ${median(values).toFixed(2)} ms`);
