// Issue 21, without a launcher: the echo rule (a signal within 1 s of the first the sequence
// took is that signal again; a later one is a second signal, T5), on each runtime; a child handed
// to use() that got the terminal's Ctrl-C too runs its own sequence before its parent stops it;
// and under nohup, a signal ignored at start stays ignored. Each app is started as a terminal's
// foreground job (harness.mjs), and a race-prone case runs ATEXIT_LAUNCHER_REPS times (10).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { assertAtexitLines } from "../services/harness.mjs";
import { all, app, fullSequence, launch, linesByPid, readyPids, repeat, run, SECOND_SIGNAL_GAP_MS, sleep, stopOnce, withSlot } from "./harness.mjs";

describe("the echo rule: a signal within 1 s of the first is the same signal, a later one is a second (T5)", { concurrency: true }, () => {
  for (const runtime of all) {
    for (const [first, echo] of [
      ["SIGINT", "SIGINT"],
      ["SIGTERM", "SIGINT"],
    ]) {
      it(`on ${runtime.name}: ${echo} sent just after the app took ${first} is an echo: every entry once, death by ${first}, a trace line says so`, () =>
        repeat(() =>
          withSlot(async () => {
            // The app sends itself the echo as the sequence starts: just after the first was taken.
            const launched = launch(runtime, run(runtime, app), { env: { ATEXIT_TRACE: "1", ECHO: echo } });
            const [pid] = readyPids(await launched.until((records) => readyPids(records).length === 1, "ready"));
            process.kill(pid, first);
            const ended = await launched.ended;
            const context = `\n--- ended: code ${ended.code}, signal ${ended.signal}${launched.context()}`;
            assert.deepEqual(linesByPid(launched.records()).get(pid), fullSequence(first), `every entry once${context}`);
            assert.deepEqual(ended, { code: null, signal: first }, `death by the first signal${context}`);
            assertAtexitLines(
              launched.stderr,
              [/^atexit: trace cleanup started/, /^atexit: trace entry[AB] /, /^atexit: trace cleanup finished/, new RegExp(`^atexit: trace ${echo} \\d+\\.\\d ms after ${first}: the same signal again \\(a launcher's echo\\), not a second one$`)],
              context,
            );
          }),
        ));
    }
    it(`on ${runtime.name}: SIGINT twice at once (the two may merge into one) runs every entry once, death by SIGINT`, () =>
      repeat(() =>
        withSlot(async () => {
          const launched = launch(runtime, run(runtime, app));
          const [pid] = readyPids(await launched.until((records) => readyPids(records).length === 1, "ready"));
          process.kill(pid, "SIGINT");
          process.kill(pid, "SIGINT");
          const ended = await launched.ended;
          const context = `\n--- ended: code ${ended.code}, signal ${ended.signal}${launched.context()}`;
          assert.deepEqual(linesByPid(launched.records()).get(pid), fullSequence("SIGINT"), `every entry once${context}`);
          assert.deepEqual(ended, { code: null, signal: "SIGINT" }, `death by SIGINT${context}`);
          assertAtexitLines(launched.stderr, [], context);
        }),
      ));
    it(`on ${runtime.name}: a second Ctrl-C after the window, while an entry hangs, cuts the sequence short (T5)`, () =>
      repeat(
        () =>
          withSlot(async () => {
            const launched = launch(runtime, run(runtime, app), { env: { ENTRY_MS: "60000" } });
            const [pid] = readyPids(await launched.until((records) => readyPids(records).length === 1, "ready"));
            process.kill(-launched.child.pid, "SIGINT");
            await launched.until((records) => records.some(({ what }) => what.startsWith("started by")), "the sequence start");
            await sleep(SECOND_SIGNAL_GAP_MS); // a person who sees the shutdown hang presses Ctrl-C again
            process.kill(-launched.child.pid, "SIGINT");
            const ended = await launched.ended;
            const context = `\n--- ended: code ${ended.code}, signal ${ended.signal}${launched.context()}`;
            assert.deepEqual(linesByPid(launched.records()).get(pid), ["started by SIGINT", "entry A ran"], `entry B cut short, entry A called synchronously${context}`);
            assert.deepEqual(ended, { code: null, signal: "SIGINT" }, `death by SIGINT${context}`);
            assertAtexitLines(launched.stderr, [/^atexit: received SIGINT during cleanup while entryB ran; 1 async cleanup entry could not finish$/], context);
          }),
        3,
      ));
  }
});


describe("children handed to use() that got the terminal's signal too", { concurrency: true }, () => {
  for (const runtime of all) {
    it(`on ${runtime.name}: Ctrl-C runs the child's sequence to its end, then the parent's`, () =>
      repeat(() => stopOnce(runtime, run(runtime, app), { how: "group:SIGINT", signal: "SIGINT", end: { code: null, signal: "SIGINT" }, apps: 2, env: { CHILD: "1" } })));
  }
});


describe("nohup: a signal ignored at start stays ignored", { concurrency: true }, () => {
  for (const runtime of all) {
    const node = runtime.name.startsWith("node");
    it(`on ${runtime.name}: SIGHUP ${node ? "ends the app (Node resets the disposition at start-up, with or without atexit), after every entry ran" : "is ignored, as without atexit; SIGTERM then runs every entry once"}`, () =>
      withSlot(async () => {
        const launched = launch(runtime, ["nohup", ...run(runtime, app)]);
        const [pid] = readyPids(await launched.until((records) => readyPids(records).length === 1, "ready"));
        process.kill(pid, "SIGHUP");
        if (!node) process.kill(pid, "SIGTERM");
        const ended = await launched.ended;
        const context = `\n--- ended: code ${ended.code}, signal ${ended.signal}${launched.context()}`;
        const signal = node ? "SIGHUP" : "SIGTERM";
        assert.deepEqual(linesByPid(launched.records()).get(pid), fullSequence(signal), `every entry once, after the sequence started by ${signal}${context}`);
        assert.deepEqual(ended, { code: null, signal }, `death by ${signal}${context}`);
        assertAtexitLines(launched.stderr, [], context);
      }));
  }
});

