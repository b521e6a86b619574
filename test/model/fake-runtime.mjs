// A Runtime (src/runtime/types.ts) for in-process tests of the termination sequence: one
// virtual process, with a virtual clock and a virtual event loop. Timers (the runtime's own
// `timer`, and the program's `setTimeout`/`setInterval` handed out by `timers`) wait on the
// virtual clock; between two virtual events real microtasks drain (a real setImmediate), since
// the stack and the shell run on real promises. The process ends as Node's does:
// - `exit(code)` sets the code, emits the `exit` trigger (once), then ends; `raise`/`forward`
//   end it by the signal (no `exit` trigger);
// - with nothing left on the loop, `beforeExit` (the `drain` trigger) is emitted, and again
//   each time the loop empties after it; if it leaves nothing to do, `exit`, then the end;
// - a signal no listener of atexit's takes ends the process by that signal; an uncaught error
//   no listener takes is printed and ends it with code 1;
// - listeners no longer wanted stay for a quiet period (QUIET_MS, unref'd), as runtime/node.ts
//   keeps them: a trigger meanwhile reaches the table's `absent` row.
// Nothing observable after the end (stderr, the program's journal) is recorded, and no virtual
// event runs. Runtime members the programs never reach (worker threads, an application's own
// signal listener) are options, for explicit cases.
import { setImmediate } from "node:timers";

import { killDeadline } from "../../.build/runtime/supervisors.js";

/** Lets every real microtask queued so far (and those they queue) run. */
const realTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Thrown by an intercepted `process.exit()`: unwinds the entry that called it (as runtime/node.ts does). */
const interceptedExit = Symbol("fake runtime: process.exit() inside a synchronous drain");

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15, SIGBREAK: 21 };
/** runtime/node.ts's quiet period. */
const QUIET_MS = 10;

export class FakeRuntime {
  isMainThread;
  /** Diagnostics and uncaught errors, as stderr would hold them. */
  stderr = "";
  /** How the process ended: { code } | { signal } | { rethrown }, or undefined while it runs. */
  ended = undefined;
  /** The virtual deadline passed with the process still running. */
  timedOut = false;
  #clock = 0;
  #seq = 0;
  /** Pending virtual tasks: { at, seq, run, ref }; an unref'd one does not keep the loop alive. */
  #tasks = [];
  #wanted = undefined;
  /** Cancels the end of the quiet period, while the listeners are no longer wanted. */
  #release = undefined;
  #code = undefined;
  #exiting = false;
  #intercepting = false;
  #env;
  #deadline;
  #takenBy;
  #errorsTakenOver;
  #workers;
  #flushMs;
  /** The application's own `exit` listeners, called after atexit's (which is prepended). */
  #exitListeners = [];

  /**
   * Options: `env` (variables `env()` reads), `deadlineMs` (virtual ms after which `run()` gives
   * up, as test/exit/child.mjs kills a child), `takenBy` (signal → the application's own
   * listener), `errorsTakenOver`, `workers` ({ done: Promise, running: string } for
   * `stopWorkers`), `flushMs` (how long stdout takes to drain: 0, the next turn), `isMainThread`.
   */
  constructor({ env = {}, deadlineMs = 60_000, takenBy = {}, errorsTakenOver = false, workers, flushMs = 0, isMainThread = true } = {}) {
    this.#env = env;
    this.#deadline = deadlineMs;
    this.#takenBy = takenBy;
    this.#errorsTakenOver = errorsTakenOver;
    this.#workers = workers;
    this.#flushMs = flushMs;
    this.isMainThread = isMainThread;
  }

  // ---- the virtual loop ------------------------------------------------------------------------

  /** Runs `run` after `ms` virtual ms (0: the next turn, as setImmediate); returns what cancels it. */
  schedule(ms, run, { ref = true } = {}) {
    const task = { at: this.#clock + ms, seq: this.#seq++, run, ref };
    this.#tasks.push(task);
    return () => {
      const index = this.#tasks.indexOf(task);
      if (index !== -1) this.#tasks.splice(index, 1);
    };
  }

  /** The program's own timers, as Node's: `setTimeout(fn)` waits 1 ms; an interval repeats until cleared. */
  get timers() {
    const delay = (ms) => Math.max(1, ms ?? 1);
    return {
      setTimeout: (fn, ms) => ({ cancel: this.schedule(delay(ms), fn) }),
      setInterval: (fn, ms) => {
        const handle = {};
        const tick = () => {
          handle.cancel = this.schedule(delay(ms), tick);
          fn();
        };
        handle.cancel = this.schedule(delay(ms), tick);
        return handle;
      },
      clearInterval: (handle) => handle?.cancel(),
    };
  }

  /** Runs the virtual process until it ends (or its deadline passes): one virtual event at a time. */
  async run() {
    while (this.ended === undefined) {
      await realTurn();
      if (this.ended !== undefined) break;
      if (!this.#alive()) {
        await this.#loopEmpty();
        continue;
      }
      const next = this.#tasks.reduce((a, b) => (b.at < a.at || (b.at === a.at && b.seq < a.seq) ? b : a));
      if (next.at > this.#deadline) {
        this.timedOut = true;
        break;
      }
      this.#tasks.splice(this.#tasks.indexOf(next), 1);
      this.#clock = Math.max(this.#clock, next.at);
      this.call(next.run);
    }
  }

  #alive() {
    return this.#tasks.some((task) => task.ref);
  }

