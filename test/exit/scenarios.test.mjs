// Every exit path of SPEC §3 (and the process-facing parts of §2.2 and §6) as one table of
// scenarios. Each row runs a fixture from test/fixtures/ in a child process on every runtime
// below, optionally sends it signals when it prints given lines, and checks how it ended
// (exit code or signal), its stdout lines in order, and its stderr.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { assertAllPresent, repoRoot } from "../runtimes.mjs";
import { DEADLINE_MS, runChild, selectedRuntimes } from "./child.mjs";

const fixturesDir = join(repoRoot, "test", "fixtures", "exit");

// ---------------------------------------------------------------------------------------------
// Runtimes

// The ATEXIT_RUNTIMES environment variable (comma-separated names) narrows the matrix.
const runtimes = selectedRuntimes();
assertAllPresent();

// ---------------------------------------------------------------------------------------------
// Expected diagnostics (loose on wording, strict on the key parts; every line starts "atexit: ")

/** An entry's failure: its name (a regex source), then the inspected error with its stack. */
const entryFailed = (name, message) => new RegExp(`^atexit: cleanup entry ${name} failed:\\n[\\s\\S]*?${message}\\n\\s+at `, "m");
/** An error printed with its stack (T6, or the runtime's own output). */
const errorWithStack = (message) => new RegExp(`[Ee]rror: ${message}\\n\\s+at `);
/** T3: how many async entries could not finish, and a pointer to atexit.exit(). */
const asyncEntriesCutShort = (count) =>
  new RegExp(`atexit: process\\.exit\\(\\) was called; ${count} async cleanup entr(y|ies) could not finish[^\\n]*atexit\\.exit\\(\\)`);
/** How many async entries could not finish, as the T3, T5 and T7 lines say it. */
const couldNotFinish = (count) => `${count} async cleanup entr${count === 1 ? "y" : "ies"} could not finish`;
/** T5: the second signal, the entry it cut short, and how many could not finish. */
const signalDuringCleanup = (signal, entry, count) =>
  new RegExp(`^atexit: received ${signal} during cleanup while ${entry} ran; ${couldNotFinish(count)}$`, "m");
/** T7. */
const timedOut = (entry, count) => new RegExp(`^atexit: cleanup timed out after 300 ms while ${entry} ran; ${couldNotFinish(count)}$`, "m");
/** The trace's lines: `traced("drain", 2, [["flushLogs", "ok"], …])` (names as regex sources). */
const traced = (kind, pending, entries) => [
  new RegExp(`^atexit: trace cleanup started \\(${kind}\\), ${pending} entr${pending === 1 ? "y" : "ies"} pending$`, "m"),
  ...entries.map(([name, outcome]) => new RegExp(`^atexit: trace ${name} \\d+\\.\\d ms ${outcome}$`, "m")),
  /^atexit: trace cleanup finished in \d+\.\d ms$/m,
];
/** Anything atexit says. */
const anyDiagnostic = /atexit:/;
/** node20…node26 → node. */
const family = (runtime) => (runtime.name.startsWith("node") ? "node" : runtime.name);
/** The runtime's own report of an uncaught error: each runtime has its format (resolved per runtime). */
const runtimeOwnReport = (message) => (runtime) =>
  ({
    node: new RegExp(`Error: ${message}\\n\\s+at [\\s\\S]*^Node\\.js v\\d+`, "m"),
    bun: new RegExp(`^error: ${message}\\n\\s+at [\\s\\S]*^Bun v\\d+`, "m"),
    deno: new RegExp(`^error: Uncaught (\\(in promise\\) )?Error: ${message}\\n[\\s\\S]*?\\n\\s+at `, "m"),
  })[family(runtime)];

// ---------------------------------------------------------------------------------------------
// The table. Fields: name (a sentence), fixture, args (array, or function of the shared
// context), env, signals ([{ after: stdout line, signal }], sent in order), slowReader (pause
// reading stdout for 300 ms after the first chunk), expect: { code | signal, stdout (exact
// lines in order, or a RegExp for one; a long run of one character reads "<N × c>"), unordered, onlyIf, stderr (regexes
// that must match), notStderr (must not), stderrLines (exact count of non-empty lines),
// exitWithin: stdout line (see EXIT_WITHIN_MS), closeStderrAfter: stdout line }. A signal may wait `delayMs` after its line. Every
// "atexit:" line on stderr must be matched (at its start) by one of the `stderr` patterns.

/**
 * `exitWithin` rows end by themselves (a cut, a timeout of 300 ms, a sequence that finishes) a
 * second or so after their line; what each rules out is a process held until the default timeout
 * (7 s) ends it, or never ending. So the bound sits between: generous, and still below 7 s.
 */
const EXIT_WITHIN_MS = 5_000;

/** Deno drains the microtask queue during or after the exit listeners: an async entry's `await null` resumes. */
const DENO_EXIT_MICROTASKS = {
  why: "Deno runs microtasks queued by exit listeners before it exits, so a microtask-only async entry finishes",
  expect: { anywhereAfter: { "async entry D finished": "async entry D called" } },
};
const LINES_T3 = ["sync entry E ran", "async entry D called", "sync entry C ran", "async entry B called", "sync entry A ran"];
const LINES_T6 = ["entry C ran", "entry B finished after 50 ms", "entry A ran"];
const LINES_T2 = ["calling atexit.exit", "async entry finished after 50 ms", "server closed: true", "bottom entry ran"];
const LINES_TIMEOUT = ["top entry ran", "stuckEntry started", "asyncBelow called after the timeout", "bottom entry ran after the timeout"];
const EMPTY_EVENTS = ["SIGINT", "SIGTERM", "SIGHUP", "beforeExit", "exit", "uncaughtException", "unhandledRejection"];
const noListeners = (step) => `${step}: ${EMPTY_EVENTS.map((event) => `${event}=0`).join(" ")}`;
const LINES_EMPTY = [
  noListeners("after import"),
  noListeners("register, unregister"),
  noListeners("use, unregister"),
  noListeners("adopt, unregister"),
  noListeners("defer, unregister"),
  "scope entry ran",
  noListeners("scope, disposeAsync"),
  noListeners("register, clear"),
  "entry run by run()",
  noListeners("register, run"),
  "size 0",
];
/**
 * register-while-flushing.mjs on Deno: the raised signal ends the process at any moment after the
 * raise (Deno restores its default action on another thread), so the timer may register the entry
 * or not, and a registered entry may run or the process die first (runtime note 10). Stderr holds
 * nothing else.
 */
const REGISTERED_THEN_RAN = /^(?:registering an entry while flushing\n(?:entry registered while flushing ran\n)?)?$/;
const RAISE_THROWS = 'Bun cannot raise it again (process.kill throws "Unknown signal")';
const STAYS_IGNORED = "Deno keeps ignoring it once its listener is gone, so raising it again would not end the process";
const reasonLines = (json, { awaited = true } = {}) => [
  `abort event: ${json} AbortError: true`,
  // The reactions to `exiting` run before the first entry (not on process.exit(), which cannot wait).
  ...(awaited ? [`exiting reaction: ${json} same as atexit.reason: true`] : []),
  `entry: ${json} signal.reason carries it: true`,
  ...(awaited ? [`exiting resolved: ${json} same as atexit.reason: true`] : []),
];

