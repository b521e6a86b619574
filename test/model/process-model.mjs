// The SPEC §3 model: what a program on the process registry must do, however it terminates.
// Written from SPEC §3 and the exit paths (README "How each exit runs"; docs/exit-paths.md: "The sequence, step by step",
// "What atexit writes on stderr", "Decisions where the SPEC is silent"), not from src/.
//
// A program (plain data, rendered to a file by test/model/process-program.mjs):
//   { entries, trigger, signals?, timeout?, exitCode?, observe?, onAbort?, trace? }
// - entries: registered by the main module in order (the last one is on top). An entry is
//   { id, kind, outcome?, actions?, children?, anonymous?, value? }:
//   kind: register | registerArgs | defer | adopt | adoptWeak | useAsync | useSync | scope;
//   outcome (what the entry does once its actions are done; a scope has none):
//     return       returns undefined at once
//     throw        throws Error("boom <id>")
//     reject       journals "end <id>" after a delay, then rejects with Error("boom <id>")
//     delay        journals "end <id>" after a delay, then resolves
//     hang         keeps the loop alive and never settles
//     ack          waits until the signal sent at its start was delivered, journals "end <id>"
//                  and resolves (with no signal sent at its start, it hangs)
//     exitLater    hangs, and a timer calls process.exit(<exitCode of the outcome>) 20 ms later
//     throwLater   a timer throws Error("late <id>") at once (an uncaught error during
//                  cleanup), and the entry resolves 50 ms later, journalling "end <id>"
//   useSync is a [Symbol.dispose] method: its `reject` returns a rejected (handled) promise and
//   its `hang` a promise that never settles; neither is awaited (spec GetDisposeMethod).
//   actions, run in order when the entry is called, before its outcome:
//     { register: entry }  registers another entry on the registry (it lands on top)
//     { atexitExit: n }    calls atexit.exit(n) (not awaited)
//     { processExit: n }   calls process.exit(n) (the entry goes no further)
//   children: a scope's own entries (registered on the scope, in order).
//   anonymous: an arrow function (named "anonymous function"); value: what adopt/adoptWeak
//   hold ("instance" of class V_<id>, "object", "string" "v-<id>") or use disposes
//   ("instance" of class R_<id>, "object").
// - trigger: { kind: "drain" } (T1) | { kind: "explicit", code? } (T2, atexit.exit from a timer)
//   | { kind: "exit", code? } (T3, process.exit at the end of the main module)
//   | { kind: "signal", signal } (T4, sent once the main module printed "ready")
//   | { kind: "error", how: "throw" | "reject" } (T6, from a timer / a rejected promise).
// - signals: [{ signal, at: id }] sent in order, each when "start <id>" appears (T5, T5′).
// - timeout: configure({ timeout }) in ms; exitCode: process.exitCode set by the main module;
//   observe: the main module journals "abort <kind>" (atexit.signal) and "exiting <kind>"
//   (atexit.exiting); onAbort: n, an atexit.signal listener (after observe's) calls
//   atexit.exit(n) as the sequence starts; trace: run with ATEXIT_TRACE=1.
//
// predict(program) returns { journal, end, lines, stderrIncludes, invalid }:
// - journal: [{ line, optional }]: every journal line in order; an optional line (the later
//   work of an entry that was called but not awaited) may appear, once, anywhere after;
// - end: { code } or { signal };
// - lines: every `atexit:` line on stderr, in order, each { text, next? }: `text` is exact
//   except `<ms>` (a duration); `next`, when given, is a string the following stderr line
//   contains (the error under a failure line);
// - stderrIncludes: strings stderr must contain (the T6 error, printed the runtime's way);
// - invalid: a reason why the program's outcome would depend on timing (a signal synchronised
//   on an entry that does not wait for it); such programs are not run.
//
// Where the docs leave a choice, the model takes this one (each is a line of a test):
// - "1 entry", "1 async cleanup entry": singular for 1 in every line, as the T3 line says it;
// - the entry cut short is traced `unfinished` first, then the synchronous rest with its lines,
//   then the T3/T5/T7 line, then "trace cleanup finished" (the last trace line of every sequence,
//   T3 included, which also starts with "trace cleanup started (exit)");
// - an entry's failure line comes before its `failed` trace line;
// - an entry that calls process.exit() is traced `ok`, before the lines of the drain it starts;
// - a scope is neither named nor traced: its entries are;
// - T7 of a T1/T2/T6 sequence ends with 1 whatever an entry gave atexit.exit(); of a T4 or T5′
//   sequence, by the signal;
// - T6 ends with 1, or with the code an entry gave atexit.exit(): the rule "1 if an entry
//   failed and the code was 0" is written for T1 and T2 only;
// - atexit.exit() during a T5/T7 rest changes nothing; process.exit() there is not modelled.
//
// The stack itself is test/model/stack-model.mjs (the registry is its stack s0, disposed by a
// run() loop so that entries added meanwhile are accepted, SPEC §2.1): `toStackProgram` writes a
// process program in its terms, and this model follows its journal of calls and resumes, adding
// what the process does around them: which async call never settles (hang), the signals, the
// deadline, the synchronous drains, the diagnostics and the end.
import { internalFirst, ModelWorld } from "./stack-model.mjs";

