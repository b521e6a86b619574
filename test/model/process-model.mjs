// The SPEC §3 model: what a program on the process registry must do, however it terminates.
// Written from SPEC §3 and the README ("How each exit runs", "The sequence, step by step",
// "What atexit writes on stderr", "Decisions where the SPEC is silent"), not from src/.
//
// A program (plain data, rendered to a file by test/model/program.mjs):
//   { entries, trigger, signals?, timeout?, exitCode?, observe?, trace? }
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
//   (atexit.exiting); trace: run with ATEXIT_TRACE=1.
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
import { ModelStack } from "./model-stack.mjs";

const DEFAULT_TIMEOUT = 10_000;
/** How long `reject` and `delay` take, `throwLater` takes, and `exitLater` waits (program.mjs renders these). */
export const DELAY_MS = 20;
export const LATE_MS = 50;
export const EXIT_LATER_MS = 20;
/** What a sequence must leave of its `timeout` for the model to call the outcome exact. */
const TIMEOUT_MARGIN_MS = 250;

/** `n async cleanup entries`, `1 async cleanup entry`. */
const count = (n, noun) => `${n} ${noun}${n === 1 ? "y" : "ies"}`;

/** README "<value>": a function's name, an object's constructor name, a primitive as String(). */
function valueName(entry) {
  if (entry.kind === "useAsync" || entry.kind === "useSync") return entry.value === "object" ? "Object" : `R_${entry.id}`;
  if (entry.value === "object") return "Object";
  if (entry.value === "string") return `v-${entry.id}`;
  return `V_${entry.id}`;
}

/** README "<name>: how the entry was registered". */
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

/** Thrown through the simulation when the process ends; carries nothing (the state has it). */
class Ended {}

/** Whether an entry waits for a signal sent at its start (so that the moment is exact). */
const waits = (entry) => entry.outcome === "hang" || entry.outcome === "ack";

class Simulation {
  constructor(program) {
    this.program = program;
    this.trace = program.trace === true;
    this.timeout = program.timeout ?? DEFAULT_TIMEOUT;
    this.journal = [];
    this.lines = [];
    this.stderrIncludes = [];
    this.invalid = undefined;
    this.registry = new ModelStack();
    this.pendingSignals = [...(program.signals ?? [])];
    this.started = new Set(); // ids whose "start" line has appeared
    this.reason = undefined;
    this.requestedCode = undefined; // atexit.exit(n) inside an entry
    this.failed = false;
    this.lateSignal = undefined; // T5′: a signal during a T1/T2/T6 sequence
    this.exitCode = undefined; // set once process.exit() switched to T3
    this.end = undefined;
    this.elapsed = 0; // ms the awaited entries take, to check the deadline cannot cut them
    this.released = new Set(); // ids of the entries whose signal was sent (their ack file exists)
    this.cutting = false; // inside the synchronous rest of a T5/T7 cut
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
    const { program } = this;
    for (const entry of program.entries) this.registry.push(entry);
    const { trigger } = program;
    try {
      if (this.registry.size === 0 && trigger.kind !== "explicit") {
        this.endUnwatched(); // SPEC §3: nothing is installed while the registry is empty
      } else if (trigger.kind === "exit") {
        this.start({ kind: "exit", code: trigger.code ?? program.exitCode ?? 0 }, { awaits: false });
        this.exitCode = trigger.code ?? program.exitCode ?? 0;
        this.drainSync([this.registry], 0);
      } else {
        if (trigger.kind === "signal") this.log("ready"); // the test sends the signal on this line
        if (trigger.kind === "error") this.stderrIncludes.push(trigger.how === "throw" ? "uncaught-main" : "rejected-main");
        const reason = {
          drain: () => ({ kind: "drain", code: program.exitCode ?? 0 }),
          explicit: () => ({ kind: "explicit", code: trigger.code ?? program.exitCode ?? 0 }),
          signal: () => ({ kind: "signal", signal: trigger.signal }),
          error: () => ({ kind: "error" }),
        }[trigger.kind]();
        this.start(reason, { awaits: true });
        this.runAsync([this.registry]);
        this.finish();
      }
    } catch (error) {
      if (!(error instanceof Ended)) throw error;
    }
    return { journal: this.journal, end: this.end, lines: this.lines, stderrIncludes: this.stderrIncludes, invalid: this.invalid };
  }

