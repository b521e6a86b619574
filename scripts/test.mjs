// npm test: the unit tests on each of the six runtimes (each with its own test
// runner: node --test, bun test, deno test), then the test files that run child
// processes on every runtime themselves (the exit-scenario table, …). Prints one
// closing "N passed, N failed, N skipped" line; exits 1 if anything failed.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { assertAllPresent, repoRoot, runtimes } from "../test/runtimes.mjs";

assertAllPresent();
const units = readdirSync(`${repoRoot}test/unit`)
  .filter((file) => file.endsWith(".test.mjs"))
  .map((file) => `test/unit/${file}`);
/** Test files that spawn every runtime themselves (the package's: its consumers); run once, by Node 20. */
const packageTests = readdirSync(`${repoRoot}test/package`)
  .filter((file) => file.endsWith(".test.mjs"))
  .map((file) => `test/package/${file}`);
const matrices = [
  "test/exit/scenarios.test.mjs",
  "test/exit/matrix.test.mjs",
  "test/exit/generated.test.mjs",
  "test/loader/loader.test.mjs",
  ...packageTests,
  "test/docs/guides.test.mjs",
  "test/docs/launchers.test.mjs",
  "test/docs/readme.test.mjs",
  "test/examples/examples.test.mjs",
  "test/bench/smoke.test.mjs",
  "test/services",
  "test/launchers",
];

/** How each runner is asked to run the unit tests (with gc exposed, for adoptWeak), and how it sums up. */
function unitRun(runtime) {
  if (runtime.name === "bun") return { args: ["test", ...units.map((file) => `./${file}`)], summary: bunSummary };
  if (runtime.name === "deno") return { args: ["test", "-A", "--no-check", "--v8-flags=--expose-gc", ...units], summary: denoSummary };
  return { args: ["--expose-gc", "--test", ...units], summary: nodeSummary };
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
for (const runtime of runtimes) {
  if (runtime.skip) {
    console.log(`# skipped: the unit tests on ${runtime.name}: ${runtime.skip}`);
    continue;
  }
  runs.push({ title: `unit tests on ${runtime.name} (${runtime.version})`, binary: runtime.path, ...unitRun(runtime) });
}
for (const file of matrices) {
  // A directory: its test files in one run (the service integrations, each on the runtimes its component supports).
  const files = file.endsWith(".mjs") ? [file] : readdirSync(`${repoRoot}${file}`).filter((name) => name.endsWith(".test.mjs")).map((name) => `${file}/${name}`);
  runs.push({ title: `${file} (each scenario on every runtime)`, binary: process.execPath, args: ["--test", ...files], summary: nodeSummary });
}

const total = { passed: 0, failed: 0, skipped: 0 };
for (const { title, binary, args, summary } of runs) {
  console.log(`\n# ${title}: ${binary.replace(repoRoot, "")} ${args.join(" ")}`);
  const { text, code } = await new Promise((resolve) => {
    const child = spawn(binary, args, { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
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