const DEFAULT_TIMEOUT = 10_000;
/** How long `reject` and `delay` take, `throwLater` takes, and `exitLater` waits (process-program.mjs renders these). */
export const DELAY_MS = 20;
export const LATE_MS = 50;
export const EXIT_LATER_MS = 20;
/** How long an `ack` entry waits once its signal was sent (so that the signal is handled first). */
export const ACK_MS = 100;
/** What a sequence must leave of its `timeout` for the model to call the outcome exact. */
const TIMEOUT_MARGIN_MS = 250;
/**
 * A signal within ECHO_MS (1000 ms, src/process/sequence.ts) of the first the sequence took is an
 * echo of it (a launcher's copy of a terminal's Ctrl-C), not a second signal: the tests send a
 * second signal this long after the previous one (test/exit/child.mjs), and the model counts it.
 */
export const SECOND_SIGNAL_GAP_MS = 1200;

/** `n async cleanup entries`, `1 async cleanup entry`. */
const count = (n, noun) => `${n} ${noun}${n === 1 ? "y" : "ies"}`;

/** docs/exit-paths.md "<value>": a function's name, an object's constructor name, a primitive as String(). */
function valueName(entry) {
  if (entry.kind === "useAsync" || entry.kind === "useSync") return entry.value === "object" ? "Object" : `R_${entry.id}`;
  if (entry.value === "object") return "Object";
  if (entry.value === "string") return `v-${entry.id}`;
  return `V_${entry.id}`;
}

/** docs/exit-paths.md "<name> is how the entry was registered". */
export function entryName(entry) {
  const fn = entry.anonymous ? "anonymous function" : entry.id;
  switch (entry.kind) {
    case "register":
    case "registerArgs":
    case "defer":
      return fn;
    case "adopt":
    case "adoptWeak":
      return `${fn} (adopting ${valueName(entry)})`;
    case "useAsync":
      return `${valueName(entry)}[Symbol.asyncDispose]`;
    case "useSync":
      return `${valueName(entry)}[Symbol.dispose]`;
    default:
      throw new Error(`entryName: a ${entry.kind} has no name`);
  }
}

/** Whether calling the entry returns a promise (what a synchronous drain cannot await). */
function returnsPromise(entry) {
  if (entry.kind === "useSync") return false; // its result is never awaited: it does not count
  return entry.outcome !== "return" && entry.outcome !== "throw";
}

/** Whether an entry waits for a signal sent at its start (so that the moment is exact). */
const waits = (entry) => entry.kind !== "useSync" && (entry.outcome === "hang" || entry.outcome === "ack");

/** Outcomes after which an async entry never settles by itself. */
const STUCK = new Set(["hang", "exitLater"]);

// ---- the program in the stack model's terms ---------------------------------------------------

/**
 * The stack model's program for `program`'s registrations: one function (f<i>) or disposable
 * (d<i>) per entry, each entry's `register` actions as its `before` actions, the main module's
 * registrations as steps; s0 is the registry, each scope the next stack. Returns it with
 * `entryOf` (callee label → entry).
 */
