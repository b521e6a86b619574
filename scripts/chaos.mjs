// npm run test:chaos: what `npm test` samples, at scale, with figures per runtime.
//
//   1. model    the in-process model-based test of ExitStack (test/unit/exit-stack-model.test.mjs)
//               with raised counts, on every runtime's own test runner;
//   2. programs generated programs (test/exit/generated-programs.mjs) run as children on every
//               runtime and compared with the process model; each distinct cause of
//               disagreement is shrunk to a minimal program, printed in full as code and as data
//               (a row for test/exit/counterexamples.mjs), and tried on the other runtimes;
//   3. storm    the kill storm (test/exit/storm.mjs): children killed at random moments.
//
// Options: --seed N (default: random, printed), --count N (programs per runtime, default 1000),
// --storm N (storm children per runtime, default 1000), --model N (model-test programs a
// runtime, default 20000, twenty times npm test's), --parts model,programs,storm (default all
// three), --shrink-seconds N (per cause, default 120), --max-causes N (causes shrunk, most
// frequent first, default 30).
// ATEXIT_RUNTIMES narrows the runtimes. Exits 1 if anything disagreed.
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import fc from "fast-check";

import { assertAllPresent, repoRoot } from "../test/runtimes.mjs";
import { selectedRuntimes } from "../test/exit/child.mjs";
import { causeOf, failureReport, programProperty } from "../test/exit/generated-programs.mjs";
import { runStormChild } from "../test/exit/storm.mjs";
import { testRunnerArgs } from "./runners.mjs";
import { processProgramArbitrary } from "../test/model/process-arbitraries.mjs";
import { checkProgram } from "../test/model/process-program.mjs";

const { values: options } = parseArgs({
  options: {
    seed: { type: "string" },
    count: { type: "string", default: "1000" },
    storm: { type: "string", default: "1000" },
    model: { type: "string", default: "20000" },
    parts: { type: "string", default: "model,programs,storm" },
    "shrink-seconds": { type: "string", default: "120" },
    "max-causes": { type: "string", default: "30" },
  },
});
const seed = options.seed === undefined ? Date.now() % 2 ** 31 : Number(options.seed);
const parts = new Set(options.parts.split(","));
assertAllPresent();
const runtimes = selectedRuntimes().filter((runtime) => !runtime.skip);
console.log(`# test:chaos, seed ${seed} (rerun with --seed ${seed}), runtimes ${runtimes.map((runtime) => runtime.name).join(", ")}`);
let failed = false;
const started = performance.now();
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(0)} s`;

// ---- 1. the in-process model test, raised counts ------------------------------------------------

function runToEnd(binary, args, env) {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code) => resolve({ code, output }));
  });
}

if (parts.has("model")) {
  const since = performance.now();
  const file = "test/unit/exit-stack-model.test.mjs";
  console.log(`\n## 1. the model-based ExitStack test: ${options.model} programs a runtime (${file})`);
  for (const runtime of runtimes) {
    const { code, output } = await runToEnd(runtime.path, testRunnerArgs(runtime, [file]), { ATEXIT_MODEL_RUNS: options.model, ATEXIT_MODEL_SEED: String(seed) });
    console.log(`${runtime.name}: ${code === 0 ? "agrees" : "DISAGREES"}`);
    if (code !== 0) {
      failed = true;
      console.log(output.slice(-12_000));
    }
  }
  console.log(`(${seconds(since)})`);
}

// ---- 2. generated programs ----------------------------------------------------------------------

async function programsOn(runtime) {
  const stats = { run: 0, agreed: 0, causes: new Map() };
  let runIndex = 0;
  // Every program runs; none fails the property: the failures are counted, and shrunk afterwards.
  const recording = fc.asyncProperty(processProgramArbitrary(), async (program) => {
    const index = runIndex++;
    const checked = await checkProgram(runtime, program, { deadlineMs: program.timeout + 5000 });
    stats.run++;
    if (checked.agrees) stats.agreed++;
    else {
      const cause = causeOf(checked);
      const known = stats.causes.get(cause) ?? { count: 0, firstRun: index };
      known.count++;
      stats.causes.set(cause, known);
    }
    return true;
  });
  await fc.check(recording, { seed, numRuns: Number(options.count) });
  return stats;
}

