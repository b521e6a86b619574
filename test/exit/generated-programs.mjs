// Generated programs (test/model/process-arbitraries.mjs) run as child processes and compared
// with the process model: the fast-check property both `npm test` (a fixed-seed sample) and
// `npm run test:chaos` (thousands) check, and how a shrunk counterexample is printed: the
// program in full as code, what differed, the program as data (to add to
// test/exit/counterexamples.mjs), and how to replay it.
import fc from "fast-check";

import { processProgramArbitrary } from "../model/process-arbitraries.mjs";
import { checkProgram, childOutput, render } from "../model/process-program.mjs";

/** What differs between a child and the model, one aspect a line. */
export function mismatch({ actual, expected }) {
  return Object.keys(expected)
    .filter((key) => JSON.stringify(actual[key]) !== JSON.stringify(expected[key]))
    .map((key) => `${key}:\n  actual   ${JSON.stringify(actual[key])}\n  expected ${JSON.stringify(expected[key])}`)
    .join("\n");
}

/**
 * The property on `runtime`: the child of every generated program agrees with the model.
 * Shrinking stops `shrinkBudgetMs` after the first failure (the predicate then passes without
 * running), so that a broken build bounds the time it costs; the smallest failing program found
 * by then is the counterexample. `onRun(checked)` sees every program that ran.
 */
export function programProperty(runtime, { shrinkBudgetMs = 60_000, onRun = () => {}, arbitrary = processProgramArbitrary() } = {}) {
  let firstFailure;
  const property = fc.asyncProperty(arbitrary, async (program) => {
    if (firstFailure !== undefined && performance.now() - firstFailure > shrinkBudgetMs) return true;
    const checked = await checkProgram(runtime, program, { deadlineMs: program.timeout + 5000 });
    onRun(checked);
    if (checked.agrees) return true;
    firstFailure ??= performance.now();
    throw new Error(`${mismatch(checked)}\n${childOutput(checked.outcome)}`);
  });
  return property;
}

/** A failed fc.check's details, for a human: the shrunk program as code, what differed, how to replay. */
export function failureReport(runtime, details, { replay }) {
  const [program] = details.counterexample;
  return [
    `${runtime.name}: a generated program disagrees with the process model after ${details.numRuns} programs; shrunk ${details.numShrinks} times to:`,
    "",
    render(program),
    details.errorInstance?.message ?? String(details.error),
    "",
    `As data (a row for test/exit/counterexamples.mjs): ${JSON.stringify(program)}`,
    `Replay: ${replay(details)}`,
  ].join("\n");
}