  /** The registry is empty when the trigger comes: the runtime's own behaviour. */
  endUnwatched() {
    const { program } = this;
    const { trigger } = program;
    if (trigger.kind === "signal") {
      this.log("ready");
      this.end = { signal: trigger.signal };
    } else if (trigger.kind === "error") {
      this.stderrIncludes.push(trigger.how === "throw" ? "uncaught-main" : "rejected-main");
      this.end = { code: 1 };
    } else {
      this.end = { code: trigger.code ?? program.exitCode ?? 0 };
    }
  }

  // ---- README "The sequence, step by step" ---------------------------------------------------

  /** Step 1: the reason, atexit.signal's listeners, then (when there is time) exiting's reactions. */
  start(reason, { awaits }) {
    this.reason = reason;
    if (this.program.observe) this.log(`abort ${reason.kind}`);
    const kind = reason.kind === "signal" ? `signal ${reason.signal}` : reason.kind;
    if (this.trace) this.report(`atexit: trace cleanup started (${kind}), ${count(this.registry.size, "entr")} pending`);
    if (this.program.observe && awaits) this.log(`exiting ${reason.kind}`);
  }

  /** Step 2: the entries of `path`'s innermost stack, top first, each awaited; scopes in place. */
  runAsync(path) {
    const stack = path[path.length - 1];
    for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
      if (entry.kind === "scope") this.runAsync([...path, entry.scope]);
      else this.callAwaited(entry, path);
    }
  }

  /** One entry of the async sequence: called, then awaited until it settles or is cut short. */
  callAwaited(entry, path) {
    this.log(`start ${entry.id}`);
    this.started.add(entry.id);
    if (this.runActions(entry, { sync: false, path })) return;
    this.deliverSignals(entry, path);
    switch (entry.kind === "useSync" && entry.outcome !== "throw" ? "return" : entry.outcome) {
      case "return":
        this.traceLine(entry, "ok");
        return;
      case "throw":
        this.fail(entry);
        return;
      case "reject":
        this.wait(entry, DELAY_MS);
        this.log(`end ${entry.id}`);
        this.fail(entry);
        return;
      case "delay":
        this.wait(entry, DELAY_MS);
        this.log(`end ${entry.id}`);
        this.traceLine(entry, "ok");
        return;
      case "throwLater":
        this.wait(entry, LATE_MS);
        this.failed = true;
        this.report(`atexit: uncaught error during cleanup while ${entryName(entry)} ran:`, `late ${entry.id}`);
        this.log(`end ${entry.id}`);
        this.traceLine(entry, "ok");
        return;
      case "ack":
        if (this.released.has(entry.id)) {
          this.wait(entry, 0);
          this.log(`end ${entry.id}`);
          this.traceLine(entry, "ok");
          return;
        }
        this.timedOut(entry, path); // nothing released it: it hangs
        return;
      case "exitLater":
        this.cutShort(entry, path, { exit: entry.exitCode });
        return;
      case "hang":
        this.timedOut(entry, path);
        return;
      default:
        throw new Error(`unknown outcome ${entry.outcome}`);
    }
  }

  /** The awaited entry takes `ms`: past the deadline's margin, the outcome would depend on timing. */
  wait(entry, ms) {
    this.elapsed += ms;
    if (this.elapsed + TIMEOUT_MARGIN_MS > this.timeout) {
      this.markInvalid(`${entry.id} would end ${this.elapsed} ms into a sequence bounded by ${this.timeout} ms`);
    }
  }

  /**
   * Signals whose line has appeared are sent now, in order (as test/exit/child.mjs does),
   * while `entry` is awaited: the first during a T1/T2/T6 sequence is T5′, any other T5.
   */
  deliverSignals(entry, path) {
    const signals = this.pendingSignals;
    while (signals.length > 0 && this.started.has(signals[0].at)) {
      const { signal, at } = signals.shift();
      if (!waits(entry)) this.markInvalid(`a signal is sent at "start ${at}", but ${entry.id} does not wait for it`);
      this.released.add(at);
      if (this.reason.kind === "signal" || this.lateSignal !== undefined) this.cutShort(entry, path, { signal }); // T5
      this.lateSignal = signal; // T5′: the sequence goes on
    }
  }

  /** An entry failed during the sequence: reported as it happens (README "What atexit writes"). */
  fail(entry) {
    this.failed = true;
    this.report(`atexit: cleanup entry ${entryName(entry)} failed:`, `boom ${entry.id}`);
    this.traceLine(entry, "failed");
  }

  /** T7: `entry` is still awaited when the deadline passes. */
  timedOut(entry, path) {
    if (this.elapsed + TIMEOUT_MARGIN_MS > this.timeout) this.markInvalid(`the deadline is too close to the signals sent at ${entry.id}`);
    if (this.timeout === Infinity) {
      this.markInvalid(`${entry.id} hangs with timeout: Infinity`);
      throw new Ended();
    }
    this.cutShort(entry, path, { timedOut: true });
  }

  /**
   * The async sequence is abandoned while `entry` is awaited (T3 from a timer, T5, T7): the
   * entry counts as one that could not finish; every entry not yet run is called synchronously,
   * innermost scope first; then the line that says so, and the end.
   */
  cutShort(entry, path, { signal, timedOut, exit }) {
    this.traceLine(entry, "unfinished");
    if (exit !== undefined) this.exitCode = exit;
    this.cutting = exit === undefined;
    const unfinished = this.drainSync(path, 1, { notice: exit !== undefined });
    const running = `while ${entryName(entry)} ran; ${count(unfinished, "async cleanup entr")} could not finish`;
    if (signal !== undefined) this.report(`atexit: received ${signal} during cleanup ${running}`);
    if (timedOut) this.report(`atexit: cleanup timed out after ${this.timeout} ms ${running}`);
    this.endSequence(() => {
      if (signal !== undefined) return { signal };
      const trigger = this.reason.kind === "signal" ? this.reason.signal : this.lateSignal;
      return trigger !== undefined ? { signal: trigger } : { code: 1 };
    });
  }

  /**
   * Calls every entry of `path` not yet run, synchronously, innermost scope first (T3, and the
   * rest of a cut short). Returns the number of async entries that could not finish, counting
   * from `unfinished`. With `notice`, this is T3: the process.exit() line, when there is one.
   */
  drainSync(path, unfinished, { notice = true } = {}) {
    const drain = (stack) => {
      for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
        if (entry.kind === "scope") drain(entry.scope);
        else unfinished += this.callSync(entry, path);
      }
    };
    for (let depth = path.length - 1; depth >= 0; depth--) drain(path[depth]);
    if (notice && this.exitCode !== undefined) {
      this.tNotice(unfinished);
      this.endSequence(() => ({ code: this.exitCode }));
    }
    return unfinished;
  }

  tNotice(unfinished) {
    if (unfinished > 0) {
      this.report(
        `atexit: process.exit() was called; ${count(unfinished, "async cleanup entr")} could not finish. Use atexit.exit() to let them finish.`,
      );
    }
  }

  /** One entry called from a synchronous drain; returns 1 if it left a promise unfinished. */
  callSync(entry, path) {
    this.log(`start ${entry.id}`);
    if (this.pendingSignals.some(({ at }) => at === entry.id)) {
      this.markInvalid(`a signal is sent at "start ${entry.id}", which starts during a synchronous drain`);
    }
    if (this.runActions(entry, { sync: true, path })) return 0;
    if (entry.outcome === "throw") {
      this.fail(entry);
      return 0;
    }
    if (!returnsPromise(entry)) {
      this.traceLine(entry, "ok");
      return 0;
    }
    // Called, not awaited: whatever it does later may happen before the process ends.
    if (["reject", "delay", "throwLater", "ack"].includes(entry.outcome)) this.log(`end ${entry.id}`, true);
    this.traceLine(entry, "unfinished");
    return 1;
  }

  /**
   * The entry's actions. Returns true if one of them was process.exit(): the entry goes no
   * further (inside a synchronous drain it is unwound; in the async sequence it switches to T3).
   */
  runActions(entry, { sync, path }) {
    for (const action of entry.actions ?? []) {
      if (action.register !== undefined) this.registry.push(action.register);
      if (action.atexitExit !== undefined) this.atexitExit(action.atexitExit);
      if (action.processExit !== undefined) {
        if (this.cutting) this.markInvalid(`${entry.id} calls process.exit() in the synchronous rest of a T5/T7 cut: the README does not say which end wins`);
        this.log(`exit ${entry.id} ${action.processExit}`);
        this.traceLine(entry, "ok"); // it asked for the exit: neither failed nor unfinished
        this.exitCode = action.processExit; // last call wins
        if (!sync) this.drainSync(path, 0); // T3 from inside the async sequence
        return true;
      }
    }
    return false;
  }

  /** atexit.exit(n) inside an entry: sets the code (T1, T2, T6; process.exitCode at T3). */
  atexitExit(code) {
    if (this.exitCode !== undefined) this.exitCode = code;
    else this.requestedCode = code;
  }

  /** Step 3 after a full sequence: as the trigger says. */
  finish() {
    this.endSequence(() => {
      const { reason } = this;
      if (reason.kind === "signal") return { signal: reason.signal };
      if (this.lateSignal !== undefined) return { signal: this.lateSignal };
      const code = this.requestedCode ?? (reason.kind === "error" ? 1 : reason.code);
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