export function toStackProgram(program) {
  const fns = [];
  const disposables = [];
  const entryOf = new Map();
  let objects = 0;
  let stacks = 1;

  const behaviour = (entry) => {
    const actions = entry.actions ?? [];
    const exitAt = actions.findIndex((action) => action.register === undefined);
    if (exitAt !== -1 && actions.slice(exitAt).some((action) => action.register !== undefined)) {
      throw new Error(`${entry.id}: an entry registers only before it calls atexit.exit() or process.exit()`);
    }
    if (actions.some((action) => action.processExit !== undefined) && entry.outcome !== "return") {
      throw new Error(`${entry.id}: an entry that calls process.exit() goes no further (outcome "return")`);
    }
    const before = actions.filter((action) => action.register !== undefined).map((action) => registration(action.register, 0, { nested: true }));
    const fails = entry.outcome === "throw" || (entry.outcome === "reject" && entry.kind !== "useSync") ? "error" : false;
    // A [Symbol.dispose] is called and its result dropped (spec GetDisposeMethod): never async.
    const async = entry.kind !== "useSync" && returnsPromise(entry);
    return async ? { async, delay: { macro: 1 }, fails, before, after: [] } : { async, fails, before };
  };

  function registration(entry, stack, { nested = false } = {}) {
    switch (entry.kind) {
      case "register":
      case "registerArgs":
      case "defer":
      case "adopt":
      case "adoptWeak": {
        const fn = { fn: fns.length };
        entryOf.set(`f${fns.length}`, entry);
        fns.push(null); // a place, filled once its own registrations are written
        fns[fn.fn] = behaviour(entry);
        if (entry.kind === "defer") return { op: "defer", stack, fn };
        if (entry.kind === "register") return { op: "register", stack, fn, args: [] };
        if (entry.kind === "registerArgs") return { op: "register", stack, fn, args: [{ primitive: 1 }, { primitive: "two" }] };
        const value = entry.value === "string" ? { primitive: `v-${entry.id}` } : { object: objects++ };
        return { op: entry.kind, stack, value, fn };
      }
      case "useAsync":
      case "useSync": {
        const index = disposables.length;
        entryOf.set(`d${index}`, entry);
        disposables.push(null);
        disposables[index] = { ...behaviour(entry), method: entry.kind === "useAsync" ? "asyncDispose" : "dispose" };
        return { op: "use", stack, value: { disposable: index } };
      }
      case "scope":
        if (nested) throw new Error(`${entry.id}: an entry registers no scope (its stack's number would depend on the run)`);
        return { op: "scope", stack };
      default:
        throw new Error(`unknown entry kind ${entry.kind}`);
    }
  }

  const steps = [];
  const write = (entry, stack) => {
    steps.push(registration(entry, stack));
    if (entry.kind !== "scope") return;
    const own = stacks++;
    for (const child of entry.children ?? []) write(child, own);
  };
  for (const entry of program.entries) write(entry, 0);
  return { stackProgram: { fns, disposables, objects: Math.max(objects, 1), steps }, entryOf };
}

// ---- the process around the stack ------------------------------------------------------------

/** Thrown through the simulation when the process ends; the state holds how. */
class Ended {}

class Simulation {
  constructor(program) {
    this.program = program;
    this.trace = program.trace === true;
    this.timeout = program.timeout ?? DEFAULT_TIMEOUT;
    this.journal = [];
    this.lines = [];
    this.stderrIncludes = [];
    this.invalid = undefined;
    const { stackProgram, entryOf } = toStackProgram(program);
    this.steps = stackProgram.steps;
    this.entryOf = entryOf;
    // One order: the stack's internal moves at once, the process decides on every call and resume.
    this.world = new ModelWorld(stackProgram, { choose: internalFirst((candidates) => this.choose(candidates)) });
    this.registry = this.world.stacks[0];
    this.seen = 0; // events of world.journal already followed
    this.halt = undefined; // why the async sequence stopped: { entry, cut } | { entry, processExit }
    this.pendingSignals = [...(program.signals ?? [])];
    this.started = new Set(); // ids whose "start" line has appeared
    this.released = new Set(); // ids whose signal was sent (their ack file exists)
    this.reason = undefined;
    this.requestedCode = undefined; // atexit.exit(n) inside an entry
    this.exitCode = undefined; // set once process.exit() switched to T3
    this.failed = false;
    this.lateSignal = undefined; // T5′: a signal during a T1/T2/T6 sequence
    this.cutting = false; // inside the synchronous rest of a T5/T7 cut
    this.elapsed = 0; // ms the awaited entries take, to check that the deadline cannot cut them
    this.end = undefined;
  }

  log(line, optional = false) {
    this.journal.push({ line, optional });
  }
  report(text, next) {
    this.lines.push(next === undefined ? { text } : { text, next });
  }
  traceLine(entry, status) {
    if (this.trace) this.report(`atexit: trace ${entryName(entry)} <ms> ms ${status}`);
  }
  markInvalid(why) {
    this.invalid ??= why;
  }

