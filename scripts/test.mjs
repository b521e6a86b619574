// The test suite in two tiers, each closing with one "N passed, N failed, N skipped" line (exit 1
// if anything failed):
//
//   npm test                (quick) the unit tests on each of the six runtimes (each with its own
//                           test runner: node --test, bun test, deno test), then the exit
//                           scenarios on Node 20, Node 24, Bun and Deno: what a contributor runs
//                           often (at most 4 minutes on a 2-core machine);
//   npm run test:full       (full) everything else: the scenarios on Node 22 and 26, the exit
//                           matrix and the generated programs on every runtime, the loader and
//                           its toolchains, the packed package, the docs, recipes and examples,
//                           the services and the launchers.
//
// `.ci/run` runs both. A file that spawns the runtimes itself runs under Node 20, narrowed by
// ATEXIT_RUNTIMES to the tier's runtimes where it takes it.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { assertAllPresent, repoRoot, runtimes } from "../test/runtimes.mjs";
import { testRunnerArgs } from "./runners.mjs";

assertAllPresent();
const full = process.argv.includes("--full");
/** The unit tests, and the models' own tests beside them (test/model/). */
const units = ["test/unit", "test/model"].flatMap((dir) =>
  readdirSync(`${repoRoot}${dir}`)
    .filter((file) => file.endsWith(".test.mjs"))
    .map((file) => `${dir}/${file}`),
);
const testFiles = (dir) =>
  readdirSync(`${repoRoot}${dir}`)
    .filter((file) => file.endsWith(".test.mjs"))
    .map((file) => `${dir}/${file}`);

/** The exit scenarios: each tier takes its runtimes. */
const SCENARIOS = ["test/exit/scenarios.test.mjs", "test/exit/neighbours.test.mjs"];
const QUICK_RUNTIMES = "node20,node24,bun,deno";
const FULL_RUNTIMES = "node22,node26";

/** The runs of a tier: { title, files, runtimes? } for files run by Node 20's test runner. */
const fileRuns = full
  ? [
      { title: "the exit scenarios on Node 22 and 26", files: SCENARIOS, runtimes: FULL_RUNTIMES },
      { title: "the exit matrix", files: ["test/exit/matrix.test.mjs"] },
      { title: "generated programs against the process model", files: ["test/exit/generated.test.mjs"] },
      { title: "the loader", files: testFiles("test/loader") },
      { title: "the packed package and its consumers", files: testFiles("test/package") },
      { title: "the docs: README, guides, recipes", files: testFiles("test/docs") },
      { title: "the examples", files: testFiles("test/examples") },
      { title: "the services", files: testFiles("test/services") },
      { title: "the launchers and supervisors", files: testFiles("test/launchers") },
      { title: "the benchmark's smoke test", files: testFiles("test/bench") },
    ].filter((run) => run.files.length > 0)
  : [{ title: "the exit scenarios on Node 20, Node 24, Bun and Deno", files: SCENARIOS, runtimes: QUICK_RUNTIMES }];

/** How each runner is asked to run the unit tests (with gc exposed, for adoptWeak), and how it sums up. */
function unitRun(runtime) {
  const summary = runtime.name === "bun" ? bunSummary : runtime.name === "deno" ? denoSummary : nodeSummary;
  return { args: testRunnerArgs(runtime, units, { exposeGc: true }), summary };
}

const number = (pattern, text) => Number(pattern.exec(text)?.[1] ?? 0);
function nodeSummary(text) {
  // A test cancelled (its `before` hook threw, say) did not pass: it counts as failed.
  const failed = number(/^(?:ℹ|#) fail (\d+)$/m, text) + number(/^(?:ℹ|#) cancelled (\d+)$/m, text);
  return { passed: number(/^(?:ℹ|#) pass (\d+)$/m, text), failed, skipped: number(/^(?:ℹ|#) skipped (\d+)$/m, text) };
}
function bunSummary(text) {
  return { passed: number(/^\s*(\d+) pass$/m, text), failed: number(/^\s*(\d+) fail$/m, text), skipped: number(/^\s*(\d+) skip$/m, text) };
}
function denoSummary(text) {
  // "ok | 20 passed (202 steps) | 0 failed | 1 ignored (1 step)": count the steps (the tests).
  const line = /^(?:ok|FAILED) \| (.*)$/m.exec(text)?.[1] ?? "";
  const count = (word) => {
    const match = new RegExp(`(\\d+) ${word}(?: \\((\\d+) steps?\\))?`).exec(line);
    return match ? Number(match[2] ?? match[1]) : 0;
  };
  return { passed: count("passed"), failed: count("failed"), skipped: count("ignored") };
}

const runs = [];
if (!full) {
  for (const runtime of runtimes) {
    if (runtime.skip) {
      console.log(`# skipped: the unit tests on ${runtime.name}: ${runtime.skip}`);
      continue;
    }
    runs.push({ title: `unit tests on ${runtime.name} (${runtime.version})`, binary: runtime.path, ...unitRun(runtime) });
  }
}
for (const { title, files, runtimes: only } of fileRuns) {
  runs.push({ title, binary: process.execPath, args: ["--test", ...files], summary: nodeSummary, env: only === undefined ? {} : { ATEXIT_RUNTIMES: only } });
}

const total = { passed: 0, failed: 0, skipped: 0 };
for (const { title, binary, args, summary, env = {} } of runs) {
  const narrowed = Object.entries(env).map(([name, value]) => `${name}=${value} `).join("");
  console.log(`\n# ${title}: ${narrowed}${binary.replace(repoRoot, "")} ${args.join(" ")}`);
  const { text, code } = await new Promise((resolve) => {
    const child = spawn(binary, args, { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const relay = (target) => (chunk) => {
      target.write(chunk);
      output += chunk;
    };
    child.stdout.on("data", relay(process.stdout));
    child.stderr.on("data", relay(process.stderr)); // bun test reports on stderr
    child.on("close", (exitCode) => resolve({ text: output, code: exitCode }));
  });
  const counts = summary(text);
  // A runner that crashed, or exited non-zero with no failing test counted, still fails the run.
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  for (const key of Object.keys(total)) total[key] += counts[key];
}
console.log(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exitCode = total.failed > 0 ? 1 : 0;
