// Model-based test (issue 9): random programs of operations (test/model/arbitraries.mjs) run on
// `new ExitStack()` and on the reference model (test/model/stack-model.mjs); after each step
// they must agree on results, thrown error classes, size and disposed of every stack, the
// journal of calls (callee, this, arguments, order, and what each call's own operations
// returned) and every promise's outcome, rejections compared by their SuppressedError shape.
//
// npm test runs a fixed seed and a bounded count. Environment:
//   ATEXIT_MODEL_RUNS  number of programs (default 1000: well under a second on each runtime)
//   ATEXIT_MODEL_SEED  fast-check seed (default below; `random` for a fresh one, printed on failure)
//   ATEXIT_MODEL_PATH  fast-check replay path, printed with a failure, to rerun just the shrunk case
// A failure prints the shrunk program as code to paste at the repository root, and how to replay it.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ExitStack } from "atexit";
import { programArbitrary } from "../model/arbitraries.mjs";
import { checkProgram, minimize, modelFinishes } from "../model/check.mjs";
import { standaloneCode } from "../model/program.mjs";

const DEFAULT_SEED = 20260609;
const env = process.env;
const seed = env.ATEXIT_MODEL_SEED === "random" ? Date.now() % 2 ** 31 : Number(env.ATEXIT_MODEL_SEED ?? DEFAULT_SEED);
const numRuns = Number(env.ATEXIT_MODEL_RUNS ?? 1000);
const path = env.ATEXIT_MODEL_PATH || undefined;

async function failureReport(details) {
  const { program, failure } = await minimize(details.counterexample[0], ExitStack);
  const replay = `ATEXIT_MODEL_SEED=${details.seed} ATEXIT_MODEL_PATH=${details.counterexamplePath}`;
  return [
    `ExitStack disagrees with the model (test/model/stack-model.mjs) after ${details.numRuns} programs; shrunk to:`,
    "",
    standaloneCode(program),
    "",
    failure ?? details.errorInstance?.message,
    "",
    `Replay (fast-check's shrunk case, before the last clean-up): ${replay} node --test test/unit/exit-stack-model.test.mjs`,
    `As data: ${JSON.stringify(program, (key, value) => (Object.is(value, -0) ? "-0" : Number.isNaN(value) ? "NaN" : value))}`,
  ].join("\n");
}

test(`ExitStack agrees with the model on ${numRuns} random programs (seed ${seed})`, async () => {
  const property = fc.asyncProperty(programArbitrary(), async (program) => {
    fc.pre(modelFinishes(program)); // a program whose loops wait for each other forever would hang by design
    const mismatch = await checkProgram(program, ExitStack);
    if (mismatch) throw new Error(mismatch);
  });
  const details = await fc.check(property, { seed, numRuns, path, endOnFailure: false });
  if (details.failed) assert.fail(await failureReport(details));
});