  // ---- the main module ----------------------------------------------------------------------

  run() {
    const { program, world } = this;
    for (const step of this.steps) world.act(step, []); // the main module's registrations
    const { trigger } = program;
    try {
      if (this.registry.size === 0 && trigger.kind !== "explicit") this.endUnwatched(); // SPEC §3: nothing installed
      if (trigger.kind === "exit") {
        this.exitCode = trigger.code ?? program.exitCode ?? 0;
        this.start({ kind: "exit" }, { awaits: false });
        this.drainSync(0);
      }
      if (trigger.kind === "signal") this.log("ready"); // the test sends the signal on this line
      if (trigger.kind === "error") this.stderrIncludes.push(trigger.how === "throw" ? "uncaught-main" : "rejected-main");
      const reason = {
        drain: () => ({ kind: "drain", code: program.exitCode ?? 0 }),
        explicit: () => ({ kind: "explicit", code: trigger.code ?? program.exitCode ?? 0 }),
        signal: () => ({ kind: "signal", signal: trigger.signal }),
        error: () => ({ kind: "error" }),
      }[trigger.kind]();
      this.start(reason, { awaits: true });
      this.runAsync();
    } catch (error) {
      if (!(error instanceof Ended)) throw error;
    }
    return { journal: this.journal, end: this.end, lines: this.lines, stderrIncludes: this.stderrIncludes, invalid: this.invalid };
  }

  /** The registry is empty when the trigger comes: the runtime's own behaviour, nothing of atexit's. */
  endUnwatched() {
    const { trigger, exitCode } = this.program;
    if (trigger.kind === "signal") this.log("ready");
    if (trigger.kind === "error") this.stderrIncludes.push(trigger.how === "throw" ? "uncaught-main" : "rejected-main");
    if (trigger.kind === "signal") this.end = { signal: trigger.signal };
    else this.end = { code: trigger.kind === "error" ? 1 : (trigger.code ?? exitCode ?? 0) };
    throw new Ended();
  }

  // ---- docs/exit-paths.md "The sequence, step by step" ------------------------------------------

  /** Step 1: the reason, atexit.signal's listeners, then (when there is time) exiting's reactions. */
  start(reason, { awaits }) {
    this.reason = reason;
    if (this.program.observe) this.log(`abort ${reason.kind}`);
    // docs/decisions.md: the sequence is published before the listeners run, so this only sets the code.
    if (this.program.onAbort !== undefined) this.requestCode(this.program.onAbort);
    const kind = reason.kind === "signal" ? `signal ${reason.signal}` : reason.kind;
    if (this.trace) this.report(`atexit: trace cleanup started (${kind}), ${count(this.registry.size, "entr")} pending`);
    if (this.program.observe && awaits) this.log(`exiting ${reason.kind}`);
  }

  /**
   * Step 2: the registry's loop (a run(): entries added meanwhile are accepted), followed event
   * by event; then the end, or the cut short that stopped it.
   */
  runAsync() {
    this.world.run(this.registry);
    this.world.settle();
    this.follow({ sync: false });
    if (this.world.inFlight.length > 0 || this.world.loops.size > 0 || this.halt !== undefined) {
      if (this.halt === undefined) throw new Error("model invariant: the registry's loop stopped without a reason");
      this.stopped(this.halt);
    }
    this.finish();
  }

  /** The stack model asks which call or resume comes next: follow what it did, then let it go on unless halted. */
  choose(candidates) {
    this.follow({ sync: false });
    if (this.halt !== undefined) return undefined;
    if (candidates.length > 1) this.markInvalid("two disposal loops in flight at once: the order is not unique");
    return candidates[0];
  }

  /** Follows the stack model's new events: each call and resume of an entry, in order. */
  follow({ sync }) {
    const events = this.world.journal;
    let unfinished = 0;
    while (this.seen < events.length) {
      const event = events[this.seen++];
      const entry = this.entryOf.get(event.callee);
      if (event.type === "call") unfinished += sync ? this.calledSync(entry) : this.calledAwaited(entry);
      else this.resumed(entry);
    }
    return unfinished;
  }