const scenarios = [
  // T1 — the event loop drains
  {
    name: "when the loop drains, entries run last-in first-out and async entries are awaited; exit code 0",
    fixture: "drain.mjs",
    expect: {
      code: 0,
      stdout: ["main module done", "last timer fired", "registered last", "adopted handle released", "resource disposed", "async entry finished after 50 ms", "registered first"],
      notStderr: [anyDiagnostic],
    },
  },
  {
    name: "when the loop drains, the process keeps the exit code it set (process.exitCode = 3)",
    fixture: "drain.mjs",
    args: ["3"],
    expect: {
      code: 3,
      stdout: ["main module done", "last timer fired", "registered last", "adopted handle released", "resource disposed", "async entry finished after 50 ms", "registered first"],
    },
  },
  {
    name: "when the loop drains, entries that throw or reject are reported with their stack as they happen, the rest still run, and exit code 0 becomes 1",
    fixture: "drain-failures.mjs",
    expect: {
      code: 1,
      stdout: ["top entry ran", "bottom entry ran"],
      stderr: [
        entryFailed("throwsSync", "sync-boom"),
        entryFailed("rejectsLater", "async-boom"),
        /throwsSync[\s\S]*marker: between the failures[\s\S]*rejectsLater/,
      ],
    },
  },
  {
    name: "when the loop drains with process.exitCode = 3, a failing entry leaves the exit code at 3",
    fixture: "drain-failures.mjs",
    args: ["3"],
    expect: { code: 3, stdout: ["top entry ran", "bottom entry ran"], stderr: [entryFailed("throwsSync", "sync-boom"), entryFailed("rejectsLater", "async-boom")] },
  },

  // T2 — atexit.exit(code)
  {
    name: "atexit.exit(5) runs the full async sequence while a server and an interval keep the loop alive, then exits with code 5",
    fixture: "explicit-exit.mjs",
    args: ["5"],
    expect: { code: 5, stdout: LINES_T2, notStderr: [anyDiagnostic] },
  },
  {
    name: "atexit.exit(0) with a failing entry runs the other entries and exits with code 1",
    fixture: "explicit-exit.mjs",
    args: ["0", "fail"],
    expect: { code: 1, stdout: LINES_T2, stderr: [entryFailed("failingEntry", "explicit-boom")] },
  },
  {
    name: "atexit.exit(5) with a failing entry still exits with code 5",
    fixture: "explicit-exit.mjs",
    args: ["5", "fail"],
    expect: { code: 5, stdout: LINES_T2, stderr: [entryFailed("failingEntry", "explicit-boom")] },
  },
  {
    name: "atexit.exit() without a code exits with process.exitCode",
    fixture: "explicit-exit.mjs",
    args: ["none", "-", "7"],
    expect: { code: 7, stdout: LINES_T2 },
  },

  // T3 — process.exit(code)
  {
    name: "process.exit(4) runs sync entries in order, calls async entries without awaiting them, says how many could not finish, and exits with code 4",
    fixture: "process-exit.mjs",
    args: ["4"],
    expect: { code: 4, stdout: LINES_T3, stderr: [asyncEntriesCutShort(2)] },
    limits: { deno: DENO_EXIT_MICROTASKS },
  },
  {
    name: "process.exit(4) with a failing sync entry reports it, runs the rest and keeps code 4",
    fixture: "process-exit.mjs",
    args: ["4", "fail"],
    expect: { code: 4, stdout: LINES_T3, stderr: [entryFailed("throwsOnExit", "process-exit-boom"), asyncEntriesCutShort(2)] },
    limits: { deno: DENO_EXIT_MICROTASKS },
  },
  {
    name: "process.exit(0) with a failing sync entry keeps code 0",
    fixture: "process-exit.mjs",
    args: ["0", "fail"],
    expect: { code: 0, stdout: LINES_T3, stderr: [entryFailed("throwsOnExit", "process-exit-boom"), asyncEntriesCutShort(2)] },
    limits: { deno: DENO_EXIT_MICROTASKS },
  },
  {
    name: "process.exit(6) inside an entry during process.exit(4) runs the remaining entries once and exits with code 6",
    fixture: "exit-inside-entry.mjs",
    args: ["process-exit"],
    expect: { code: 6, stdout: ["entry C ran", "entry B calls process.exit(6)", "entry A ran"] },
  },
  {
    name: "process.exit(6) inside an entry while the loop drains runs the remaining entries once and exits with code 6",
    fixture: "exit-inside-entry.mjs",
    args: ["drain"],
    expect: { code: 6, stdout: ["entry C finished after 30 ms", "entry B calls process.exit(6)", "entry A ran"] },
  },
  {
    name: "process.exit(6) inside an entry during a SIGTERM sequence runs the remaining entries once and exits with code 6",
    fixture: "exit-inside-entry.mjs",
    args: ["signal"],
    signals: [{ after: "ready", signal: "SIGTERM" }],
    expect: { code: 6, stdout: ["ready", "entry C finished after 30 ms", "entry B calls process.exit(6)", "entry A ran"] },
  },

  // T4 — a signal
  ...["SIGINT", "SIGTERM", "SIGHUP"].map((signal) => ({
    name: `${signal} runs the full async sequence, then the process dies by ${signal}`,
    fixture: "signal.mjs",
    signals: [{ after: "ready", signal }],
    expect: {
      signal,
      stdout: ["ready", "resource C disposed", "entry B finished after 50 ms", "entry A ran"],
      notStderr: [anyDiagnostic],
    },
  })),

  // T5 — a second signal while a T4 sequence runs; T5′ — a signal while a T1/T2/T6 sequence runs
  ...[
    // A second signal counts only after the echo window (a person pressing Ctrl-C again): test/exit/child.mjs waits 1.2 s.
    ["SIGINT", "SIGINT", "a second SIGINT, past the echo window, while the SIGINT sequence hangs"],
    ["SIGINT", "SIGTERM", "a SIGTERM, past the echo window, while the SIGINT sequence hangs"],
  ].map(([first, second, what]) => ({
    name: `${what} cuts it short: the entry below runs synchronously, one stderr line names the entry cut short, and the process dies by ${second}`,
    fixture: "signal-during-sequence.mjs",
    args: ["signal"],
    signals: [{ after: "ready", signal: first }, { after: "hanging", signal: second }],
    expect: {
      signal: second,
      stdout: ["ready", "top entry ran", "hanging", "bottom entry ran"],
      stderr: [signalDuringCleanup(second, "hangsForever", 1)],
      stderrLines: 1,
      exitWithin: "hanging",
    },
  })),
  ...[
    ["drain", "the drain sequence", []],
    ["explicit", "the atexit.exit() sequence", []],
    ["error", "the uncaught-error sequence", [errorWithStack("error-before-hang")]],
  ].map(([trigger, sequence, more]) => ({
    name: `a SIGTERM while ${sequence} hangs lets it go on (T5′); a second signal then cuts it short and the process dies by that one`,
    fixture: "signal-during-sequence.mjs",
    args: [trigger],
    signals: [{ after: "hanging", signal: "SIGTERM" }, { after: "hanging", signal: "SIGINT", delayMs: 300 }],
    expect: {
      signal: "SIGINT",
      stdout: ["top entry ran", "hanging", "bottom entry ran"],
      stderr: [...more, signalDuringCleanup("SIGINT", "hangsForever", 1)],
      exitWithin: "hanging",
    },
  })),
  // A launcher passes the terminal's Ctrl-C on a moment after the terminal delivered it (node --watch
  // 0.6 ms, nodemon 26 ms, concurrently 74 ms): within the echo window, a repeat is the same signal.
  ...[
    ["SIGINT", "SIGINT", "signal", "the SIGINT sequence", [{ after: "ready", signal: "SIGINT" }, { after: "slow entry started", signal: "SIGINT", release: true, atOnce: true }]],
    ["SIGINT", "SIGINT", "signal", "the SIGINT sequence (sent twice at once)", [{ after: "ready", signal: "SIGINT" }, { after: "ready", signal: "SIGINT", release: true, atOnce: true }]],
    // nodemon follows a SIGTERM with SIGINTs; deno run --watch a SIGINT with a SIGTERM.
    ["SIGTERM", "SIGINT", "signal", "the SIGTERM sequence", [{ after: "ready", signal: "SIGTERM" }, { after: "slow entry started", signal: "SIGINT", release: true, atOnce: true }]],
    ["SIGTERM", "SIGTERM", "drain", "the drain sequence, after a first SIGTERM (T5′)", [{ after: "slow entry started", signal: "SIGTERM" }, { after: "slow entry started", signal: "SIGTERM", delayMs: 50, release: true, atOnce: true }]],
  ].map(([signal, again, trigger, sequence, signals]) => ({
    name: `${again} within 1 s of ${signal} during ${sequence} is the same signal again, not a second one: the slow entry finishes, every entry once, death by ${signal}`,
    fixture: "signal-during-drain.mjs",
    args: [trigger],
    signals,
    expect: {
      signal,
      stdout: [...(trigger === "signal" ? ["ready"] : []), "top entry ran", "slow entry started", "slow entry finished", "bottom entry ran"],
      notStderr: [anyDiagnostic],
    },
  })),
  ...[
    ["drain", "the drain sequence", 0, []],
    ["explicit", "the atexit.exit(3) sequence", 3, []],
    ["error", "the uncaught-error sequence", 1, [errorWithStack("error-before-signal")]],
  ].map(([trigger, sequence, _code, more]) => ({
    name: `a SIGTERM while ${sequence} awaits a slow entry lets the sequence finish, every entry once, then the process dies by SIGTERM`,
    fixture: "signal-during-drain.mjs",
    args: [trigger],
    signals: [{ after: "slow entry started", signal: "SIGTERM", release: true }],
    expect: {
      signal: "SIGTERM",
      stdout: ["top entry ran", "slow entry started", "slow entry finished", "bottom entry ran"],
      stderr: more,
      notStderr: [anyDiagnostic],
    },
  })),

  // T6 — uncaught errors
  {
    name: "an uncaught exception is printed with its stack, then the full async sequence runs, and the exit code is 1",
    fixture: "uncaught.mjs",
    args: ["throw"],
    expect: {
      code: 1,
      stdout: LINES_T6,
      stderr: [errorWithStack("uncaught-kaboom"), /uncaught-kaboom[\s\S]*marker: entry B wrote to stderr/],
    },
  },
  {
    name: "an unhandled rejection is printed with its stack, then the full async sequence runs, and the exit code is 1",
    fixture: "uncaught.mjs",
    args: ["reject"],
    expect: {
      code: 1,
      stdout: LINES_T6,
      stderr: [errorWithStack("rejected-kaboom"), /rejected-kaboom[\s\S]*marker: entry B wrote to stderr/],
    },
  },
  {
    name: "an error thrown by the main module itself is printed with its stack, then the full async sequence runs, and the exit code is 1",
    fixture: "uncaught.mjs",
    args: ["top-level"],
    expect: {
      code: 1,
      stdout: LINES_T6,
      stderr: [errorWithStack("top-level-kaboom"), /top-level-kaboom[\s\S]*marker: entry B wrote to stderr/],
    },
  },
  {
    name: "an entry that throws during the uncaught-error sequence does not stop the others",
    fixture: "uncaught.mjs",
    args: ["entry-throws"],
    expect: {
      code: 1,
      stdout: LINES_T6,
      stderr: [errorWithStack("uncaught-kaboom"), entryFailed("failsDuringErrorExit", "entry-boom"), /entry-boom[\s\S]*marker: entry B wrote to stderr/],
    },
  },

  // T7 — the sequence exceeds its timeout
  ...[
    ["drain", "a drain sequence", {}, []],
    ["explicit", "an atexit.exit(0) sequence", {}, []],
    ["error", "an uncaught-error sequence", {}, [errorWithStack("error-before-timeout")]],
  ].map(([trigger, sequence, _unused, more]) => ({
    name: `${sequence} stuck past the timeout is abandoned: stderr names the stuck entry, the entries below run synchronously, and the exit code is 1`,
    fixture: "timeout.mjs",
    args: [trigger],
    expect: {
      code: 1,
      stdout: LINES_TIMEOUT,
      stderr: [...more, timedOut("stuckEntry", 2)],
      exitWithin: "stuckEntry started",
    },
  })),
  {
    name: "a SIGTERM sequence stuck past the timeout is abandoned, the entries below run synchronously, and the process still dies by SIGTERM",
    fixture: "timeout.mjs",
    args: ["signal"],
    signals: [{ after: "ready", signal: "SIGTERM" }],
    expect: {
      signal: "SIGTERM",
      stdout: ["ready", ...LINES_TIMEOUT],
      stderr: [timedOut("stuckEntry", 2)],
      exitWithin: "stuckEntry started",
    },
  },

  // Exactly once
  {
    name: "an entry added during the sequence, a failing entry and process.exit(6) inside an entry: every entry runs exactly once",
    fixture: "exactly-once-mix.mjs",
    expect: {
      code: 6,
      stdout: ["G ran", "E ran and registers F", "F, added during the sequence, ran", "D finished after 20 ms", "C ran and calls process.exit(6)", "B ran and throws", "A ran"],
      stderr: [entryFailed("failsInMix", "mix-boom")],
    },
  },

  // Nothing lost, by construction (issue 8): programs that once lost, repeated or reordered entries
  {
    name: "an adoptWeak entry that throws is reported with its own error, and the entries below it still run",
    fixture: "nothing-lost.mjs",
    args: ["adopt-weak-throws"],
    expect: {
      code: 1,
      stdout: ["top entry ran", "closeConnection called", "bottom entry ran"],
      stderr: [entryFailed("closeConnection \\(adopting Connection\\)", "adopt-weak-boom")],
    },
  },
  {
    name: "an adoptWeak entry that throws during process.exit(3): process.exit() does not return, the rest run, and the code is 3",
    fixture: "nothing-lost.mjs",
    args: ["adopt-weak-throws-exit"],
    expect: {
      code: 3,
      stdout: ["closeConnection called", "bottom entry ran"],
      stderr: [entryFailed("closeConnection \\(adopting Connection\\)", "adopt-weak-boom")],
    },
  },
  {
    name: "an adoptWeak entry that hangs past the timeout is named by its function and value, and the entries below run",
    fixture: "nothing-lost.mjs",
    args: ["adopt-weak-hangs"],
    expect: {
      code: 1,
      stdout: ["drainConnection started", "bottom entry ran after the timeout"],
      stderr: [timedOut("drainConnection \\(adopting Connection\\)", 1)],
      exitWithin: "drainConnection started",
    },
  },
  {
    name: "ATEXIT_TRACE=1 traces a successful adoptWeak entry as ok, and the exit code stays 0",
    fixture: "nothing-lost.mjs",
    args: ["adopt-weak-traced"],
    env: { ATEXIT_TRACE: "1" },
    expect: {
      code: 0,
      stdout: ["closeConnection ran"],
      stderr: traced("drain", 1, [["closeConnection \\(adopting Connection\\)", "ok"]]),
      stderrLines: 3,
    },
  },
  {
    name: "a report function that throws does not stop the sequence: diagnostics fall back to stderr once, and an entry added meanwhile runs",
    fixture: "nothing-lost.mjs",
    args: ["report-throws"],
    expect: {
      code: 1,
      stdout: ["middle entry ran and registers another", "entry added during the sequence ran", "bottom entry ran; report was called 1 time(s)"],
      stderr: [
        /^atexit: configure\(\{ report \}\) threw Error: report-boom; diagnostics go to stderr from now on$/m,
        entryFailed("failsFirst", "first-failure"),
        entryFailed("failsSecond", "second-failure"),
      ],
    },
  },
  {
    name: "a report function that returns a rejected promise falls back to stderr once, and the sequence goes on to its end",
    fixture: "nothing-lost.mjs",
    args: ["report-rejects"],
    expect: {
      code: 1,
      stdout: ["slowFlush finished"],
      stderr: [
        /^atexit: configure\(\{ report \}\) rejected with Error: log-service-down; diagnostics go to stderr from now on$/m,
        entryFailed("fails", "report-rejects-boom"),
      ],
      // The sequence ends by itself (it once never ended).
      exitWithin: "slowFlush finished",
    },
  },
  {
    name: "run() called from the top entry joins the drain's loop: the entry below starts after the top one finished, and a failure still makes the code 1",
    fixture: "nothing-lost.mjs",
    args: ["reentrant-run"],
    expect: {
      code: 1,
      stdout: ["callsRun started", "callsRun finished", "middle entry ran", "fails ran", "the joined run() rejected with reentrant-boom"],
      stderr: [entryFailed("fails", "reentrant-boom")],
    },
  },
  {
    name: "atexit.exit(3) inside an entry during process.exit(0) sets the exit code to 3",
    fixture: "nothing-lost.mjs",
    args: ["exit-inside-process-exit"],
    expect: { code: 3, stdout: ["entry calls atexit.exit(3)", "bottom entry ran"], notStderr: [anyDiagnostic] },
  },
  {
    name: "process.exit() while an await using block awaits a scope entry runs the scope's other entries, then the entries below the scope",
    fixture: "nothing-lost.mjs",
    args: ["scope-cut-by-process-exit"],
    expect: {
      code: 0,
      stdout: ["scope entry 3 ran", "awaitedEntry started", "scope entry 1 ran", "entry below the scope ran"],
      stderr: [asyncEntriesCutShort(1)],
    },
    limits: { deno: { why: DENO_EXIT_MICROTASKS.why, expect: {} } },
  },
  {
    name: "atexit.exit(0) while a scope's own disposal is in flight: the entry below the scope waits until the scope has finished",
    fixture: "nothing-lost.mjs",
    args: ["scope-in-flight-at-exit"],
    expect: {
      code: 0,
      stdout: ["awaitedEntry started", "entry above the scope ran", "awaitedEntry finished", "scope entry 1 ran", "entry below the scope ran", "the block ended"],
      notStderr: [anyDiagnostic],
    },
  },
  {
    name: "configure() refuses signals whose default action does not end the process, and a timeout timers cannot wait, naming each",
    fixture: "nothing-lost.mjs",
    args: ["configure-refuses"],
    expect: {
      code: 0,
      stdout: [
        'TypeError: Expected `signals` to hold signals whose default action ends the process, got "SIGWINCH": its default action is to ignore it, so raising it again would not end the process',
        'TypeError: Expected `signals` to hold signals whose default action ends the process, got "SIGCHLD": its default action is to ignore it, so raising it again would not end the process',
        "TypeError: Expected `timeout` to be a number of milliseconds from 0 to 2147483647, or Infinity, got 2147483648 (number)",
        ...["SIGSTKFLT", "SIGPWR", "SIGPOLL", "SIGIO"].map((signal) => `accepted {"signals":["${signal}"]}`),
        "entry ran",
      ],
      notStderr: [anyDiagnostic],
    },
    // docs/runtimes.md "Signals": the signals a runtime cannot listen for or raise, measured (runtime/signals.ts).
    limits: Object.fromEntries(
      [
        ["bun", { SIGSTKFLT: RAISE_THROWS, SIGPWR: RAISE_THROWS, SIGPOLL: RAISE_THROWS }],
        ["deno", { SIGSTKFLT: "Deno panics when it is raised", SIGPWR: "Deno panics when it is raised", SIGPOLL: STAYS_IGNORED, SIGIO: STAYS_IGNORED }],
      ].map(([name, refused]) => [
        name,
        {
          why: `${name} refuses ${Object.keys(refused).join(", ")}`,
          expect: {
            stdout: [
              'TypeError: Expected `signals` to hold signals whose default action ends the process, got "SIGWINCH": its default action is to ignore it, so raising it again would not end the process',
              'TypeError: Expected `signals` to hold signals whose default action ends the process, got "SIGCHLD": its default action is to ignore it, so raising it again would not end the process',
              "TypeError: Expected `timeout` to be a number of milliseconds from 0 to 2147483647, or Infinity, got 2147483648 (number)",
              ...["SIGSTKFLT", "SIGPWR", "SIGPOLL", "SIGIO"].map((signal) =>
                refused[signal] === undefined
                  ? `accepted {"signals":["${signal}"]}`
                  : `TypeError: Expected \`signals\` to hold signals whose default action ends the process, got "${signal}": ${refused[signal]}`,
              ),
              "entry ran",
            ],
          },
        },
      ]),
    ),
  },
  {
    name: "unregister(scope) is refused with a TypeError: the scope stays open in its place and its entries run",
    fixture: "nothing-lost.mjs",
    args: ["unregister-scope"],
    expect: {
      code: 0,
      stdout: ["TypeError: Expected a registered function or resource, got a scope() of this stack", "scope disposed: false, registry size 1", "scope entry ran"],
      notStderr: [anyDiagnostic],
    },
  },
  {
    name: "errors that cannot be inspected (a Symbol, throwing getters, a revoked Proxy) and names that cannot be read never stop the sequence",
    fixture: "nothing-lost.mjs",
    args: ["hostile-values"],
    expect: {
      code: 1,
      stdout: ["top entry ran", "bottom entry ran"],
      stderr: [
        ...["throwsSymbol", "throwsGetters", "throwsRevokedProxy", "object\\[Symbol\\.dispose\\]"].map((name) => new RegExp(`^atexit: cleanup entry ${name} failed:$`, "m")),
        entryFailed("anonymous function", "nameless-boom"),
      ],
    },
  },
  {
    name: "with stderr a closed pipe, a failure that cannot be reported does not spin: an async entry's timer still fires and the sequence ends",
    fixture: "nothing-lost.mjs",
    args: ["dead-stderr"],
    closeStderrAfter: "ready",
    expect: { code: 1, stdout: ["ready", "waitsForATimer finished", "bottom entry ran"], exitWithin: "ready" },
  },
  {
    name: "a SIGTERM the process sends itself as the loop drains lets the sequence finish (T5′), then the process dies by SIGTERM",
    fixture: "nothing-lost.mjs",
    args: ["self-signal-while-draining"],
    expect: { signal: "SIGTERM", stdout: ["top entry ran", "slow entry started", "slow entry finished", "bottom entry ran"], notStderr: [anyDiagnostic] },
  },
  {
    name: "a SIGTERM the process sends itself just before its loop drains, with a quick sequence, still ends it by SIGTERM",
    fixture: "nothing-lost.mjs",
    args: ["self-signal-quick-drain"],
    expect: { signal: "SIGTERM", stdout: ["entry ran"], notStderr: [anyDiagnostic] },
    limits: {
      deno: {
        why: "under CPU load Deno's signal thread can hand the signal over after the loop has drained: the process then ends with its exit code",
        expect: { endings: [{ signal: "SIGTERM" }, { code: 0 }] },
      },
    },
  },
  ...["", "1"].map((trace) => ({
    name: `a drain whose entries all finished within timeout: 0 ends with code 0, not as timed out${trace ? " (trace on)" : ""}`,
    fixture: "nothing-lost.mjs",
    args: ["timeout-after-last-entry"],
    env: trace ? { ATEXIT_TRACE: "1" } : undefined,
    expect: {
      code: 0,
      stdout: ["async entry finished", "bottom entry ran"],
      ...(trace ? { stderr: traced("drain", 2, [["anonymous function", "ok"], ["anonymous function", "ok"]]) } : { notStderr: [anyDiagnostic] }),
    },
  })),
  {
    name: "an error thrown by an atexit.signal listener after a sync entry returned names no entry, and makes the code 1",
    fixture: "nothing-lost.mjs",
    args: ["listener-throws-after-sync-entry"],
    expect: { code: 1, stdout: ["bottom ran and returned"], stderr: [/^atexit: uncaught error during cleanup:\nError: listener-boom$/m] },
  },
  {
    name: "after atexit.move(), register() throws a ReferenceError naming the process registry, and the moved entries run when the caller disposes them",
    fixture: "nothing-lost.mjs",
    args: ["registry-moved"],
    expect: {
      code: 0,
      stdout: [
        "ReferenceError: Cannot call register() on the process registry: atexit.move() or atexit.disposeAsync() has disposed it, so nothing could run at exit",
        "registry disposed: true, moved size 1",
        "moved entry ran",
      ],
      notStderr: [anyDiagnostic],
    },
  },
  {
    name: "atexit.exit(3) from an atexit.signal listener at the start of a drain sets the code; reason, signal.reason and exiting stay the drain's",
    fixture: "nothing-lost.mjs",
    args: ["abort-listener-exits"],
    expect: { code: 3, stdout: ["reason drain, signal.reason drain, exiting drain"], notStderr: [anyDiagnostic] },
  },
  {
    name: "disposeAsync() from an atexit.signal listener joins the drain: it rejects with the entry's error, and the code is 1",
    fixture: "nothing-lost.mjs",
    args: ["abort-listener-disposes"],
    // By itself, not by the default timeout, whose timer once held the process on Deno.
    expect: { code: 1, stdout: ["disposeAsync rejected: abort-dispose-boom"], stderr: [entryFailed("fails", "abort-dispose-boom")], exitWithin: "disposeAsync rejected: abort-dispose-boom" },
  },
  {
    name: "an entry registered by another exit listener after process.exit() drained the registry is called at once",
    fixture: "nothing-lost.mjs",
    args: ["register-after-exit-drain"],
    expect: { code: 0, stdout: ["first ran", "libraryCleanup ran", "registered in an exit listener, size 0"], notStderr: [anyDiagnostic] },
  },
  {
    name: "process.exit() from a nextTick queued by a sync entry that returned: the rest runs, and no entry is counted as unfinished",
    fixture: "nothing-lost.mjs",
    args: ["exit-after-sync-entry-returned"],
    expect: { code: 2, stdout: ["queuesExit returned", "bottom entry ran"], notStderr: [anyDiagnostic] },
  },
  {
    name: "the registry's use() of an http.Server subclass with its own [Symbol.asyncDispose] calls that method at exit",
    fixture: "nothing-lost.mjs",
    args: ["own-dispose-on-registry"],
    expect: { code: 0, stdout: ["AppServer[Symbol.asyncDispose] ran"], notStderr: [anyDiagnostic] },
  },
  {
    name: "atexit.exit() refuses a code process.exit() would refuse (beyond 2^53 - 1) with a RangeError naming it, and the registry goes on",
    fixture: "nothing-lost.mjs",
    args: ["exit-code-refused"],
    expect: {
      code: 0,
      stdout: [
        ...["9007199254740992", "-9007199254740992", "1e+300"].map((code) => `RangeError: Expected \`code\` to be an integer from -(2^53 - 1) to 2^53 - 1, got ${code} (number)`),
        "cleanup ran",
      ],
      notStderr: [anyDiagnostic],
    },
  },
  {
    name: "fetch() with atexit.signal rejects with an AbortError carrying the reason when SIGTERM starts the sequence",
    fixture: "nothing-lost.mjs",
    args: ["fetch-abort"],
    signals: [{ after: "ready", signal: "SIGTERM" }],
    expect: { signal: "SIGTERM", stdout: ["ready", "fetch rejected: AbortError kind signal"], notStderr: [anyDiagnostic] },
  },

  // Isolation
  {
    name: "an entry's failure is on stderr before the next entry runs, so a later hang (then SIGKILL) loses nothing",
    fixture: "failure-then-hang.mjs",
    signals: [{ after: "ready", signal: "SIGTERM" }, { after: "hanging", signal: "SIGKILL" }],
    expect: { signal: "SIGKILL", stdout: ["ready", "hanging"], stderr: [entryFailed("failsBeforeHang", "failure-before-hang")] },
  },

  // Cooperation
  ...["before", "after"].map((order) => ({
    name: `an application SIGINT listener added ${order} the first entry takes SIGINT over: atexit waits for the app's atexit.exit(0)`,
    fixture: "app-signal-listener.mjs",
    args: [order],
    signals: [{ after: "ready", signal: "SIGINT" }],
    expect: { code: 0, stdout: ["ready", "app got SIGINT", "app still running", "entry ran"], notStderr: [anyDiagnostic] },
  })),
  {
    name: "an application uncaughtException listener takes errors over: atexit does not act, the process drains normally with code 0",
    fixture: "app-error-listener.mjs",
    args: ["exception"],
    expect: { code: 0, stdout: ["app caught handled-kaboom", "app still running", "entry ran"], notStderr: [anyDiagnostic, /handled-kaboom/] },
  },
  {
    name: "an application unhandledRejection listener takes rejections over: atexit does not act, the process drains normally with code 0",
    fixture: "app-error-listener.mjs",
    args: ["rejection"],
    expect: { code: 0, stdout: ["app caught handled-rejection", "app still running", "entry ran"], notStderr: [anyDiagnostic, /handled-rejection/] },
  },
  ...["first", "last"].map((order) => ({
    name: `with signal-exit v4 loaded (its handler added ${order}), SIGINT runs both libraries' handlers and the process dies by SIGINT`,
    fixture: "signal-exit-v4.mjs",
    args: [order],
    signals: [{ after: "ready", signal: "SIGINT" }],
    expect: { signal: "SIGINT", unordered: true, stdout: ["ready", "atexit entry ran", "signal-exit v4 handler saw SIGINT"] },
  })),
  ...["first", "last"].map((order) => ({
    name: `with signal-exit v3 loaded (its handler added ${order}, CommonJS), SIGINT runs both libraries' handlers and the process dies by SIGINT`,
    fixture: "signal-exit-v3.cjs",
    args: [order],
    signals: [{ after: "ready", signal: "SIGINT" }],
    expect: { signal: "SIGINT", unordered: true, stdout: ["ready", "atexit entry ran", "signal-exit v3 handler saw SIGINT"] },
  })),

  // Output is not lost
  {
    name: "an entry registered while the output is flushed after a SIGTERM sequence still runs before the process dies by SIGTERM",
    fixture: "register-while-flushing.mjs",
    signals: [{ after: "ready", signal: "SIGTERM" }],
    slowReader: true,
    expect: { signal: "SIGTERM", stdout: ["ready", `<${1 << 20} × x>`], stderr: [/^registering an entry while flushing\nentry registered while flushing ran$/m] },
    limits: {
      deno: {
        why: "Deno writes to a pipe synchronously, and dies by the raised signal at any moment after the raise: the timer may register the entry, and the entry may run, before it",
        expect: { stderr: [REGISTERED_THEN_RAN] },
      },
    },
  },
  {
    name: "an entry registered while the output is flushed, then a second signal: the entry is called before the process dies by SIGTERM (T5)",
    fixture: "register-while-flushing.mjs",
    args: ["second-signal"],
    signals: [{ after: "ready", signal: "SIGTERM" }],
    slowReader: 1500,
    expect: {
      signal: "SIGTERM",
      stdout: ["ready", /^<\d+ × x>$/],
      stderr: [/^registering an entry while flushing\nentry registered while flushing ran$/m, /^atexit: received SIGTERM during cleanup; 0 async cleanup entries could not finish$/m],
    },
    limits: {
      deno: {
        why: "Deno writes to a pipe synchronously, and dies by the raised signal at any moment after the raise: the timer may register the entry, and the entry may run, before it (the second signal comes too late)",
        expect: { signal: "SIGTERM", stdout: ["ready", `<${1 << 20} × x>`], stderr: [REGISTERED_THEN_RAN], notStderr: [anyDiagnostic] },
      },
    },
  },
  {
    name: "1 MiB written to stdout by an entry on SIGTERM reaches a slow reader in full, and the process dies by SIGTERM",
    fixture: "big-output.mjs",
    args: ["signal"],
    signals: [{ after: "ready", signal: "SIGTERM" }],
    slowReader: true,
    expect: { signal: "SIGTERM", stdout: ["ready", `<${1 << 20} × x>`] },
  },
  {
    name: "1 MiB written to stdout by an entry during atexit.exit(0) reaches a slow reader in full",
    fixture: "big-output.mjs",
    args: ["explicit"],
    slowReader: true,
    expect: { code: 0, stdout: ["ready", `<${1 << 20} × x>`] },
  },
  {
    name: "1 MiB written to stdout by an entry after an uncaught exception reaches a slow reader in full",
    fixture: "big-output.mjs",
    args: ["error"],
    slowReader: true,
    expect: { code: 1, stdout: ["ready", `<${1 << 20} × x>`], stderr: [errorWithStack("error-with-big-output")] },
  },

  // Nothing installed while the registry is empty (listeners go once it has stayed empty for 10 ms; until then a
  // trigger is handled as the runtime would, without atexit)
  ...["", "-right-after"].flatMap((when) => {
    const lines = when === "" ? LINES_EMPTY : [...LINES_EMPTY, "last scope entry ran"];
    const right = when === "" ? "" : ", also in the same turn as the last scope closed";
    return [
      {
        name: `an emptied registry leaves no process listeners, and SIGINT kills the process as if atexit were not there${right}`,
        fixture: "empty-registry.mjs",
        args: [`signal${when}`],
        expect: { signal: "SIGINT", stdout: lines, notStderr: [anyDiagnostic] },
      },
      {
        name: `an uncaught exception with an emptied registry gets the runtime's own report and exit code 1${right}`,
        fixture: "empty-registry.mjs",
        args: [`throw${when}`],
        expect: { code: 1, stdout: lines, stderr: [runtimeOwnReport("plain-crash")], notStderr: [anyDiagnostic] },
      },
      {
        name: `an unhandled rejection with an emptied registry gets the runtime's own report and exit code 1${right}`,
        fixture: "empty-registry.mjs",
        args: [`reject${when}`],
        expect: { code: 1, stdout: lines, stderr: [runtimeOwnReport("plain-rejection")], notStderr: [anyDiagnostic] },
      },
    ];
  }),

  {
    name: "the same SIGINT, with the loop held past the quiet period before the signal is dispatched (a busy machine): still as if atexit were not there",
    fixture: "empty-registry.mjs",
    args: ["signal-right-after-stalled"],
    expect: { signal: "SIGINT", stdout: [...LINES_EMPTY, "last scope entry ran"], notStderr: [anyDiagnostic] },
  },

  // A good neighbour: the application's own handlers beside atexit's
  ...[
    ["before", "added before atexit's first entry: the line names it", "onSigterm"],
    ["after", "added after atexit's first entry: the line names it and where it was added", "onSigterm \\(\\S*shared-process\\.mjs:\\d+:\\d+\\)"],
  ].map(([when, what, listener]) => ({
    name: `the application's own SIGTERM listener (${what}) ends the process with process.exit(0): atexit stood back, and says so`,
    fixture: "neighbours/shared-process.mjs",
    args: [`stand-back-${when}`],
    signals: [{ after: "ready", signal: "SIGTERM" }],
    expect: {
      code: 0,
      stdout: ["ready", "the application's SIGTERM listener ran", "drainRequests started"],
      stderr: [
        new RegExp(
          `^atexit: process\\.exit\\(\\) was called after atexit left SIGTERM to the application's own listener, ${listener}; 1 async cleanup entry could not finish\\. Call atexit\\.exit\\(\\) in that listener instead of process\\.exit\\(\\) to let them finish \\(or remove it: atexit then handles SIGTERM itself\\)\\.$`,
          "m",
        ),
      ],
      stderrLines: 1,
    },
  })),
  {
    name: "with the trace on, atexit says it leaves SIGTERM to the application's own listener at the moment the signal arrives",
    fixture: "neighbours/shared-process.mjs",
    args: ["stand-back-after"],
    env: { ATEXIT_TRACE: "1" },
    signals: [{ after: "ready", signal: "SIGTERM" }],
    expect: {
      code: 0,
      stdout: ["ready", "the application's SIGTERM listener ran", "drainRequests started"],
      stderr: [
        /^atexit: trace SIGTERM left to the application's own listener, onSigterm \(\S*shared-process\.mjs:\d+:\d+\)$/m,
        ...traced("exit", 1, [["drainRequests", "unfinished"]]),
        /^atexit: process\.exit\(\) was called after atexit left SIGTERM to the application's own listener, onSigterm \(\S*shared-process\.mjs:\d+:\d+\); 1 async cleanup entry could not finish\. /m,
      ],
    },
  },
  ...[
    ["status-256", "process.exitCode = 256 and the loop drains"],
    ["exit-256", "atexit.exit(256)"],
  ].map(([mode, what]) => ({
    name: `${what} (status 0) with a failing entry ends with exit code 1: a failure is never a success`,
    fixture: "neighbours/shared-process.mjs",
    args: [mode],
    expect: { code: 1, stdout: [], stderr: [entryFailed("failsAtExit", "cleanup-failed")] },
  })),
  {
    name: "process.exit(7) inside `report` during a process.exit(3) run acts as inside an entry: the code is 7, each line is reported once, nothing internal leaks",
    fixture: "neighbours/shared-process.mjs",
    args: ["report-exit"],
    expect: { code: 7, stdout: ["waitsForever called"], stderr: [/^report got: atexit: cleanup entry failsAtExit failed:$/m], stderrLines: 2, notStderr: [/Symbol|configure\(\{ report \}\)/] },
  },

  // Deno's own APIs (rows with `only` run on those runtimes alone)
  {
    name: "Deno.exit(3), which emits no process exit event, still runs the sync part from Deno's unload event, and the code is 3",
    only: ["deno"],
    fixture: "deno-apis.mjs",
    args: ["deno-exit"],
    expect: { code: 3, stdout: ["sync entry A ran"], stderr: [asyncEntriesCutShort(1)] },
  },
  {
    name: "a SIGINT listener added with Deno.addSignalListener is invisible to atexit, which runs the sequence anyway and re-raises into that listener (a documented limit)",
    only: ["deno"],
    fixture: "deno-apis.mjs",
    args: ["signal-listener"],
    signals: [{ after: "ready", signal: "SIGINT" }],
    expect: {
      code: 0,
      stdout: ["ready", "application SIGINT listener call 1", "async entry B finished", "sync entry A ran", "application SIGINT listener call 2"],
    },
  },

  // However many entries
  {
    name: "5000 entries and 100 scopes give no MaxListenersExceededWarning, one listener per signal, and all run",
    fixture: "many-entries.mjs",
    expect: {
      code: 0,
      stdout: ["SIGINT listeners: 1", "SIGTERM listeners: 1", "SIGHUP listeners: 1", "5100 entries ran"],
      notStderr: [/MaxListeners/],
    },
  },

  // Workers
  {
    name: "a worker's own registry runs on the worker's process.exit(3), the parent sees code 3, and the main thread's entries run at its end",
    fixture: "worker-main.mjs",
    args: ["process-exit"],
    expect: {
      code: 0,
      stdout: ["main registry size 1", "worker registry size 0", "worker entry B ran", "worker entry A ran", "worker exited with code 3", "main entry ran"],
    },
  },
  {
    name: "a worker's registry runs on the worker's uncaught error, then the parent gets the error and exit code 1",
    fixture: "worker-main.mjs",
    args: ["throw"],
    expect: {
      code: 0,
      stdout: [
        "main registry size 1",
        "worker registry size 0",
        "worker async entry B finished",
        "worker entry A ran",
        "worker error event: worker-kaboom, with stack: true",
        "worker exited with code 1",
        "main entry ran",
      ],
    },
    limits: {
      deno: {
        why: "Deno's worker error event carries the message but not the stack",
        expect: {
          stdout: [
            "main registry size 1",
            "worker registry size 0",
            "worker async entry B finished",
            "worker entry A ran",
            "worker error event: worker-kaboom, with stack: false",
            "worker exited with code 1",
            "main entry ran",
          ],
        },
      },
    },
  },
  {
    name: "a worker's registry runs when the worker's loop drains, async entries awaited",
    fixture: "worker-main.mjs",
    args: ["natural"],
    expect: {
      code: 0,
      stdout: ["main registry size 1", "worker registry size 0", "worker async entry B finished", "worker entry A ran", "worker exited with code 0", "main entry ran"],
    },
    limits: {
      deno: {
        why: "Deno workers emit no beforeExit: at their natural end only the synchronous part runs, from exit",
        expect: {
          stdout: ["main registry size 1", "worker registry size 0", "worker entry A ran", "worker exited with code 0", "main entry ran"],
          stderr: [asyncEntriesCutShort(1)],
        },
      },
    },
  },

  // One registry per thread
  {
    name: "the ESM and CommonJS builds share one registry: entries from both run in one last-in first-out order",
    fixture: "esm-and-cjs.mjs",
    expect: {
      code: 0,
      stdout: ["same registry: true", "size seen by esm 4, by cjs 4", "SIGTERM listeners: 1", "cjs entry 4 ran", "esm entry 3 ran", "cjs entry 2 ran", "esm entry 1 ran"],
    },
  },
  ...["esm", "cjs"].map((format) => ({
    name: `two copies of the package at different paths (the second loaded as ${format}) share one registry and one set of listeners`,
    fixture: "two-copies.mjs",
    args: (context) => [...context.copies, format],
    expect: {
      code: 0,
      stdout: [
        "same registry: true",
        "SIGINT listeners: 1",
        "SIGTERM listeners: 1",
        "SIGHUP listeners: 1",
        "copy B entry 4 ran",
        "copy A entry 3 ran",
        "copy B entry 2 ran",
        "copy A entry 1 ran",
      ],
    },
  })),

  // atexit.reason, atexit.signal, atexit.exiting
  {
    name: "when the loop drains, the reason is { kind: 'drain' }, seen by signal, exiting and reason alike",
    fixture: "reason.mjs",
    args: ["drain"],
    expect: { code: 0, stdout: ["before: reason undefined aborted false", ...reasonLines('{"kind":"drain"}')] },
  },
  {
    name: "atexit.exit(5) gives the reason { kind: 'explicit', code: 5 }",
    fixture: "reason.mjs",
    args: ["explicit"],
    expect: { code: 5, stdout: ["before: reason undefined aborted false", ...reasonLines('{"kind":"explicit","code":5}')] },
  },
  {
    name: "atexit.disposeAsync() gives the reason { kind: 'explicit' } without a code and does not end the process",
    fixture: "reason.mjs",
    args: ["dispose"],
    expect: {
      code: 0,
      stdout: ["before: reason undefined aborted false", ...reasonLines('{"kind":"explicit"}'), "disposeAsync resolved, process still running"],
    },
  },
  {
    name: "process.exit(4) gives the reason { kind: 'exit', code: 4 }",
    fixture: "reason.mjs",
    args: ["exit"],
    expect: { code: 4, stdout: ["before: reason undefined aborted false", ...reasonLines('{"kind":"exit","code":4}', { awaited: false })] },
  },
  {
    name: "SIGTERM gives the reason { kind: 'signal', signal: 'SIGTERM' }",
    fixture: "reason.mjs",
    args: ["signal"],
    signals: [{ after: "ready", signal: "SIGTERM" }],
    expect: {
      signal: "SIGTERM",
      stdout: ["before: reason undefined aborted false", "ready", ...reasonLines('{"kind":"signal","signal":"SIGTERM"}')],
    },
  },
  {
    name: "an uncaught exception gives the reason { kind: 'error', error } with the thrown error",
    fixture: "reason.mjs",
    args: ["error"],
    expect: {
      code: 1,
      stdout: ["before: reason undefined aborted false", ...reasonLines('{"kind":"error","error":"reason-kaboom"}')],
      stderr: [errorWithStack("reason-kaboom")],
    },
  },

  // configure(): trace, report, signals
  {
    name: "ATEXIT_TRACE=1 reports the start, one line per entry with its name, duration and outcome, and the end",
    fixture: "trace.mjs",
    env: { ATEXIT_TRACE: "1" },
    expect: {
      code: 0,
      stdout: ["flushLogs done", "closeDatabase done"],
      stderr: traced("drain", 2, [
        ["flushLogs", "ok"],
        ["closeDatabase", "ok"],
      ]),
      stderrLines: 4,
    },
  },
  {
    name: "ATEXIT_TRACE=1 also reports every entry run synchronously by process.exit(): the async one as unfinished",
    fixture: "trace.mjs",
    args: ["exit"],
    env: { ATEXIT_TRACE: "1" },
    expect: {
      code: 0,
      stdout: ["flushLogs done"],
      stderr: [
        ...traced("exit", 2, [
          ["flushLogs", "ok"],
          ["closeDatabase", "unfinished"],
        ]),
        asyncEntriesCutShort(1),
      ],
      stderrLines: 5,
    },
  },
  {
    name: "without ATEXIT_TRACE a clean sequence writes nothing on stderr",
    fixture: "trace.mjs",
    expect: { code: 0, stdout: ["flushLogs done", "closeDatabase done"], notStderr: [anyDiagnostic, /closeDatabase|flushLogs/] },
  },
  {
    name: "configure({ report }) receives the failure diagnostics instead of stderr",
    fixture: "report.mjs",
    expect: {
      code: 1,
      stdout: [
        "bottom entry ran",
        "report called: true",
        'every report starts with "atexit: ": true',
        "report names the entry: true",
        "report has the message and stack: true",
      ],
      notStderr: [/report-boom/, anyDiagnostic],
    },
  },
  {
    name: "configure({ signals: ['SIGUSR2'] }) makes SIGUSR2 run the sequence and the process dies by SIGUSR2",
    fixture: "custom-signals.mjs",
    signals: [{ after: "ready", signal: "SIGUSR2" }],
    expect: { signal: "SIGUSR2", stdout: ["ready", "entry ran"] },
  },
  {
    name: "configure({ signals: ['SIGUSR2'] }) leaves SIGINT alone: the process dies by SIGINT without running entries",
    fixture: "custom-signals.mjs",
    signals: [{ after: "ready", signal: "SIGINT" }],
    expect: { signal: "SIGINT", stdout: ["ready"], notStderr: [anyDiagnostic] },
  },
];

