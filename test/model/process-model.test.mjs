// The process model's own test (test/model/process-model.mjs): known answers read off the
// README's "How each exit runs", docs/exit-paths.md's "The sequence, step by step" and "What atexit writes on
// stderr", so that the oracle of the exit matrix and of the generated programs is itself checked.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { predict } from "./process-model.mjs";

const entry = (id, outcome = "return", more = {}) => ({ id, kind: "register", outcome, ...more });
const lines = (prediction) => prediction.lines.map(({ text }) => text);
const journal = (prediction) => prediction.journal.filter(({ optional }) => !optional).map(({ line }) => line);

describe("the process model", () => {
  test("T1: entries run last-in first-out, async ones awaited; a failure turns exit code 0 into 1, not 3", () => {
    const entries = [entry("a"), entry("b", "delay"), entry("c", "throw")];
    const drained = predict({ entries, trigger: { kind: "drain" } });
    assert.deepEqual(journal(drained), ["start c", "start b", "end b", "start a"]);
    assert.deepEqual(drained.end, { code: 1 });
    assert.deepEqual(drained.lines, [{ text: "atexit: cleanup entry c failed:", next: "boom c" }]);
    assert.deepEqual(predict({ entries, exitCode: 3, trigger: { kind: "drain" } }).end, { code: 3 });
  });

  test("T3: every entry is called synchronously, and one line counts the async ones; the code is kept", () => {
    const prediction = predict({ entries: [entry("a", "delay"), entry("b", "throw"), entry("c", "hang")], trigger: { kind: "exit", code: 4 } });
    assert.deepEqual(journal(prediction), ["start c", "start b", "start a"]);
    assert.deepEqual(lines(prediction), [
      "atexit: cleanup entry b failed:",
      "atexit: process.exit() was called; 2 async cleanup entries could not finish. Use atexit.exit() to let them finish.",
    ]);
    assert.deepEqual(prediction.end, { code: 4 });
  });

  test("T3 from an entry: the rest runs synchronously, the caller is not counted, and atexit.exit(3) after it sets the code", () => {
    const exiter = entry("x", "return", { actions: [{ processExit: 6 }] });
    const setter = entry("s", "return", { actions: [{ atexitExit: 3 }] });
    const prediction = predict({ entries: [entry("a", "delay"), setter, exiter], trigger: { kind: "drain" } });
    assert.deepEqual(journal(prediction), ["start x", "exit x 6", "start s", "start a"]);
    assert.deepEqual(lines(prediction), ["atexit: process.exit() was called; 1 async cleanup entry could not finish. Use atexit.exit() to let them finish."]);
    assert.deepEqual(prediction.end, { code: 3 });
  });

  test("T4 then T5: a second signal cuts the awaited entry short, the rest is called synchronously, death by the second signal", () => {
    const prediction = predict({
      entries: [entry("a", "delay"), entry("b"), entry("c", "hang")],
      trigger: { kind: "signal", signal: "SIGINT" },
      signals: [{ signal: "SIGTERM", at: "c" }],
    });
    assert.deepEqual(journal(prediction), ["ready", "start c", "start b", "start a"]);
    assert.deepEqual(lines(prediction), ["atexit: received SIGTERM during cleanup while c ran; 2 async cleanup entries could not finish"]);
    assert.deepEqual(prediction.end, { signal: "SIGTERM" });
  });

  test("T5′: a signal during a drain sequence lets it finish, and the process dies by that signal; an atexit.exit() code does not win", () => {
    const prediction = predict({
      entries: [entry("a", "throw"), entry("b", "return", { actions: [{ atexitExit: 5 }] }), entry("c", "ack")],
      trigger: { kind: "drain" },
      signals: [{ signal: "SIGHUP", at: "c" }],
    });
    assert.deepEqual(journal(prediction), ["start c", "end c", "start b", "start a"]);
    assert.deepEqual(prediction.end, { signal: "SIGHUP" });
  });

  test("T7: the deadline names the awaited entry and counts it; exit code 1 for a drain, the signal for T4", () => {
    const program = { timeout: 400, entries: [entry("a", "delay"), entry("b", "hang")] };
    const drained = predict({ ...program, trigger: { kind: "drain" } });
    assert.deepEqual(journal(drained), ["start b", "start a"]);
    assert.deepEqual(lines(drained), ["atexit: cleanup timed out after 400 ms while b ran; 2 async cleanup entries could not finish"]);
    assert.deepEqual(drained.end, { code: 1 });
    assert.deepEqual(predict({ ...program, trigger: { kind: "signal", signal: "SIGTERM" } }).end, { signal: "SIGTERM" });
  });

  test("cut short inside a scope: the scope's other entries first, then the registry's", () => {
    const scope = { id: "s", kind: "scope", children: [entry("s1"), entry("s2", "hang")] };
    const prediction = predict({ timeout: 400, entries: [entry("a"), scope], trigger: { kind: "explicit", code: 0 } });
    assert.deepEqual(journal(prediction), ["start s2", "start s1", "start a"]);
    assert.deepEqual(lines(prediction), ["atexit: cleanup timed out after 400 ms while s2 ran; 1 async cleanup entry could not finish"]);
  });

  test("an entry registered during the sequence is on top and runs next", () => {
    const prediction = predict({ entries: [entry("a"), entry("b", "return", { actions: [{ register: entry("n", "delay") }] })], trigger: { kind: "drain" } });
    assert.deepEqual(journal(prediction), ["start b", "start n", "end n", "start a"]);
  });

  test("the trace: started with the kind and the count, one line per entry, finished; names per README", () => {
    const entries = [
      { id: "w", kind: "adoptWeak", outcome: "return" },
      { id: "u", kind: "useSync", outcome: "hang", value: "object" },
      { id: "f", kind: "defer", outcome: "throw", anonymous: true },
      { id: "p", kind: "adopt", outcome: "delay", value: "string" },
    ];
    const prediction = predict({ trace: true, entries, trigger: { kind: "signal", signal: "SIGINT" } });
    assert.deepEqual(lines(prediction), [
      "atexit: trace cleanup started (signal SIGINT), 4 entries pending",
      "atexit: trace p (adopting v-p) <ms> ms ok",
      "atexit: cleanup entry anonymous function failed:",
      "atexit: trace anonymous function <ms> ms failed",
      "atexit: trace Object[Symbol.dispose] <ms> ms ok",
      "atexit: trace w (adopting V_w) <ms> ms ok",
      "atexit: trace cleanup finished in <ms> ms",
    ]);
  });

  test("atexit.signal's listeners run at start, exiting's reactions only when the sequence can wait (not at T3)", () => {
    const entries = [entry("a")];
    assert.deepEqual(journal(predict({ observe: true, entries, trigger: { kind: "drain" } })), ["abort drain", "exiting drain", "start a"]);
    assert.deepEqual(journal(predict({ observe: true, entries, trigger: { kind: "exit", code: 0 } })), ["abort exit", "start a"]);
  });

  test("a signal synchronised on an entry that does not wait for it makes the program inexact", () => {
    const prediction = predict({ entries: [entry("a")], trigger: { kind: "signal", signal: "SIGINT" }, signals: [{ signal: "SIGINT", at: "a" }] });
    assert.match(prediction.invalid, /does not wait/);
  });
});