  /** An entry of the async sequence was called: its start, actions and, if sync, outcome. */
  calledAwaited(entry) {
    this.log(`start ${entry.id}`);
    this.started.add(entry.id);
    if (this.runActions(entry, { sync: false })) return 0;
    this.deliverSignals(entry);
    if (this.halt !== undefined) return 0;
    if (this.settledAtOnce(entry)) return 0;
    if (STUCK.has(entry.outcome) || (entry.outcome === "ack" && !this.released.has(entry.id))) {
      this.halt = entry.outcome === "exitLater" ? { entry, exit: entry.exitCode } : { entry, timedOut: true };
    }
    return 0;
  }

  /** A call that threw, or returned no promise, settled at once: reported; returns whether it did. */
  settledAtOnce(entry) {
    if (entry.outcome === "throw") this.fail(entry);
    else if (!returnsPromise(entry)) this.traceLine(entry, "ok");
    else return false;
    return true;
  }

  /** An awaited async entry settled. */
  resumed(entry) {
    this.wait(entry, { reject: DELAY_MS, delay: DELAY_MS, throwLater: LATE_MS, ack: ACK_MS }[entry.outcome]);
    if (entry.outcome === "throwLater") {
      this.failed = true;
      this.report(`atexit: uncaught error during cleanup while ${entryName(entry)} ran:`, `late ${entry.id}`);
    }
    this.log(`end ${entry.id}`);
    if (entry.outcome === "reject") this.fail(entry);
    else this.traceLine(entry, "ok");
  }

  /** The awaited entry takes `ms`: past the deadline's margin, the outcome would depend on timing. */
  wait(entry, ms) {
    this.elapsed += ms;
    if (this.elapsed + TIMEOUT_MARGIN_MS > this.timeout) {
      this.markInvalid(`${entry.id} would end ${this.elapsed} ms into a sequence bounded by ${this.timeout} ms`);
    }
  }

  /**
   * Signals whose line has appeared are sent now, in order (as test/exit/child.mjs does), while
   * `entry` is awaited: the first during a T1/T2/T6 sequence is T5′, any other T5.
   */
  deliverSignals(entry) {
    const signals = this.pendingSignals;
    const due = signals.findIndex(({ at }) => !this.started.has(at));
    // Two signals sent at once may be handled in either order (Bun has done both).
    if ((due === -1 ? signals.length : due) > 1) this.markInvalid(`two signals are sent at once while ${entry.id} runs`);
    while (signals.length > 0 && this.started.has(signals[0].at)) {
      const { signal, at } = signals.shift();
      if (!waits(entry)) this.markInvalid(`a signal is sent at "start ${at}", but ${entry.id} does not wait for it`);
      this.released.add(at);
      if (this.reason.kind === "signal" || this.lateSignal !== undefined) {
        this.wait(entry, SECOND_SIGNAL_GAP_MS); // sent past the echo window
        this.halt = { entry, signal }; // T5
        return;
      }
      this.lateSignal = signal; // T5′: the sequence goes on
    }
  }

  /** An entry failed during the sequence: reported as it happens (docs/exit-paths.md "What atexit writes on stderr"). */
  fail(entry) {
    this.failed = true;
    this.report(`atexit: cleanup entry ${entryName(entry)} failed:`, `boom ${entry.id}`);
    this.traceLine(entry, "failed");
  }

  /**
   * The async sequence stopped at `entry`: process.exit() called by it (T3), or cut short while
   * it was awaited (T3 from a timer, T5, T7): the awaited entry counts as one that could not
   * finish; every entry not yet run is called synchronously, innermost scope first; then the
   * line that says so, and the end.
   */
  stopped({ entry, processExit, exit, signal, timedOut }) {
    if (processExit) {
      this.drainSync(0);
      return;
    }
    if (timedOut && this.timeout === Infinity) {
      this.markInvalid(`${entry.id} hangs with timeout: Infinity`);
      throw new Ended();
    }
    if (timedOut && this.elapsed + TIMEOUT_MARGIN_MS > this.timeout) this.markInvalid(`the deadline is too close to ${entry.id}`);
    this.traceLine(entry, "unfinished");
    if (exit !== undefined) {
      this.exitCode = exit;
      this.drainSync(1);
    }
    this.cutting = true;
    const unfinished = this.drainSync(1, { notice: false });
    const running = `while ${entryName(entry)} ran; ${count(unfinished, "async cleanup entr")} could not finish`;
    if (signal !== undefined) this.report(`atexit: received ${signal} during cleanup ${running}`);
    else this.report(`atexit: cleanup timed out after ${this.timeout} ms ${running}`);
    this.endSequence(() => {
      if (signal !== undefined) return { signal };
      const trigger = this.reason.kind === "signal" ? this.reason.signal : this.lateSignal;
      return trigger !== undefined ? { signal: trigger } : { code: 1 };
    });
  }