// ---------------------------------------------------------------------------------------------
// Running one child (test/exit/child.mjs)

let releases = 0;
function runScenario(runtime, row, context) {
  const args = typeof row.args === "function" ? row.args(context) : (row.args ?? []);
  // A signal with `release: true`: a file appears once it was sent, and the fixture's entry waits
  // for it (ATEXIT_TEST_RELEASE, test/fixtures/_util.mjs whenSignalled), however slow the machine.
  const release = row.signals?.some((signal) => signal.release === true) ? join(context.scratch, `release-${releases++}`) : undefined;
  return runChild(runtime, join(fixturesDir, row.fixture), {
    args,
    env: release === undefined ? row.env : { ...row.env, ATEXIT_TEST_RELEASE: release },
    signals: row.signals?.map((signal) => (signal.release === true ? { ...signal, release } : signal)),
    slowReader: row.slowReader,
    closeStderrAfter: row.closeStderrAfter,
  });
}

/** A long run of one repeated character reads "<N × c>", so that 1 MiB lines stay readable. */
const summarizeLine = (line) =>
  line.length > 200 && line === line[0].repeat(line.length) ? `<${line.length} × ${line[0]}>` : line;

const excerpt = (text, limit = 6000) => (text.length > limit ? `${text.slice(0, limit)}\n… (${text.length} chars)` : text);