  /** Node's `beforeExit`, then `exit` if it left nothing to do. */
  async #loopEmpty() {
    this.#wanted?.triggers.drain();
    await realTurn();
    if (this.ended === undefined && !this.#alive()) this.exit(undefined);
  }

  /** Calls program code as the loop would: what it throws is an uncaught exception. */
  call(fn) {
    try {
      fn();
    } catch (error) {
      this.uncaught(error, "uncaughtException");
    }
  }

  /** An uncaught error: to atexit's listener when it takes errors, else the runtime's own end. */
  uncaught(error, origin) {
    if (this.ended !== undefined) return;
    const wanted = this.#wanted;
    if (wanted?.catchErrors) return wanted.triggers.error(error, origin);
    this.#write(this.formatUncaught(error));
    this.exit(1);
  }

  /** An unhandled rejection, reported once the microtasks of this turn have run (as Node does). */
  rejectUnhandled(error) {
    this.schedule(0, () => this.uncaught(error, "unhandledRejection"));
  }

  /** A signal sent to the process: delivered on the next turn, to atexit's listener or to the default action. */
  kill(signal) {
    this.schedule(0, () => {
      if (this.ended !== undefined) return;
      if (this.#wanted?.signals.includes(signal)) this.#wanted.triggers.signal(signal);
      else this.#end({ signal });
    });
  }

  /** `process.on("exit", listener)` of the program's. */
  onExit(listener) {
    this.#exitListeners.push(listener);
  }

  /** `process.exit(code)` called by the program: intercepted inside a synchronous drain. */
  processExit(code) {
    if (this.#intercepting) {
      if (code !== undefined && code !== null) this.#code = code;
      throw interceptedExit;
    }
    this.exit(code);
  }

  get programExitCode() {
    return this.#code;
  }
  set programExitCode(code) {
    this.#code = code;
  }

  #end(how) {
    this.ended ??= how;
    this.#tasks.length = 0;
  }

  #write(text) {
    if (this.ended === undefined) this.stderr += `${text}\n`;
  }

  // ---- the Runtime interface -------------------------------------------------------------------

  listen(wanted) {
    if (wanted === undefined) {
      if (this.#wanted !== undefined) this.#release ??= this.schedule(QUIET_MS, () => this.uninstall(), { ref: false });
      return;
    }
    this.#release?.();
    this.#release = undefined;
    this.#wanted = wanted;
  }
  uninstall() {
    this.#release?.();
    this.#release = undefined;
    this.#wanted = undefined;
  }
  /** Whether atexit's listeners are installed now. */
  get listening() {
    return this.#wanted !== undefined;
  }
  signalsDispatched() {
    return new Promise((resolve) => this.schedule(0, resolve));
  }
  signalTakenBy(signal) {
    return this.#takenBy[signal];
  }
  errorsTakenOver() {
    return this.#errorsTakenOver;
  }
  signalProblem() {
    return undefined;
  }
  interceptExit(body) {
    const outer = this.#intercepting;
    this.#intercepting = true;
    try {
      return body();
    } finally {
      this.#intercepting = outer;
    }
  }
  isInterceptedExit(error) {
    return error === interceptedExit;
  }
  exitCode() {
    const code = Number(this.#code ?? 0);
    return Number.isInteger(code) ? code : 1;
  }
  setExitCode(code) {
    this.#code = code;
  }
  exitStatus(code) {
    return code & 0xff;
  }
  flush() {
    return new Promise((resolve) => this.schedule(this.#flushMs, resolve));
  }
  /** Node's process.exit(): the `exit` event once, then the end with the code as it is then. */
  exit(code) {
    if (this.ended !== undefined) return;
    if (code !== undefined && code !== null) this.#code = code;
    if (!this.#exiting) {
      this.#exiting = true;
      this.#wanted?.triggers.exit(this.exitCode());
      for (const listener of this.#exitListeners) this.call(() => listener(this.exitCode()));
    }
    this.#end({ code: this.exitStatus(this.exitCode()) });
  }
  /** Raised with atexit's listener still on, the signal would come back to it: Node then exits 128 + n a moment later. */
  raise(signal) {
    if (this.ended !== undefined || !this.isMainThread) return;
    if (!this.#wanted?.signals.includes(signal)) return this.#end({ signal });
    this.kill(signal);
    this.schedule(100, () => this.exit(128 + SIGNAL_NUMBERS[signal]));
  }
  forward(signal) {
    this.raise(signal);
  }
  stopWorkers() {
    return this.#workers?.done;
  }
  workersRunning() {
    return this.#workers?.running;
  }
  rethrow(error) {
    this.#end({ rethrown: error });
  }
  formatUncaught(error) {
    return this.formatError(error);
  }
  formatError(error) {
    return error instanceof Error ? String(error.stack) : String(error);
  }
  writeDiagnostic(line) {
    this.#write(line);
  }
  now() {
    return this.#clock;
  }
  timer(ms, callback) {
    return this.schedule(Math.max(1, ms), callback);
  }
  env(name) {
    return this.#env[name];
  }
  /** No test runner's sandbox: the in-process runs are a plain process. */
  sandboxWarning() {
    return undefined;
  }
  /** A supervisor's, as the real runtime reads it from the environment (`env: { pm_id, kill_timeout }`). */
  killDeadline() {
    return killDeadline((name) => this.env(name));
  }
}
