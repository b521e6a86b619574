// A good neighbour in a shared process: other libraries' `exit` listeners, in whatever order they
// were added, cannot make an entry be skipped, whether they call process.exit() inside the `exit`
// event, change process.exitCode, or both; and the process ends with the code it would have
// without atexit (each combination is run without atexit too, on the same runtime, and the two
// codes compared). Also: Node calls no `exit` listener after one that calls process.exit(), so
// atexit's is put first.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";

import { assertAllPresent, repoRoot } from "../runtimes.mjs";
import { runChild, selectedRuntimes } from "./child.mjs";

assertAllPresent();
const runtimes = selectedRuntimes();
const fixture = join(repoRoot, "test/fixtures/exit/neighbours/exit-listeners.mjs");

const NEIGHBOURS = {
  exit5: "a listener calls process.exit(5)",
  code5: "a listener sets process.exitCode = 5",
  twice: "two listeners each call process.exit(code + 1)",
};
const ENDINGS = {
  exit0: "process.exit(0)",
  exit2: "process.exit(2)",
  exitCode3: "process.exitCode = 3 and the loop drains",
  natural: "the loop drains",
};

describe("other libraries' exit listeners", { concurrency: true }, () => {
  for (const runtime of runtimes) {
    describe(runtime.name, { concurrency: true, skip: runtime.skip }, () => {
      for (const order of ["before", "after"]) {
        for (const [neighbour, what] of Object.entries(NEIGHBOURS)) {
          for (const [ending, how] of Object.entries(ENDINGS)) {
            it(`${what}, added ${order} atexit's first entry, then ${how}: every entry runs once, and the code is the one without atexit`, async () => {
              const args = [order, neighbour, ending];
              const [withAtexit, without] = await Promise.all([runChild(runtime, fixture, { args: ["with", ...args] }), runChild(runtime, fixture, { args: ["without", ...args] })]);
              const context = `\n--- with atexit ---\n${withAtexit.lines.join("\n")}\n${withAtexit.stderr}\n--- without ---\n${without.stderr}`;
              assert.equal(without.signal, null, context);
              assert.deepEqual({ code: withAtexit.code, signal: withAtexit.signal }, { code: without.code, signal: null }, context);
              assert.deepEqual(withAtexit.lines, ["top entry ran", "bottom entry ran"], context);
              assert.doesNotMatch(withAtexit.stderr, /atexit:/, context);
            });
          }
        }
      }
    });
  }
});