/** A row's expectation on one runtime: its documented limit there (if any) applied, per-runtime patterns resolved. */
function expectationFor(row, runtime) {
  const expect = { ...row.expect, ...row.limits?.[runtime.name]?.expect };
  const resolve = (patterns) => patterns?.map((pattern) => (typeof pattern === "function" ? pattern(runtime) : pattern));
  return { ...expect, stderr: resolve(expect.stderr), notStderr: resolve(expect.notStderr) };
}

function checkScenario(row, result, runtime) {
  const expect = expectationFor(row, runtime);
  const seen = result.lines.map(summarizeLine);
  const context = `\n--- stdout ---\n${excerpt(seen.join("\n"))}\n--- stderr ---\n${excerpt(result.stderr)}`;

  assert.equal(result.spawnError, undefined, `the child could not be started${context}`);
  assert.equal(result.timedOut, false, `the child was still running after ${DEADLINE_MS} ms and was killed${context}`);

  // `anywhereAfter: { line: earlier }`: a line whose position the runtime does not fix; it must
  // appear after `earlier`, and the other lines are compared in order without it.
  const floating = Object.entries(expect.anywhereAfter ?? {});
  for (const [line, earlier] of floating) {
    assert.ok(seen.indexOf(line) > seen.indexOf(earlier) && seen.includes(earlier), `"${line}" after "${earlier}"${context}`);
  }
  // `onlyIf: { line: pattern }`: a line that must appear exactly when stderr matches the pattern
  // (the fixture says on stderr that it did what makes the line due: a race the runtime decides).
  const conditional = Object.entries(expect.onlyIf ?? {});
  const notDue = new Set(conditional.filter(([, pattern]) => !pattern.test(result.stderr)).map(([line]) => line));
  const ordered = seen.filter((line) => !floating.some(([floatingLine]) => floatingLine === line));
  if (expect.stdout !== undefined && notDue.size > 0) expect.stdout = expect.stdout.filter((line) => !notDue.has(line));
  const sortIf = (lines) => (expect.unordered ? [...lines].sort() : lines);
  // A RegExp in `stdout` stands for a line the row does not fix exactly (output cut short by a signal).
  const expectedStdout = expect.stdout?.map((line, index) => (line instanceof RegExp && line.test(ordered[index] ?? "") ? ordered[index] : line));
  // `endings: [{ signal }, { code }]`: a documented runtime limit where either ending happens.
  const ended = { code: result.code, signal: result.signal };
  const ending = expect.endings?.find((one) => (one.code ?? null) === ended.code && (one.signal ?? null) === ended.signal) ?? expect;
  assert.deepEqual(
    { ...ended, stdout: sortIf(ordered) },
    { code: ending.code ?? null, signal: ending.signal ?? null, stdout: sortIf(expectedStdout) },
    `how the child ended, or its stdout, differs${context}`,
  );
  // Exactly once, whatever the row: no line printed by an entry appears twice.
  const repeated = seen.filter((line, index) => seen.indexOf(line) !== index);
  assert.deepEqual(repeated, [], `lines printed more than once${context}`);

  for (const pattern of expect.stderr ?? []) assert.match(result.stderr, pattern, `stderr${context}`);
  // Exhaustive: every "atexit:" line must be where one of the expected patterns matches.
  const expectedStarts = new Set();
  for (const pattern of expect.stderr ?? []) {
    for (const match of result.stderr.matchAll(new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`))) {
      expectedStarts.add(match.index);
    }
  }
  const unexpected = [...result.stderr.matchAll(/^atexit: .*$/gm)].filter((line) => !expectedStarts.has(line.index)).map((line) => line[0]);
  assert.deepEqual(unexpected, [], `unexpected atexit: lines on stderr${context}`);
  for (const pattern of [...(expect.notStderr ?? []), /MaxListenersExceededWarning/]) {
    assert.doesNotMatch(result.stderr, pattern, `stderr${context}`);
  }
  if (expect.stderrLines !== undefined) {
    const stderrLines = result.stderr.split("\n").filter((line) => line.trim() !== "");
    assert.equal(stderrLines.length, expect.stderrLines, `number of stderr lines${context}`);
  }
  if (expect.exitWithin) {
    const line = expect.exitWithin;
    const elapsed = result.exitTime - result.lineTimes.get(line);
    assert.ok(elapsed <= EXIT_WITHIN_MS, `the child exited ${Math.round(elapsed)} ms after "${line}", expected before the default timeout would end it (${EXIT_WITHIN_MS} ms)${context}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The build, and two copies of it at different paths (SPEC §6), made once when a row needs them

function assertBuilt() {
  assert.ok(
    existsSync(join(repoRoot, "dist", "index.js")) && existsSync(join(repoRoot, "dist", "index.cjs")),
    "dist/index.js and dist/index.cjs are missing: run `npm run build` first",
  );
}

const context = {
  tempDir: undefined,
  scratchDir: undefined,
  /** A directory for the files a run leaves (a signal's release file). */
  get scratch() {
    return (this.scratchDir ??= mkdtempSync(join(tmpdir(), "atexit-scenarios-")));
  },
  /** Directories of two copies of dist/ + package.json. */
  get copies() {
    if (this.tempDir === undefined) {
      this.tempDir = mkdtempSync(join(tmpdir(), "atexit-copies-"));
      for (const copy of ["copyA", "copyB"]) {
        const dir = join(this.tempDir, copy);
        cpSync(join(repoRoot, "dist"), join(dir, "dist"), { recursive: true });
        cpSync(join(repoRoot, "package.json"), join(dir, "package.json"));
        // Whatever the build imports at run time (core-js, if not bundled) resolves as installed.
        symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
      }
    }
    return [join(this.tempDir, "copyA"), join(this.tempDir, "copyB")];
  },
};

describe("exit scenarios", { concurrency: true }, () => {
  after(() => {
    for (const dir of [context.tempDir, context.scratchDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const runtime of runtimes) {
    const title = runtime.version ? `${runtime.name} (${runtime.version})` : runtime.name;
    describe(title, { concurrency: true, skip: runtime.skip }, () => {
      for (const row of scenarios) {
        const limit = row.limits?.[runtime.name];
        const skip = row.only && !row.only.includes(runtime.name) && `uses an API of ${row.only.join(", ")} only`;
        it(limit ? `${row.name} [${runtime.name} limit: ${limit.why}]` : row.name, { skip }, async () => {
          assertBuilt();
          checkScenario(row, await runScenario(runtime, row, context), runtime);
        });
      }
    });
  }
});
