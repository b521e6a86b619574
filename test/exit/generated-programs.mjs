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

/** What an `atexit:` line is (docs/exit-paths.md "What atexit writes on stderr"), for grouping failures. */
function lineKind(line) {
  if (line === undefined) return "no line";
  const kinds = [
    [/^atexit: cleanup entry .* failed:$/, "a failure line"],
    [/^atexit: uncaught error during cleanup/, "an uncaught-error line"],
    [/^atexit: process\.exit\(\) was called/, "the T3 line"],
    [/^atexit: received /, "the T5 line"],
    [/^atexit: cleanup timed out/, "the T7 line"],
    [/^atexit: trace cleanup started/, "trace started"],
    [/^atexit: trace cleanup finished/, "trace finished"],
    [/^atexit: trace .* (ok|failed|unfinished)$/, "an entry's trace line"],
  ];
  return kinds.find(([pattern]) => pattern.test(line))?.[1] ?? `${JSON.stringify(line.replace(/\d+(\.\d+)?/g, "N"))}`;
}

/** A failure's cause, as far as its shape tells: how it ended, what the journal lost, the first line that differs. */
export function causeOf({ actual, expected }) {
  const endKind = (end) => Object.keys(end)[0];
  const aspects = [];
  if (JSON.stringify(actual.end) !== JSON.stringify(expected.end)) aspects.push(`ends by ${endKind(actual.end)} where the model says ${endKind(expected.end)}`);
  if (JSON.stringify(actual.journal) !== JSON.stringify(expected.journal)) {
    const missing = expected.journal.some((line) => !actual.journal.includes(line));
    const extra = actual.journal.some((line) => !expected.journal.includes(line));
    aspects.push(missing ? "entries missing from the journal" : extra ? "extra journal lines" : "journal out of order");
  }
  const index = [...Array(Math.max(actual.atexitLines.length, expected.atexitLines.length)).keys()].find((k) => actual.atexitLines[k] !== expected.atexitLines[k]);
  if (index !== undefined) aspects.push(`${lineKind(actual.atexitLines[index])} where the model has ${lineKind(expected.atexitLines[index])}`);
  else if (JSON.stringify(actual.stderrFacts) !== JSON.stringify(expected.stderrFacts)) aspects.push("the error under a line differs");
  return aspects.join("; ");
}

/**
 * The property on `runtime`: the child of every generated program agrees with the model.
 * Shrinking keeps the cause (causeOf) of the first failure, or `cause` when given: a smaller
 * program that fails otherwise is another counterexample, not a smaller one of this. It stops
 * `shrinkBudgetMs` after the first failure (the predicate then passes without running), so that
 * a broken build bounds the time it costs; the smallest program found by then is the result.
 */
export function programProperty(runtime, { cause, shrinkBudgetMs = 60_000 } = {}) {
  let firstFailure;
  return fc.asyncProperty(processProgramArbitrary(), async (program) => {
    if (firstFailure !== undefined && performance.now() - firstFailure > shrinkBudgetMs) return true;
    const checked = await checkProgram(runtime, program, { deadlineMs: program.timeout + 5000 });
    if (checked.agrees) return true;
    const found = causeOf(checked);
    if (firstFailure === undefined) cause ??= found;
    if (found !== cause) return true;
    firstFailure ??= performance.now();
    throw new Error(`${mismatch(checked)}\n${childOutput(checked.outcome)}`);
  });
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