  /**
   * Calls every entry not yet run, synchronously, innermost scope first (the stack model's
   * loops in progress, latest first, then the registry). Returns the number of async entries
   * that could not finish, counting from `unfinished`. With `notice` this is T3: the
   * process.exit() line (when there is one), and the end.
   */
  drainSync(unfinished, { notice = true } = {}) {
    const inProgress = [...this.world.loops].sort((a, b) => b.id - a.id).map((loop) => loop.stack);
    for (const stack of [...inProgress.filter((stack) => stack !== this.registry), this.registry]) {
      this.world.drainSync(stack);
      unfinished += this.follow({ sync: true });
    }
    if (!notice) return unfinished;
    if (unfinished > 0) {
      this.report(
        `atexit: process.exit() was called; ${count(unfinished, "async cleanup entr")} could not finish. Use atexit.exit() to let them finish.`,
      );
    }
    this.endSequence(() => ({ code: this.exitCode }));
  }

  /** One entry called by a synchronous drain; returns 1 if it left a promise unfinished. */
  calledSync(entry) {
    this.log(`start ${entry.id}`);
    if (this.pendingSignals.some(({ at }) => at === entry.id)) {
      this.markInvalid(`a signal is sent at "start ${entry.id}", which starts during a synchronous drain`);
    }
    if (this.cutting && (entry.outcome === "throwLater" || entry.outcome === "exitLater")) {
      this.markInvalid(`${entry.id}'s timer would fire during the flush after a T5/T7 cut, or not: timing decides`);
    }
    if (this.runActions(entry, { sync: true })) return 0;
    if (this.settledAtOnce(entry)) return 0;
    // Called, not awaited: whatever it does later may still happen before the process ends.
    if (["reject", "delay", "throwLater", "ack"].includes(entry.outcome)) this.log(`end ${entry.id}`, true);
    this.traceLine(entry, "unfinished");
    return 1;
  }

  /**
   * The entry's atexit.exit() and process.exit() calls (its registrations are the stack
   * model's). Returns true after process.exit(): the entry goes no further (inside a
   * synchronous drain it is unwound; in the async sequence it switches to T3).
   */
  runActions(entry, { sync }) {
    for (const action of entry.actions ?? []) {
      if (action.atexitExit !== undefined) this.requestCode(action.atexitExit);
      if (action.processExit !== undefined) {
        if (this.cutting) this.markInvalid(`${entry.id} calls process.exit() in the synchronous rest of a T5/T7 cut: docs/exit-paths.md does not say which end wins`);
        this.log(`exit ${entry.id} ${action.processExit}`);
        this.traceLine(entry, "ok"); // it asked for the exit: neither failed nor unfinished
        this.exitCode = action.processExit; // last call wins
        if (!sync) this.halt = { entry, processExit: true }; // T3 from inside the async sequence
        return true;
      }
    }
    return false;
  }

  /** atexit.exit(n) during the sequence: sets the code (T1, T2, T6; process.exitCode at T3); a signal still wins. */
  requestCode(code) {
    if (this.exitCode !== undefined) this.exitCode = code;
    else this.requestedCode = code;
  }

  /** Step 3 after a full sequence: as the trigger says. */
  finish() {
    this.endSequence(() => {
      const { reason } = this;
      if (reason.kind === "signal") return { signal: reason.signal };
      if (this.lateSignal !== undefined) return { signal: this.lateSignal };
      // docs/exit-paths.md: T1 and T2 turn 0 into 1 when an entry failed; T6 ends with 1, or with the code an
      // entry gave atexit.exit() (the failure rule is not written for T6, so it does not apply).
      if (reason.kind === "error") return { code: this.requestedCode ?? 1 };
      const code = this.requestedCode ?? reason.code;
      return { code: this.failed && code === 0 ? 1 : code };
    });
  }

  endSequence(decide) {
    if (this.trace) this.report("atexit: trace cleanup finished in <ms> ms");
    this.end = decide();
    throw new Ended();
  }
}

/** What `program` must do (see the header). */
export function predict(program) {
  return new Simulation(program).run();
}
