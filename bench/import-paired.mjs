/**
 * Import time of two builds, paired: `node bench/import-paired.mjs <node binary> <rounds> <dirA> <dirB>`,
 * where each directory holds a package.json and a dist/ (a copy of a build). Each round starts
 * one process per build, in alternating order, that times its own `import` of dist/index.js (and,
 * in a second series, `require` of dist/index.cjs) plus one registration, in-process; it prints the
 * median of each build and the median of the paired differences (B − A) with their quartiles.
 */
import { spawnSync } from "node:child_process";

const [node, rounds, ...dirs] = process.argv.slice(2);
if (!node || !rounds || dirs.length !== 2) throw new Error("usage: node bench/import-paired.mjs <node binary> <rounds> <dirA> <dirB>");

const program = (dir, format) =>
  format === "esm"
    ? `const t = process.hrtime.bigint(); const m = await import(${JSON.stringify(`${dir}/dist/index.js`)}); m.default.register(() => {}); console.log(Number(process.hrtime.bigint() - t) / 1e6);`
    : `const t = process.hrtime.bigint(); const m = require(${JSON.stringify(`${dir}/dist/index.cjs`)}); m.register(() => {}); console.log(Number(process.hrtime.bigint() - t) / 1e6);`;
const quantile = (values, q) => [...values].sort((x, y) => x - y)[Math.floor(q * (values.length - 1))];

const results = {};
for (const format of ["esm", "cjs"]) {
  const times = dirs.map(() => []);
  for (let round = 0; round < Number(rounds); round++) {
    for (const k of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const args = format === "esm" ? ["--input-type=module", "-e", program(dirs[k], format)] : ["-e", program(dirs[k], format)];
      const result = spawnSync(node, args, { encoding: "utf8" });
      if (result.status !== 0) throw new Error(result.stderr);
      times[k].push(Number(result.stdout.trim()));
    }
  }
  const differences = times[0].map((time, round) => times[1][round] - time);
  results[format] = {
    A: quantile(times[0], 0.5).toFixed(2),
    B: quantile(times[1], 0.5).toFixed(2),
    "B − A": `${quantile(differences, 0.5).toFixed(2)} [${quantile(differences, 0.25).toFixed(2)}, ${quantile(differences, 0.75).toFixed(2)}]`,
  };
}
console.log(node, JSON.stringify(results));
