// Generated programs on every runtime, against the process model (test/model/process-model.mjs):
// a fixed-seed sample of random programs (test/exit/generated-programs.mjs), then every
// counterexample found so far (test/exit/counterexamples.mjs). A failure prints the shrunk
// program in full, as code and as data, with how to replay it.
//
// Environment:
//   ATEXIT_PROGRAMS_RUNS  programs per runtime (default 150)
//   ATEXIT_PROGRAMS_SEED  fast-check seed (default below; `random` for a fresh one, printed)
//   ATEXIT_PROGRAMS_PATH  fast-check replay path printed with a failure (replays just that case)
//   ATEXIT_RUNTIMES       narrows the runtimes (comma-separated names), as for every matrix
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";

import { assertAllPresent } from "../runtimes.mjs";
import { selectedRuntimes } from "./child.mjs";
import { counterexamples } from "./counterexamples.mjs";
import { failureReport, mismatch, programProperty } from "./generated-programs.mjs";
import { checkProgram, childOutput, render } from "../model/process-program.mjs";

const DEFAULT_SEED = 20261201;
const env = process.env;
const seed = env.ATEXIT_PROGRAMS_SEED === "random" ? Date.now() % 2 ** 31 : Number(env.ATEXIT_PROGRAMS_SEED ?? DEFAULT_SEED);
const numRuns = Number(env.ATEXIT_PROGRAMS_RUNS ?? 150);
const path = env.ATEXIT_PROGRAMS_PATH || undefined;
/** Shrinking a failure stops after this long (the budget of `npm test` on a broken build). */
const SHRINK_BUDGET_MS = 60_000;

assertAllPresent();
const runtimes = selectedRuntimes();

describe("generated programs", { concurrency: true }, () => {
  for (const runtime of runtimes) {
    const title = runtime.version ? `${runtime.name} (${runtime.version})` : runtime.name;
    describe(title, { concurrency: true, skip: runtime.skip }, () => {
      it(`${numRuns} generated programs end as the process model says (seed ${seed})`, async () => {
        const property = programProperty(runtime, { shrinkBudgetMs: SHRINK_BUDGET_MS });
        const details = await fc.check(property, { seed, numRuns, path });
        const replay = ({ seed: failedSeed, counterexamplePath }) =>
          `ATEXIT_RUNTIMES=${runtime.name} ATEXIT_PROGRAMS_SEED=${failedSeed} ATEXIT_PROGRAMS_PATH=${counterexamplePath} node --test test/exit/generated.test.mjs`;
        if (details.failed) assert.fail(failureReport(runtime, details, { replay }));
      });

      for (const { name, found, program } of counterexamples) {
        it(`${name} [counterexample found by ${found}]`, async () => {
          const checked = await checkProgram(runtime, program, { deadlineMs: program.timeout + 5000 });
          if (!checked.agrees) assert.fail(`${mismatch(checked)}\n--- the program ---\n${render(program)}\n${childOutput(checked.outcome)}`);
        });
      }
    });
  }
});
