/**
 * Test runners under which entries can never run at exit, found by what they do to the code
 * they run (measured with Jest 30, Vitest 4, Mocha 12, node --test, bun test and deno test;
 * docs/testing.md):
 *
 * - Jest (CommonJS and ESM mode) runs each test file in a vm context whose `process` is a copy
 *   of the real one with its event listeners reset: the runtime emits `exit`, `beforeExit` and
 *   signals on the real process, never on the copy.
 * - Vitest's `threads` and `vmThreads` pools end each worker with `worker.terminate()`, which
 *   runs nothing in the worker.
 * - `bun test` ends its process without an `exit` or `beforeExit` event. It marks itself only
 *   by what it documents: NODE_ENV=test (unless already set), and Bun.main is the test file.
 *
 * Elsewhere entries do run: Vitest's `forks` pools send SIGTERM (SIGKILL 500 ms later),
 * node --test's child processes end as the loop drains (SIGTERM after a Ctrl-C), Mocha ends
 * as the loop drains (`process.exit()` with `--exit` or `--parallel`), `deno test` ends as
 * `process.exit()` does.
 *
 * Asked once, when the registry first installs its listeners: a few property reads, no module
 * loaded, nothing else for a program that runs outside these runners.
 */

/** The names `bun test` runs: `*.test.*`, `*_test.*`, `*.spec.*`, `*_spec.*`. */
const BUN_TEST_FILE = /[._](?:test|spec)\.[cm]?[jt]sx?$/;

/** Marks the real process (through the prototype every Jest sandbox's copy shares) once one sandbox has said it. */
const SAID_IN_THIS_PROCESS = Symbol.for("atexit.sandboxReported");

/**
 * The line to print when entries registered here can never run at exit, or `undefined`.
 * `isMainThread`: this thread is the process's main thread (the runtime adapter knows).
 */
export function sandboxWarning(isMainThread: boolean): string | undefined {
  // A `process` of another realm (this code runs in a vm context) without the `newListener`
  // listener through which Node starts listening for a signal: a copy that nothing emits on.
  // (Vitest's vm pools pass the real process: it has that listener.)
  if (!((process as unknown) instanceof Object) && process.listenerCount("newListener") === 0) {
    const shared = Object.getPrototypeOf(process) as Record<symbol, unknown> | null;
    // One line per process, not one per test file: every sandbox's copy has the real process's prototype.
    if (shared === null || shared[SAID_IN_THIS_PROCESS] === true) return undefined;
    shared[SAID_IN_THIS_PROCESS] = true;
    return (
      "atexit: this code runs in a test sandbox (Jest's) whose `process` is a copy that never sees the process exit, " +
      "so entries registered here never run at exit. Run them in the test (`await atexit.run()` in afterEach, or a `new ExitStack()` per test), " +
      "and test exit paths in a child process (atexit's docs/testing.md)."
    );
  }
  // Vitest's worker state: a global of the worker thread Vitest started, not of threads the tested code starts.
  if (!isMainThread && "__vitest_worker__" in globalThis) {
    return (
      "atexit: Vitest's threads pool ends this worker with worker.terminate(), which runs nothing, " +
      "so entries registered here never run at exit. Run them in the test (`await atexit.run()` in afterEach, or a `new ExitStack()` per test), " +
      'or use `pool: "forks"` (entries then run at its SIGTERM); docs in atexit\'s docs/testing.md.'
    );
  }
  const bun = (globalThis as { Bun?: { main?: unknown } }).Bun;
  if (bun !== undefined && process.env["NODE_ENV"] === "test" && typeof bun.main === "string" && BUN_TEST_FILE.test(bun.main)) {
    return (
      "atexit: bun test ends the process without an exit or beforeExit event, so entries registered here never run at exit. " +
      "Run them in the test (`await atexit.run()` in afterEach, or a `new ExitStack()` per test), " +
      "and test exit paths in a child process (atexit's docs/testing.md)."
    );
  }
  return undefined;
}
