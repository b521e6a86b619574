// The exit matrix (test/exit/matrix.mjs) on every runtime: one test per cell, asserting what the
// process model predicts for that cell's entries (which ran, in which order, every `atexit:`
// line that names them, the line under each failure) and how the child ended; and one test per
// child for the rest (the whole journal across cells, the lines that name no cell).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";

import { assertAllPresent } from "../runtimes.mjs";
import { selectedRuntimes } from "./child.mjs";
import { belongsTo, cellName, KINDS, matrixGroups, OUTCOMES, TRIGGERS } from "./matrix.mjs";
import { checkProgram, childOutput, render } from "../model/process-program.mjs";

assertAllPresent();
const runtimes = selectedRuntimes();
const groups = matrixGroups();

/** What the child of a program must stay within: its registry's deadline, then some. */
const deadlineOf = (program) => program.timeout + 5000;

/** The part of a side-by-side comparison that concerns `ids` (facts are kept when they name one). */
function project({ end, journal, atexitLines, stderrFacts }, ids) {
  const mine = (line) => belongsTo(line, ids);
  return { end, journal: journal.filter(mine), atexitLines: atexitLines.filter(mine), stderrFacts: stderrFacts.filter(mine) };
}

/**
 * For a failing cell of a shared child: whether it also fails in a child of its own, so that the
 * message says which cell's entry is at fault.
 */
async function alone(cell, runtime) {
  if (cell.alone === undefined) return "";
  const checked = await checkProgram(runtime, cell.alone, { deadlineMs: deadlineOf(cell.alone) });
  if (checked.agrees) return "\n(in a child of its own this cell agrees with the model: another cell's entry broke it here, or the failure depends on timing)";
  return `\n(in a child of its own it fails too: ${JSON.stringify(checked.actual)}\n  where the model says ${JSON.stringify(checked.expected)})`;
}

describe("the exit matrix", { concurrency: true }, () => {
  it("covers every kind × outcome × trigger × trace", () => {
    const covered = new Set(groups.flatMap((group) => group.cells.map(cellName)));
    assert.equal(covered.size, KINDS.length * OUTCOMES.length * TRIGGERS.length * 2);
  });

  for (const runtime of runtimes) {
    describe(runtime.version ? `${runtime.name} (${runtime.version})` : runtime.name, { concurrency: true, skip: runtime.skip }, () => {
      for (const group of groups) {
        let run;
        const result = () => (run ??= checkProgram(runtime, group.program, { deadlineMs: deadlineOf(group.program) }));
        const context = (checked) => `\n--- the program ---\n${render(group.program)}\n${childOutput(checked.outcome)}`;
        describe(group.name, { concurrency: true }, () => {
          for (const cell of group.cells) {
            it(cellName(cell), async () => {
              const checked = await result();
              const actual = project(checked.actual, cell.ids);
              const expected = project(checked.expected, cell.ids);
              if (isDeepStrictEqual(actual, expected)) return;
              const where = `(the program and the child's output are under "${group.name}" › "as a whole")`;
              assert.deepEqual(actual, expected, `${cellName(cell)}: actual vs the model${await alone(cell, runtime)}\n${where}`);
            });
          }
          it("as a whole: the journal across cells and the lines that name no cell", async () => {
            const checked = await result();
            assert.deepEqual(checked.actual, checked.expected, `${group.name}: actual vs the model${context(checked)}`);
          });
        });
      }
    });
  }
});
