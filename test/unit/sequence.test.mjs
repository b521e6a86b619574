// The termination sequence's table (src/process/sequence.ts), every phase × event cell, in
// process: the table and its shell (termination.ts) on a ProcessRegistry over a FakeRuntime
// (test/model/fake-runtime.mjs), a virtual clock and event loop, so a program that waits a
// second takes a millisecond. The child-process matrix (test/exit/) then only has to prove the
// runtime adapters.
//
// 1. Generated programs (test/model/process-arbitraries.mjs) and every counterexample found so
//    far (test/exit/counterexamples.mjs), each run in process and compared with the process
//    model (test/model/process-model.mjs), as test/exit/generated.test.mjs does with children.
// 2. The cells programs cannot reach (worker threads, disposeAsync(), a listener of the
//    application's, a signal's echo, a trigger while output is flushed or after the end...),
//    each an explicit case with its outcome asserted.
// 3. Every cell of TABLE was called by 1 and 2 (each cell is wrapped to record the row and event
//    it was called for); every pair without a cell leaves the state as it is and does nothing.
//
// Environment:
//   ATEXIT_CELLS_RUNS  generated programs (default 500)
//   ATEXIT_CELLS_SEED  fast-check seed (default below; `random` for a fresh one, printed)
//   ATEXIT_CELLS_PATH  fast-check replay path printed with a failure
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";

import { ECHO_MS, INITIAL, TABLE, row, transition } from "../../.build/process/sequence.js";
import { ProcessRegistry } from "../../.build/process/registry.js";
import { counterexamples } from "../exit/counterexamples.mjs";
import { mismatch } from "../exit/generated-programs.mjs";
import { FakeRuntime } from "../model/fake-runtime.mjs";
import { processProgramArbitrary } from "../model/process-arbitraries.mjs";
import { checkInProcess } from "../model/process-in-process.mjs";
import { render } from "../model/process-program.mjs";

const DEFAULT_SEED = 20261201;
const env = process.env;
const seed = env.ATEXIT_CELLS_SEED === "random" ? Date.now() % 2 ** 31 : Number(env.ATEXIT_CELLS_SEED ?? DEFAULT_SEED);
const numRuns = Number(env.ATEXIT_CELLS_RUNS ?? 500);
const path = env.ATEXIT_CELLS_PATH || undefined;

/** Every event of sequence.ts's `Events`. */
const EVENTS = ["occupancy", "drain", "explicit", "dispose", "signal", "error", "exit", "timeout", "failed", "roundDone", "settled", "workersDone", "flushed"];

// ---- the cells, recorded as they are called ------------------------------------------------------

/** "row × event" of every cell called so far. */
const reached = new Set();
const pair = (rowName, event) => `${rowName} × ${event}`;
for (const cells of new Set(Object.values(TABLE))) {
  // `idle` and `drained` share one row object: wrapped once, recorded by the row the state is in.
  for (const [event, cell] of Object.entries(cells)) {
    cells[event] = (state, payload, host) => {
      reached.add(pair(row(state), event));
      return cell(state, payload, host);
    };
  }
}
const cellPairs = Object.entries(TABLE).flatMap(([rowName, cells]) => Object.keys(cells).map((event) => pair(rowName, event)));

// ---- explicit cases: a registry on a fake runtime, or the table alone ------------------------------

const HOST = { isMainThread: true, status: (code) => code & 0xff };

/** A state in `phase` with something registered, and more fields. */
const at = (phase, more = {}) => ({ ...INITIAL, phase: typeof phase === "string" ? { name: phase } : phase, occupied: true, ...more });

/** The `atexit:` lines on stderr, each duration written `<ms>`. */
const atexitLines = (stderr) =>
  stderr
    .split("\n")
    .filter((line) => line.startsWith("atexit: "))
    .map((line) => line.replace(/\b\d+\.\d ms\b/g, "<ms> ms"));

/**
 * Runs `setup` as a main module on a fresh registry over a FakeRuntime (`options`), then the
 * virtual loop until the process ends. `setup` gets the registry, the runtime, `calls` (what
 * entries and timers journal), `fn(name, body)` (an entry named `name` that journals its name,
 * then returns what `body` returns), `later(ms, what)` (a timer of the program's), `hang()` (a
 * promise that never settles, the loop kept alive), `exit(code)` (the program's process.exit()).
 * Resolves with { end, lines, stderr, calls, atexit, runtime }.
 */
async function scenario(setup, options = {}) {
  const runtime = new FakeRuntime(options);
  const atexit = new ProcessRegistry(runtime);
  const calls = [];
  const { setTimeout, setInterval } = runtime.timers;
  const fn = (name, body = () => undefined) => ({ [name]: () => (calls.push(name), body()) })[name];
  const later = (ms, what) => setTimeout(what, ms);
  const hang = () => {
    setInterval(() => {}, 1 << 30);
    return new Promise(() => {});
  };
  const exit = (code) => runtime.processExit(code);
  runtime.call(() => setup({ atexit, runtime, calls, fn, later, hang, exit }));
  await runtime.run();
  return { end: runtime.ended, lines: atexitLines(runtime.stderr), stderr: runtime.stderr, calls, atexit, runtime };
}

