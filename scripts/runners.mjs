/**
 * How each runtime's own test runner is asked to run test files: `node --test`, `bun test`,
 * `deno test`. scripts/test.mjs and scripts/chaos.mjs both start them through here.
 */

/**
 * The arguments after the runtime's path. `exposeGc`: `gc()` for the tests of adoptWeak.
 * bun test gives each test 5 s by default, which a generated-program test or a scale test
 * needs more than on a busy machine: the suite's own bounds are the tests' deadlines.
 */
export function testRunnerArgs(runtime, files, { exposeGc = false } = {}) {
  if (runtime.name === "bun") return ["test", "--timeout", "600000", ...files.map((file) => `./${file}`)];
  if (runtime.name === "deno") return ["test", "-A", "--no-check", ...(exposeGc ? ["--v8-flags=--expose-gc"] : []), ...files];
  return [...(exposeGc ? ["--expose-gc"] : []), "--test", ...files];
}