if (parts.has("programs")) {
  const since = performance.now();
  console.log(`\n## 2. generated programs: ${options.count} a runtime, against the process model`);
  const results = await Promise.all(runtimes.map(async (runtime) => ({ runtime, stats: await programsOn(runtime) })));
  for (const { runtime, stats } of results) {
    console.log(`${runtime.name}: ${stats.run} programs, ${stats.agreed} agree, ${stats.run - stats.agreed} disagree (${stats.causes.size} causes)`);
    for (const [cause, { count }] of stats.causes) console.log(`  ${String(count).padStart(5)} × ${cause}`);
  }
  // Each cause is shrunk once, on the first runtime that showed it, most frequent first.
  const causes = new Map();
  for (const { runtime, stats } of results) {
    for (const [cause, { count, firstRun }] of stats.causes) {
      const known = causes.get(cause) ?? { count: 0, runtime, firstRun };
      known.count += count;
      causes.set(cause, known);
    }
  }
  if (causes.size > 0) failed = true;
  const ranked = [...causes].sort(([, a], [, b]) => b.count - a.count);
  const printed = new Map(); // a minimal program (as JSON) → the cause it was printed under
  for (const [cause, { runtime, firstRun }] of ranked.slice(0, Number(options["max-causes"]))) {
    const property = programProperty(runtime, { cause, shrinkBudgetMs: Number(options["shrink-seconds"]) * 1000 });
    const details = await fc.check(property, { seed, path: String(firstRun) });
    if (!details.failed) {
      console.log(`\n### cause: ${cause}\n(${runtime.name}, run ${firstRun}: did not fail again when replayed, so it depends on timing)`);
      continue;
    }
    const [program] = details.counterexample;
    const key = JSON.stringify(program);
    if (printed.has(key)) {
      console.log(`\n### cause: ${cause}\n(shrinks to the program printed under "${printed.get(key)}")`);
      continue;
    }
    printed.set(key, cause);
    const others = [];
    for (const other of runtimes) {
      if (other === runtime) continue;
      const checked = await checkProgram(other, program, { deadlineMs: program.timeout + 5000 });
      if (!checked.agrees) others.push(other.name);
    }
    const replay = () => `node scripts/chaos.mjs --parts programs --seed ${seed} --count ${options.count} (run ${firstRun} on ${runtime.name})`;
    console.log(`\n### cause: ${cause}\n(also fails on: ${others.join(", ") || "no other runtime"})\n${failureReport(runtime, details, { replay })}`);
  }
  if (ranked.length > Number(options["max-causes"])) console.log(`\n(${ranked.length - Number(options["max-causes"])} rarer causes not shrunk: --max-causes)`);
  console.log(`(${seconds(since)})`);
}

// ---- 3. the kill storm --------------------------------------------------------------------------

if (parts.has("storm")) {
  const since = performance.now();
  const count = Number(options.storm);
  console.log(`\n## 3. the kill storm: ${count} children a runtime`);
  const figures = await Promise.all(
    runtimes.map(async (runtime) => {
      const children = await Promise.all(Array.from({ length: count }, (_, index) => runStormChild(runtime, seed * 7919 + index)));
      const total = { programs: children.length, killsSent: 0, entries: 0, lost: 0, duplicated: 0, outOfOrder: 0, wrongExit: 0, hung: 0 };
      for (const { counts } of children) for (const key of Object.keys(counts)) total[key] += counts[key];
      return { runtime, total, bad: children.filter((child) => child.problems.length > 0) };
    }),
  );
  for (const { runtime, total, bad } of figures) {
    console.log(
      `${runtime.name}: ${total.programs} programs, ${total.killsSent} kills sent, ${total.entries} entries checked: ` +
        `${total.lost} lost, ${total.duplicated} duplicated, ${total.outOfOrder} out of order, ${total.wrongExit} wrong exits, ${total.hung} hung`,
    );
    const byMode = new Map();
    for (const child of bad) byMode.set(child.plan.mode, [...(byMode.get(child.plan.mode) ?? []), child]);
    for (const [mode, list] of byMode) {
      console.log(`  ${list.length} ${mode} children with problems, e.g. seed ${list[0].plan.seed}: ${list[0].problems.slice(0, 3).join("; ")}`);
    }
    if (bad.length > 0) failed = true;
  }
  console.log(`(${seconds(since)}; a child: node -e 'import("./test/exit/storm.mjs").then((m) => console.log(m.renderStorm(m.stormPlan(SEED))))')`);
}

console.log(`\n# test:chaos ${failed ? "found disagreements" : "found nothing"} in ${seconds(started)}`);
process.exitCode = failed ? 1 : 0;