/** The trace of a sequence whose entries all settled: started (`kind`), each entry ok, finished. */
const traceOf = (kind, ...entries) => [
  `atexit: trace cleanup started (${kind}), ${entries.length} entr${entries.length === 1 ? "y" : "ies"} pending`,
  ...entries.map((name) => `atexit: trace ${name} <ms> ms ok`),
  "atexit: trace cleanup finished in <ms> ms",
];
const ECHO_LINE = (signal, first = signal) => `atexit: trace ${signal} <ms> ms after ${first}: the same signal again (a launcher's echo), not a second one`;
const T3_LINE = (n) => `atexit: process.exit() was called; ${n} async cleanup entr${n === 1 ? "y" : "ies"} could not finish. Use atexit.exit() to let them finish.`;

describe("the termination sequence in process", () => {
  test(`${numRuns} generated programs end as the process model says (seed ${seed})`, async () => {
    const property = fc.asyncProperty(processProgramArbitrary(), async (program) => {
      const checked = await checkInProcess(program);
      if (!checked.agrees) throw new Error(`${mismatch(checked)}\n--- stderr ---\n${checked.outcome.stderr}`);
    });
    const details = await fc.check(property, { seed, numRuns, path });
    if (details.failed) {
      const [program] = details.counterexample;
      assert.fail(
        [
          `a generated program disagrees with the process model in process after ${details.numRuns} programs; shrunk ${details.numShrinks} times to:`,
          render(program),
          details.errorInstance?.message ?? String(details.error),
          `As data: ${JSON.stringify(program)}`,
          `Replay: ATEXIT_CELLS_SEED=${details.seed} ATEXIT_CELLS_PATH=${details.counterexamplePath} node --test test/unit/sequence.test.mjs`,
        ].join("\n"),
      );
    }
  });

  for (const { name, found, program } of counterexamples) {
    test(`${name} [counterexample found by ${found}]`, async () => {
      const checked = await checkInProcess(program);
      if (!checked.agrees) assert.fail(`${mismatch(checked)}\n--- the program ---\n${render(program)}\n--- stderr ---\n${checked.outcome.stderr}`);
    });
  }
});

describe("cells programs cannot reach", () => {
  describe("absent: nothing registered, atexit's listeners still there for the quiet period", () => {
    test("atexit.exit(3) with nothing registered runs an empty sequence and exits 3, as the model says [absent × explicit]", async () => {
      const checked = await checkInProcess({ entries: [], trigger: { kind: "explicit", code: 3 }, timeout: 3000 });
      assert.deepEqual(checked.actual, checked.expected);
    });

    test("disposeAsync() with nothing registered disposes the registry; the process goes on and drains with 0 [absent × dispose]", async () => {
      let registerAfter;
      const { end, lines, atexit } = await scenario(({ atexit, fn, later }) => {
        void atexit.disposeAsync();
        later(5, () => {
          try {
            atexit.register(fn("f"));
          } catch (error) {
            registerAfter = error;
          }
        });
      });
      assert.deepEqual(end, { code: 0 });
      assert.deepEqual(lines, []);
      assert.equal(atexit.disposed, true);
      assert.match(String(registerAfter), /^ReferenceError: Cannot call register\(\) on the process registry: atexit.move\(\) or atexit.disposeAsync\(\) has disposed it/);
    });

    test("a signal just after the last entry left is raised again as without atexit: death by it, nothing run [absent × signal]", async () => {
      const { end, lines, calls } = await scenario(({ atexit, runtime, fn }) => {
        const f = fn("f");
        atexit.register(f);
        atexit.unregister(f);
        runtime.kill("SIGTERM");
      });
      assert.deepEqual(end, { signal: "SIGTERM" });
      assert.deepEqual(lines, []);
      assert.deepEqual(calls, []);
    });

    test("an uncaught throw just after the last entry left is printed the runtime's way and ends with 1 [absent × error]", async () => {
      const { end, lines, stderr, calls } = await scenario(({ atexit, fn, later }) => {
        const f = fn("f");
        atexit.register(f);
        atexit.unregister(f);
        later(1, () => {
          throw new Error("thrown after");
        });
      });
      assert.deepEqual(end, { code: 1 });
      assert.deepEqual(lines, []);
      assert.match(stderr, /^Error: thrown after\n/);
      assert.deepEqual(calls, []);
    });

    test("an unhandled rejection with nothing registered is rejected again; a listener of the application's takes errors and signals itself [absent × error, absent × signal]", () => {
      const state = at("idle", { occupied: false });
      const error = new Error("rejected");
      const rejection = transition(state, { type: "error", error, origin: "unhandledRejection", takenOver: false }, HOST);
      assert.deepEqual(rejection, { state, effects: [{ type: "uninstall" }, { type: "crash", error, origin: "unhandledRejection" }] });
      const takenOver = transition(state, { type: "error", error, origin: "uncaughtException", takenOver: true }, HOST);
      assert.equal(takenOver.state, state);
      assert.deepEqual(takenOver.effects, []);
      const takenBy = transition(state, { type: "signal", signal: "SIGTERM", at: 0, takenBy: "onSigterm" }, HOST);
      assert.equal(takenBy.state, state);
      assert.deepEqual(takenBy.effects, []);
    });
  });

  describe("idle: entries registered, no sequence yet", () => {
    test("the last entry unregistered: listeners go after the quiet period, and the process drains as without atexit [idle × occupancy]", async () => {
      const listening = [];
      const { end, lines, calls } = await scenario(({ atexit, runtime, fn, later }) => {
        const f = fn("f");
        atexit.register(f);
        listening.push(runtime.listening);
        atexit.unregister(f);
        listening.push(runtime.listening);
        later(20, () => listening.push(runtime.listening));
      });
      assert.deepEqual(listening, [true, true, false]);
      assert.deepEqual(end, { code: 0 });
      assert.deepEqual(lines, []);
      assert.deepEqual(calls, []);
    });

    test("disposeAsync() runs every entry, awaited, reports a failure and rejects with it; the process goes on [idle × dispose]", async () => {
      let settled;
      const { end, lines, calls, atexit } = await scenario(({ atexit, calls, fn, later }) => {
        atexit.register(fn("f", () => new Promise((resolve) => later(10, () => resolve(calls.push("f done"))))));
        atexit.register(
          fn("g", () => {
            throw new Error("boom g");
          }),
        );
        atexit.disposeAsync().then(
          () => (settled = "resolved"),
          (error) => (settled = error.message),
        );
        later(50, () => calls.push("still running"));
      });
      assert.deepEqual(calls, ["g", "f", "f done", "still running"]);
      assert.equal(settled, "boom g");
      assert.deepEqual(lines, ["atexit: cleanup entry g failed:"]);
      assert.deepEqual(end, { code: 0 });
      assert.deepEqual(atexit.reason, { kind: "explicit" });
      assert.equal(atexit.disposed, true);
    });

    test("a signal the application listens for itself is left to it (traced); its process.exit() then names it in the T3 line [idle × signal]", async () => {
      const listener = "onSigterm (app.mjs:3:9)";
      const { end, lines, calls } = await scenario(
        ({ atexit, runtime, fn, later, exit }) => {
          atexit.register(fn("f", () => new Promise(() => {})));
          runtime.kill("SIGTERM");
          later(5, () => exit(0)); // the application's listener
        },
        { takenBy: { SIGTERM: listener }, env: { ATEXIT_TRACE: "1" } },
      );
      assert.deepEqual(end, { code: 0 });
      assert.deepEqual(calls, ["f"]);
      assert.deepEqual(lines, [
        `atexit: trace SIGTERM left to the application's own listener, ${listener}`,
        "atexit: trace cleanup started (exit), 1 entry pending",
        "atexit: trace f <ms> ms unfinished",
        `atexit: process.exit() was called after atexit left SIGTERM to the application's own listener, ${listener}; 1 async cleanup entry could not finish. Call atexit.exit() in that listener instead of process.exit() to let them finish (or remove it: atexit then handles SIGTERM itself).`,
        "atexit: trace cleanup finished in <ms> ms",
      ]);
    });

    test("an uncaught error the application's own listener takes over starts nothing; the loop then drains as T1 [idle × error]", async () => {
      const { end, stderr, calls, atexit } = await scenario(
        ({ atexit, fn, later }) => {
          atexit.register(fn("f"));
          later(1, () => {
            throw new Error("the application's to handle");
          });
        },
        { errorsTakenOver: true },
      );
      assert.deepEqual(calls, ["f"]);
      assert.equal(atexit.reason.kind, "drain");
      assert.deepEqual(end, { code: 0 });
      assert.equal(stderr, "");
    });
  });

  describe("drained: a T1 sequence ended, and a timer an entry started registers more", () => {
    /** T1 with entry f, whose timer registers g 5 ms later, then does `then`. */
    const afterDrain = (then, options) =>
      scenario(
        (program) => {
          const { atexit, fn, later } = program;
          atexit.register(
            fn("f", () =>
              later(5, () => {
                atexit.register(fn("g"));
                then?.(program);
              }),
            ),
          );
        },
        { env: { ATEXIT_TRACE: "1" }, ...options },
      );
    const firstSequence = traceOf("drain", "f");

    test("the loop drains again: another T1 sequence runs the entry [absent × occupancy, drained × drain]", async () => {
      const { end, lines, calls, atexit } = await afterDrain();
      assert.deepEqual(calls, ["f", "g"]);
      assert.deepEqual(end, { code: 0 });
      assert.deepEqual(lines, [...firstSequence, ...traceOf("drain", "g")]);
      assert.equal(atexit.reason.kind, "drain"); // a later sequence keeps the first reason
    });

    test("the entry taken off again before the loop drains: no second sequence, the code of the first [drained × occupancy]", async () => {
      const { end, calls, lines } = await afterDrain(({ atexit }) => atexit.clear());
      assert.deepEqual(calls, ["f"]);
      assert.deepEqual(end, { code: 0 });
      assert.deepEqual(lines, firstSequence);
    });

    test("atexit.exit(4) then runs it and exits 4 [drained × explicit]", async () => {
      const { end, calls, lines } = await afterDrain(({ atexit }) => void atexit.exit(4));
      assert.deepEqual(calls, ["f", "g"]);
      assert.deepEqual(end, { code: 4 });
      assert.deepEqual(lines, [...firstSequence, ...traceOf("explicit", "g")]);
    });

    test("disposeAsync() then runs it and disposes the registry; the process goes on [drained × dispose]", async () => {
      const { end, calls, atexit, lines } = await afterDrain(({ atexit, calls, later }) => {
        void atexit.disposeAsync();
        later(10, () => calls.push("still running"));
      });
      assert.deepEqual(calls, ["f", "g", "still running"]);
      assert.deepEqual(lines, [...firstSequence, ...traceOf("explicit", "g")]);
      assert.deepEqual(end, { code: 0 });
      assert.equal(atexit.disposed, true);
    });

    test("a signal then runs it and the process dies by the signal [drained × signal]", async () => {
      const { end, calls, lines } = await afterDrain(({ runtime }) => runtime.kill("SIGINT"));
      assert.deepEqual(calls, ["f", "g"]);
      assert.deepEqual(end, { signal: "SIGINT" });
      assert.deepEqual(lines, [...firstSequence, ...traceOf("signal SIGINT", "g")]);
    });

    test("an uncaught throw then is printed, runs it, and exits 1 [drained × error]", async () => {
      const { end, calls, stderr, lines } = await afterDrain(() => {
        throw new Error("late throw");
      });
      assert.deepEqual(calls, ["f", "g"]);
      assert.deepEqual(lines, [...firstSequence, ...traceOf("error", "g")]);
      assert.deepEqual(end, { code: 1 });
      assert.match(stderr, /\nError: late throw\n/);
    });

    test("process.exit(6) then calls it synchronously and exits 6 [drained × exit]", async () => {
      const { end, calls, lines } = await afterDrain(({ exit }) => exit(6));
      assert.deepEqual(calls, ["f", "g"]);
      assert.deepEqual(end, { code: 6 });
      assert.deepEqual(lines, [...firstSequence, ...traceOf("exit", "g")]);
    });
  });

  describe("settling: a T1 sequence's last round is done; one more turn", () => {
    /** T1 whose only entry does `now` as it is called and `next` on the next turn (before the settling turn ends). */
    const lastTurn = ({ now, next }, options) =>
      scenario(
        (program) => {
          const { atexit, runtime, fn } = program;
          atexit.register(
            fn("f", () => {
              now?.(program);
              if (next) runtime.schedule(0, () => next(program));
            }),
          );
        },
        options,
      );

    test("a signal that came as the loop drained is T5′: death by it once the sequence is over [settling × signal]", async () => {
      const { end, calls, lines } = await lastTurn({ now: ({ runtime }) => runtime.kill("SIGINT") });
      assert.deepEqual(calls, ["f"]);
      assert.deepEqual(lines, []);
      assert.deepEqual(end, { signal: "SIGINT" });
    });

    test("an entry registered in that turn gets a sequence of its own when the loop drains again [settling × occupancy]", async () => {
      const { end, calls } = await lastTurn({ next: ({ atexit, fn }) => atexit.register(fn("g")) });
      assert.deepEqual(calls, ["f", "g"]);
      assert.deepEqual(end, { code: 0 });
    });

    test("atexit.exit(5) in that turn sets the code [settling × explicit]", async () => {
      const { end, lines } = await lastTurn({ next: ({ atexit }) => void atexit.exit(5) });
      assert.deepEqual(lines, []);
      assert.deepEqual(end, { code: 5 });
    });

    test("an uncaught throw in that turn is reported, no entry running, and the code becomes 1 [settling × error]", async () => {
      const { end, lines, stderr } = await lastTurn({
        next: () => {
          throw new Error("settling throw");
        },
      });
      assert.deepEqual(lines, ["atexit: uncaught error during cleanup:"]);
      assert.match(stderr, /^atexit: uncaught error during cleanup:\nError: settling throw\n/);
      assert.deepEqual(end, { code: 1 });
    });

    test("process.exit(7) in that turn ends the sequence with 7, traced once [settling × exit]", async () => {
      const { end, lines } = await lastTurn({ next: ({ exit }) => exit(7) }, { env: { ATEXIT_TRACE: "1" } });
      assert.deepEqual(lines, traceOf("drain", "f"));
      assert.deepEqual(end, { code: 7 });
    });

    test("the deadline cannot pass in that turn (it is off); if it did, the rest would be cut short, and a failure counts [settling × timeout, settling × failed]", () => {
      const state = at("settling", { occupied: false, trigger: { kind: "drain", code: 0 }, timer: true });
      assert.deepEqual(transition(state, { type: "timeout" }, HOST), {
        state: { ...state, phase: { name: "cut", by: "timeout" }, timer: false },
        effects: [{ type: "drainSync", why: { kind: "timeout", workers: false } }, { type: "traceFinished" }, { type: "flush" }],
      });
      assert.deepEqual(transition(state, { type: "failed" }, HOST), { state: { ...state, failed: true }, effects: [] });
    });
  });

  describe("workers: the main thread's entries are done; the worker threads are waited for", () => {
    /** T4 (SIGTERM) with one entry; stopWorkers waits for `workers` (resolved by `finishWorkers`) ; `then` runs 10 ms after the signal. */
    /** `at`: when (ms after the signal) `then` runs; the workers finish 40 ms later. */
    async function whileWorkers(then, { timeout, at = 10, ...options } = {}) {
      let finishWorkers;
      const done = new Promise((resolve) => (finishWorkers = resolve));
      return scenario(
        (program) => {
          const { atexit, runtime, fn, later } = program;
          if (timeout !== undefined) atexit.configure({ timeout });
          atexit.register(fn("f"));
          runtime.kill("SIGTERM");
          later(at, () => then?.(program));
          later(at + 40, () => finishWorkers());
        },
        { workers: { done, running: "worker thread 2" }, ...options },
      );
    }

    test("the workers finish: death by the signal [workers × workersDone]", async () => {
      const { end, lines, calls } = await whileWorkers(undefined, { env: { ATEXIT_TRACE: "1" } });
      assert.deepEqual(calls, ["f"]);
      assert.deepEqual(lines, traceOf("signal SIGTERM", "f"));
      assert.deepEqual(end, { signal: "SIGTERM" });
    });

    test("a second signal, past the echo window, names the worker threads still running; death by it [workers × signal]", async () => {
      const { end, lines } = await whileWorkers(({ runtime }) => runtime.kill("SIGINT"), { at: ECHO_MS + 100 });
      assert.deepEqual(lines, ["atexit: received SIGINT during cleanup while worker thread 2 ran; 0 async cleanup entries could not finish"]);
      assert.deepEqual(end, { signal: "SIGINT" });
    });

    test("another signal within ECHO_MS is an echo (traced); the workers are still waited for [workers × signal]", async () => {
      const { end, lines } = await whileWorkers(({ runtime }) => runtime.kill("SIGINT"), { env: { ATEXIT_TRACE: "1" } });
      assert.deepEqual(lines, [
        ...traceOf("signal SIGTERM", "f"),
        ECHO_LINE("SIGINT", "SIGTERM"),
      ]);
      assert.deepEqual(end, { signal: "SIGTERM" });
    });

    test("the deadline names the worker threads still running; death by the signal [workers × timeout]", async () => {
      const { end, lines } = await whileWorkers(undefined, { timeout: 20 });
      assert.deepEqual(lines, ["atexit: cleanup timed out after 20 ms while worker thread 2 ran; 0 async cleanup entries could not finish"]);
      assert.deepEqual(end, { signal: "SIGTERM" });
    });

    test("process.exit(3) meanwhile ends with 3 [workers × exit]", async () => {
      const { end, lines } = await whileWorkers(({ exit }) => exit(3));
      assert.deepEqual(lines, []);
      assert.deepEqual(end, { code: 3 });
    });

    test("an entry registered meanwhile runs once the workers are done, then death by the signal [workers × occupancy]", async () => {
      const { end, calls } = await whileWorkers(({ atexit, fn }) => atexit.register(fn("g")));
      assert.deepEqual(calls, ["f", "g"]);
      assert.deepEqual(end, { signal: "SIGTERM" });
    });

    test("atexit.exit(4) meanwhile does not turn the signal into a code [workers × explicit]", async () => {
      const { end, lines } = await whileWorkers(({ atexit }) => void atexit.exit(4));
      assert.deepEqual(lines, []);
      assert.deepEqual(end, { signal: "SIGTERM" });
    });

    test("an uncaught throw meanwhile is reported, no entry running; death by the signal [workers × error]", async () => {
      const { end, lines, stderr } = await whileWorkers(() => {
        throw new Error("thrown while the workers run");
      });
      assert.deepEqual(lines, ["atexit: uncaught error during cleanup:"]);
      assert.match(stderr, /during cleanup:\nError: thrown while the workers run\n/);
      assert.deepEqual(end, { signal: "SIGTERM" });
    });

    test("a failure recorded meanwhile is kept (no entry runs then) [workers × failed]", () => {
      const state = at({ name: "workers" }, { trigger: { kind: "signal", signal: "SIGTERM" }, dieBy: "SIGTERM", timer: true, workersStopped: true });
      assert.deepEqual(transition(state, { type: "failed" }, HOST), { state: { ...state, failed: true }, effects: [] });
    });
  });

  describe("ending: a full sequence is over; its output is flushed (a pipe slow to drain: 50 ms)", () => {
    /** T2 (atexit.exit(code)) with one entry; `then` runs 20 ms in, while the output is flushed. */
    const whileFlushing = (then, { code = 3, timeout, ...options } = {}) =>
      scenario(
        (program) => {
          const { atexit, fn, later } = program;
          if (timeout !== undefined) atexit.configure({ timeout });
          atexit.register(fn("f"));
          later(1, () => void atexit.exit(code));
          later(20, () => then?.(program));
        },
        { flushMs: 50, ...options },
      );

    test("a signal then is raised at once: death by it [ending × signal]", async () => {
      const { end, lines } = await whileFlushing(({ runtime }) => runtime.kill("SIGINT"));
      assert.deepEqual(lines, []);
      assert.deepEqual(end, { signal: "SIGINT" });
    });

    test("the same signal as the sequence's within ECHO_MS is its echo: traced, the flush goes on [ending × signal]", async () => {
      const { end, lines } = await scenario(
        ({ atexit, runtime, fn, later }) => {
          atexit.register(fn("f"));
          runtime.kill("SIGTERM");
          later(20, () => runtime.kill("SIGTERM"));
        },
        { flushMs: 50, env: { ATEXIT_TRACE: "1" } },
      );
      assert.deepEqual(lines, [
        ...traceOf("signal SIGTERM", "f"),
        ECHO_LINE("SIGTERM"),
      ]);
      assert.deepEqual(end, { signal: "SIGTERM" });
    });

    test("a signal the application listens for itself is left to it then: the exit goes on [ending × signal]", async () => {
      const { end, lines } = await whileFlushing(({ runtime }) => runtime.kill("SIGHUP"), { takenBy: { SIGHUP: "onHup" }, env: { ATEXIT_TRACE: "1" } });
      assert.deepEqual(lines, [
        ...traceOf("explicit", "f"),
        "atexit: trace SIGHUP left to the application's own listener, onHup",
      ]);
      assert.deepEqual(end, { code: 3 });
    });

    test("an entry registered then gets another round, still bounded by the deadline; then the exit [ending × occupancy]", async () => {
      const { end, calls, lines } = await whileFlushing(({ atexit, fn }) => atexit.register(fn("g")));
      assert.deepEqual(calls, ["f", "g"]);
      assert.deepEqual(lines, []);
      assert.deepEqual(end, { code: 3 });
    });

    test("an entry registered then with a signal right after is called at once, as at T5; death by the signal [ending × occupancy, ending × signal]", async () => {
      const { end, calls, lines } = await whileFlushing(({ atexit, runtime, fn }) => {
        atexit.register(fn("g", () => new Promise(() => {})));
        runtime.kill("SIGINT");
      });
      assert.deepEqual(calls, ["f", "g"]);
      assert.deepEqual(lines, ["atexit: received SIGINT during cleanup; 1 async cleanup entry could not finish"]);
      assert.deepEqual(end, { signal: "SIGINT" });
    });

    test("atexit.exit(6) then sets the code [ending × explicit]", async () => {
      const { end } = await whileFlushing(({ atexit }) => void atexit.exit(6));
      assert.deepEqual(end, { code: 6 });
    });

    test("an uncaught throw then is reported and makes exit code 0 into 1 [ending × error]", async () => {
      const { end, lines } = await whileFlushing(
        () => {
          throw new Error("thrown while flushing");
        },
        { code: 0 },
      );
      assert.deepEqual(lines, ["atexit: uncaught error during cleanup:"]);
      assert.deepEqual(end, { code: 1 });
    });

    test("process.exit(2) then ends with 2 [ending × exit]", async () => {
      const { end, lines } = await whileFlushing(({ exit }) => exit(2));
      assert.deepEqual(lines, []);
      assert.deepEqual(end, { code: 2 });
    });

    test("the deadline passing then changes nothing: every entry was done [ending × timeout]", async () => {
      const { end, lines } = await whileFlushing(undefined, { timeout: 10 });
      assert.deepEqual(lines, []);
      assert.deepEqual(end, { code: 3 });
    });

    test("after the deadline passed then, an entry registered is called at once, counted by the T7 line; exit code 1, as for T7 [ending × timeout, ending × occupancy]", async () => {
      const { end, calls, lines } = await whileFlushing(({ atexit, fn }) => atexit.register(fn("g", () => new Promise(() => {}))), { timeout: 10 });
      assert.deepEqual(calls, ["f", "g"]);
      assert.deepEqual(lines, ["atexit: cleanup timed out after 10 ms; 1 async cleanup entry could not finish"]);
      assert.deepEqual(end, { code: 1 });
    });

    test("a failure recorded then is kept (no entry runs then) [ending × failed]", () => {
      const state = at("ending", { occupied: false, trigger: { kind: "explicit", code: 0 }, timer: true });
      assert.deepEqual(transition(state, { type: "failed" }, HOST), { state: { ...state, failed: true }, effects: [] });
    });
  });

  describe("cut: a T7 cut is over; its output is flushed (50 ms)", () => {
    /** T2 (atexit.exit(0)) whose entry hangs past a 10 ms deadline; `then` runs 20 ms in, while the output is flushed. */
    const whileFlushingCut = (then, options) =>
      scenario(
        (program) => {
          const { atexit, fn, later, hang } = program;
          atexit.configure({ timeout: 10 });
          atexit.register(fn("f", hang));
          later(1, () => void atexit.exit(0));
          later(20, () => then?.(program));
        },
        { flushMs: 50, ...options },
      );
    const T7 = "atexit: cleanup timed out after 10 ms while f ran; 1 async cleanup entry could not finish";

    test("a signal then is raised at once: death by it [cut × signal]", async () => {
      const { end, lines } = await whileFlushingCut(({ runtime }) => runtime.kill("SIGINT"));
      assert.deepEqual(lines, [T7]);
      assert.deepEqual(end, { signal: "SIGINT" });
    });

    test("an uncaught throw then is reported; exit code 1 [cut × error]", async () => {
      const { end, lines } = await whileFlushingCut(() => {
        throw new Error("thrown after the cut");
      });
      assert.deepEqual(lines, [T7, "atexit: uncaught error during cleanup:"]);
      assert.deepEqual(end, { code: 1 });
    });

    test("process.exit(4) then ends with 4 [cut × exit]", async () => {
      const { end, lines } = await whileFlushingCut(({ exit }) => exit(4));
      assert.deepEqual(lines, [T7]);
      assert.deepEqual(end, { code: 4 });
    });

    test("an entry registered then is called once the output is flushed; exit code 1 [cut × occupancy, cut × flushed]", async () => {
      const { end, lines, calls } = await whileFlushingCut(({ atexit, fn }) => atexit.register(fn("g")));
      assert.deepEqual(calls, ["f", "g"]);
      assert.deepEqual(lines, [T7]);
      assert.deepEqual(end, { code: 1 });
    });
  });

  describe("raised, final, disposed: after the end", () => {
    test("in a worker thread, an entry registered once the signal's sequence is over is called before register() returns [raised × occupancy]", async () => {
      const { calls, lines } = await scenario(
        ({ atexit, runtime, calls, fn, later }) => {
          atexit.register(fn("f"));
          runtime.kill("SIGTERM"); // in a worker, told by the main thread
          later(20, () => {
            atexit.register(fn("g"));
            calls.push("registered g");
          });
        },
        { isMainThread: false },
      );
      assert.deepEqual(calls, ["f", "g", "registered g"]);
      assert.deepEqual(lines, []);
    });

    test("atexit.exit(3) after disposeAsync() ends with 3 at once [disposed × explicit]", async () => {
      const { end, calls } = await scenario(({ atexit, fn }) => {
        atexit.register(fn("f"));
        atexit.disposeAsync().then(() => atexit.exit(3));
      });
      assert.deepEqual(calls, ["f"]);
      assert.deepEqual(end, { code: 3 });
    });

    test("a signal right after disposeAsync() is raised again as without atexit [disposed × signal]", async () => {
      const { end, calls, lines } = await scenario(({ atexit, runtime, fn }) => {
        atexit.register(fn("f"));
        atexit.disposeAsync().then(() => runtime.kill("SIGTERM"));
      });
      assert.deepEqual(calls, ["f"]);
      assert.deepEqual(lines, []);
      assert.deepEqual(end, { signal: "SIGTERM" });
    });

    test("an uncaught throw right after disposeAsync() is printed the runtime's way; exit code 1 [disposed × error]", async () => {
      const { end, stderr } = await scenario(({ atexit, fn, later }) => {
        atexit.register(fn("f"));
        void atexit.disposeAsync();
        later(1, () => {
          throw new Error("after disposal");
        });
      });
      assert.match(stderr, /^Error: after disposal\n/);
      assert.deepEqual(end, { code: 1 });
    });

    test("an entry registered by another exit listener after process.exit() drained the registry is called before register() returns [final × occupancy]", async () => {
      const { end, calls, lines } = await scenario(({ atexit, runtime, calls, fn, exit }) => {
        atexit.register(fn("f"));
        runtime.onExit(() => {
          atexit.register(fn("g", () => new Promise(() => {})));
          calls.push("registered g");
        });
        exit(2);
      });
      assert.deepEqual(calls, ["f", "g", "registered g"]);
      assert.deepEqual(lines, [T3_LINE(1)]);
      assert.deepEqual(end, { code: 2 });
    });

    test("in a worker thread, an uncaught error is not printed: after the sequence it is thrown again, for the parent's error event [running × roundDone, in a worker]", async () => {
      const error = new Error("in the worker");
      const { end, calls, stderr } = await scenario(
        ({ atexit, fn, later }) => {
          atexit.register(fn("f"));
          later(1, () => {
            throw error;
          });
        },
        { isMainThread: false },
      );
      assert.deepEqual(calls, ["f"]);
      assert.equal(stderr, "");
      assert.equal(end.rethrown, error);
    });

    test("occupancy after disposal is recorded, nothing more (register() throws there) [disposed × occupancy]", () => {
      const state = at("disposed", { occupied: false, trigger: { kind: "dispose" } });
      assert.deepEqual(transition(state, { type: "occupancy", occupied: true }, HOST), { state: { ...state, occupied: true }, effects: [] });
    });
  });

  describe("branches of cells programs reach", () => {
    test("disposeAsync() during an atexit.exit() sequence joins it: it settles when the rounds end, with their failure [running × dispose, no cell]", async () => {
      let joined;
      const { end, calls } = await scenario(({ atexit, calls, fn, later }) => {
        atexit.register(fn("f", () => new Promise((resolve) => later(10, resolve))));
        atexit.register(
          fn("g", () => {
            throw new Error("boom g");
          }),
        );
        later(1, () => void atexit.exit(0));
        later(5, () => {
          atexit.disposeAsync().then(
            () => (joined = "resolved"),
            (error) => (joined = error.message),
          );
          calls.push("joined");
        });
      });
      assert.deepEqual(calls, ["g", "f", "joined"]);
      assert.equal(joined, "boom g");
      assert.deepEqual(end, { code: 1 });
    });

    test(`a repeat of the sequence's signal within ECHO_MS (${ECHO_MS} ms) is its echo; after it, T5 [running × signal]`, async () => {
      const run = (after) =>
        scenario(
          ({ atexit, runtime, fn, later }) => {
            atexit.register(fn("f", () => new Promise((resolve) => later(3000, resolve))));
            runtime.kill("SIGINT");
            later(after, () => runtime.kill("SIGINT"));
          },
          { env: { ATEXIT_TRACE: "1" } },
        );
      const echo = await run(ECHO_MS - 100);
      assert.deepEqual(echo.lines, [
        "atexit: trace cleanup started (signal SIGINT), 1 entry pending",
        ECHO_LINE("SIGINT"),
        "atexit: trace f <ms> ms ok",
        "atexit: trace cleanup finished in <ms> ms",
      ]);
      assert.deepEqual(echo.end, { signal: "SIGINT" });
      const second = await run(ECHO_MS + 100);
      assert.deepEqual(second.lines, [
        "atexit: trace cleanup started (signal SIGINT), 1 entry pending",
        "atexit: trace f <ms> ms unfinished",
        "atexit: received SIGINT during cleanup while f ran; 1 async cleanup entry could not finish",
        "atexit: trace cleanup finished in <ms> ms",
      ]);
      assert.deepEqual(second.end, { signal: "SIGINT" });
    });

    test("a signal the application listens for itself during a sequence is left to it: the sequence goes on [running × signal]", async () => {
      const { end, lines } = await scenario(
        ({ atexit, runtime, fn, later }) => {
          atexit.register(fn("f", () => new Promise((resolve) => later(50, resolve))));
          later(1, () => void atexit.exit(2));
          later(10, () => runtime.kill("SIGHUP"));
        },
        { takenBy: { SIGHUP: "onHup" }, env: { ATEXIT_TRACE: "1" } },
      );
      assert.deepEqual(lines, [
        "atexit: trace cleanup started (explicit), 1 entry pending",
        "atexit: trace SIGHUP left to the application's own listener, onHup",
        "atexit: trace f <ms> ms ok",
        "atexit: trace cleanup finished in <ms> ms",
      ]);
      assert.deepEqual(end, { code: 2 });
    });

    test("a signal during disposeAsync() arms the deadline it did not have: T5′ [running × signal]", async () => {
      const { end, lines } = await scenario(({ atexit, runtime, fn, hang }) => {
        atexit.configure({ timeout: 100 });
        atexit.register(fn("f", hang));
        void atexit.disposeAsync();
        runtime.kill("SIGTERM");
      });
      assert.deepEqual(lines, ["atexit: cleanup timed out after 100 ms while f ran; 1 async cleanup entry could not finish"]);
      assert.deepEqual(end, { signal: "SIGTERM" });
    });

    /** T1 with entry f (3000 ms), a SIGINT 100 ms into it, timeout 5000 ms; `env` as pm2 sets it, or not. */
    const signalAsTheLoopDrains = (env) =>
      scenario(
        ({ atexit, fn, later, runtime }) => {
          atexit.configure({ timeout: 5000 });
          atexit.register(
            fn("f", () => {
              later(100, () => runtime.kill("SIGINT"));
              return new Promise((resolve) => later(3000, resolve));
            }),
          );
        },
        { env },
      );

    test("a signal as the loop drains keeps the drain's deadline: not moved later, and sooner only for a supervisor's SIGKILL [running × signal]", async () => {
      const plain = await signalAsTheLoopDrains({});
      assert.deepEqual([plain.calls, plain.lines, plain.end], [["f"], [], { signal: "SIGINT" }]);
      // pm2 stop as it drains: SIGKILL 1000 ms after the SIGINT, before the 5000 ms deadline.
      const pm2 = await signalAsTheLoopDrains({ pm_id: "0", kill_timeout: "1000" });
      assert.deepEqual(pm2.lines, [
        "atexit: cleanup timed out after 800 ms, before pm2's kill_timeout (1000 ms) ends the process with SIGKILL, while f ran; 1 async cleanup entry could not finish; set a longer kill_timeout to give it longer",
      ]);
      assert.deepEqual(pm2.end, { signal: "SIGINT" });
      assert.ok(pm2.runtime.now() < 1500, `ended at ${pm2.runtime.now()} ms, before pm2's SIGKILL at 1100 ms`);
      // A kill_timeout longer than what is left of the deadline changes nothing.
      const patient = await signalAsTheLoopDrains({ pm_id: "0", kill_timeout: "10000" });
      assert.deepEqual([patient.calls, patient.lines, patient.end], [["f"], [], { signal: "SIGINT" }]);
    });

    test("an uncaught error during a sequence is reported even when the application listens for uncaught errors itself [running × error]", async () => {
      const { end, lines, calls } = await scenario(
        ({ atexit, fn, later }) => {
          atexit.register(
            fn("f", () => {
              later(1, () => {
                throw new Error("late f");
              });
              return new Promise((resolve) => later(10, resolve));
            }),
          );
          later(1, () => void atexit.exit(0));
        },
        { errorsTakenOver: true },
      );
      assert.deepEqual(calls, ["f"]);
      assert.deepEqual(lines, ["atexit: uncaught error during cleanup while f ran:"]);
      assert.deepEqual(end, { code: 1 });
    });

    test("process.exit() with async entries and no sequence: the T3 line counts them [idle × exit]", async () => {
      const { end, lines } = await scenario(({ atexit, fn, exit }) => {
        atexit.register(fn("f", () => new Promise(() => {})));
        exit(5);
      });
      assert.deepEqual(lines, [T3_LINE(1)]);
      assert.deepEqual(end, { code: 5 });
    });
  });
});

describe("the table", () => {
  test("every cell was called by the programs or an explicit case", () => {
    const missing = cellPairs.filter((cell) => !reached.has(cell));
    assert.deepEqual(missing, [], `cells never called: ${missing.join(", ")}`);
  });

  test("every pair without a cell leaves the state as it is and does nothing", () => {
    const samples = {
      occupancy: { type: "occupancy", occupied: true },
      drain: { type: "drain", code: 0 },
      explicit: { type: "explicit", code: 2, current: 0 },
      dispose: { type: "dispose" },
      signal: { type: "signal", signal: "SIGTERM", at: 0, takenBy: undefined },
      error: { type: "error", error: new Error("x"), origin: "uncaughtException", takenOver: false },
      exit: { type: "exit", code: 0 },
      timeout: { type: "timeout" },
      failed: { type: "failed" },
      roundDone: { type: "roundDone" },
      settled: { type: "settled" },
      workersDone: { type: "workersDone" },
      flushed: { type: "flushed" },
    };
    for (const event of cellPairs.map((cell) => cell.split(" × ")[1])) assert.ok(EVENTS.includes(event), `the table has an event this test does not know: ${event}`);
    let walked = 0;
    for (const rowName of Object.keys(TABLE)) {
      const state = rowName === "absent" ? at("idle", { occupied: false }) : at(rowName === "cut" ? { name: "cut", by: "signal" } : rowName);
      assert.equal(row(state), rowName);
      for (const event of EVENTS) {
        if (TABLE[rowName][event] !== undefined) continue;
        const step = transition(state, samples[event], HOST);
        assert.equal(step.state, state, `${pair(rowName, event)} changed the state`);
        assert.deepEqual(step.effects, [], `${pair(rowName, event)} has effects`);
        walked++;
      }
    }
    assert.equal(walked, Object.keys(TABLE).length * EVENTS.length - cellPairs.length);
  });
});
