/**
 * The imperative shell of the termination sequence: it turns what happens (a
 * runtime trigger, `atexit.exit()`, a round of entries ending, the output
 * flushed) into events for the pure table (sequence.ts), keeps the state the
 * table returns, and runs the effects it asks for over the runtime adapter and
 * the registry's stack. It decides nothing itself.
 */
import { currentEntry, disposeEntries, drainSync, type Completion, type Observer } from "../stack/disposal.js";
import type { StackCore } from "../stack/core.js";
import { chainErrors } from "../stack/suppressed-error.js";
import type { Runtime, Triggers } from "../runtime/types.js";
import type { KillDeadline } from "../runtime/supervisors.js";
import type { SignalName } from "../runtime/signals.js";
import type { Diagnostics } from "./diagnostics.js";
import type { ExitReason } from "./exit-reason.js";
import type { Options } from "./options.js";
import { INITIAL, transition, wantsListeners, type DrainWhy, type Effect, type Ending, type Event, type Host, type State } from "./sequence.js";

/** How long stdout/stderr may take to drain into a pipe before the process ends anyway. */
const FLUSH_MS = 2000;

/** What the registry gives the shell. */
export interface TerminationHost {
  readonly core: StackCore;
  readonly runtime: Runtime;
  readonly diagnostics: Diagnostics;
  options(): Options;
  /** The sequence started: record the reason, abort `signal`, resolve `exiting`. */
  started(reason: ExitReason): void;
  /** Settles once the reactions to `exiting` have run (undefined if nobody asked for it). */
  reactionsRun(): Promise<unknown> | undefined;
}

const inSequence = (state: State): boolean => state.phase.name === "running" || state.phase.name === "settling";

export class Termination {
  readonly #host: TerminationHost;
  readonly #table: Host;
  #state: State = INITIAL;
  /** What the sequence's rounds have failed with so far (for `disposeAsync()`). */
  #completion: Completion = { failed: false, error: undefined };
  /** Settles when the sequence in progress has no round left (for `disposeAsync()`, which joins it). */
  #done: { promise: Promise<Completion>; settle: (completion: Completion) => void } | undefined = undefined;
  /** Cancels the deadline's timer, while it is armed. */
  #cancelTimer: (() => void) | undefined = undefined;
  /** When the timer fires, on the runtime's clock. */
  #deadline: number | undefined = undefined;
  /** What the timer was armed for: `timeout`, or less to end before a supervisor's SIGKILL. */
  #armed: { readonly ms: number; readonly supervisor: KillDeadline | undefined } | undefined = undefined;
  #startedAt = 0;
  /** A synchronous drain is calling entries: one registered meanwhile is its to call. */
  #draining = false;
  /** Whether this is a test runner's sandbox where nothing runs at exit has been asked (once, as listeners are first wanted). */
  #sandboxChecked = false;

  readonly #triggers: Triggers = {
    drain: () => this.#dispatch({ type: "drain", code: this.#host.runtime.exitCode() }),
    exit: (code) => this.#dispatch({ type: "exit", code }),
    signal: (signal) => {
      const { runtime } = this.#host;
      this.#dispatch({ type: "signal", signal: signal as SignalName, at: runtime.now(), takenBy: runtime.signalTakenBy(signal) });
    },
    error: (error, origin) => this.#dispatch({ type: "error", error, origin, takenOver: this.#host.runtime.errorsTakenOver() }),
  };

  readonly #observer: Observer = {
    now: () => (this.#host.diagnostics.trace ? this.#host.runtime.now() : 0),
    context: () => ({
      timeLeft: this.#deadline === undefined ? undefined : this.#deadline - this.#host.runtime.now(),
      signal: this.#state.dieBy,
    }),
    settled: (entry, outcome, error, startedAt) => {
      const { diagnostics, runtime } = this.#host;
      // An entry that called process.exit() inside the synchronous drain unwound: that is not a failure.
      if (outcome === "failed" && runtime.isInterceptedExit(error)) outcome = "ok";
      if (outcome === "failed") {
        this.#dispatch({ type: "failed" });
        diagnostics.entryFailed(entry, error);
      }
      if (diagnostics.trace) diagnostics.traceEntry(entry, outcome, runtime.now() - startedAt);
    },
  };

  constructor(host: TerminationHost) {
    this.#host = host;
    const { runtime } = host;
    this.#table = { isMainThread: runtime.isMainThread, status: (code) => runtime.exitStatus(code) };
  }

  /** Whether the async sequence runs now. */
  get running(): boolean {
    return inSequence(this.#state);
  }

  /** `atexit.exit(code)`. */
  explicitExit(code: number | undefined): void {
    this.#dispatch({ type: "explicit", code, current: this.#host.runtime.exitCode() });
  }

  /** `atexit.disposeAsync()`: runs the sequence without exiting, or joins the one in progress. */
  dispose(): Promise<Completion | undefined> {
    this.#dispatch({ type: "dispose" });
    return this.#done?.promise ?? Promise.resolve(undefined);
  }

  /** The registry gained its first entry (true) or lost its last (false). */
  occupancyChanged(occupied: boolean): void {
    this.#dispatch({ type: "occupancy", occupied });
  }

  /** `signals` or `catchErrors` changed: listeners in place are put back for the new options. */
  reinstall(): void {
    this.#listen();
  }

  #dispatch(event: Event): void {
    const before = this.#state;
    const { state, effects } = transition(before, event, this.#table);
    this.#state = state;
    if (state.phase === before.phase && effects.length === 0) {
      if (state.occupied !== before.occupied) this.#listen();
      return;
    }
    if (inSequence(state) && !inSequence(before)) this.#begin();
    this.#listen();
    for (const effect of effects) {
      // An effect ran code (an abort listener, an entry) that moved the sequence on (process.exit(),
      // say): what this step still had to do belongs to a phase that is over.
      if (this.#state.phase !== state.phase) break;
      this.#run(effect);
    }
    if (!inSequence(this.#state) && this.#done !== undefined) {
      this.#done.settle(this.#completion);
      this.#done = undefined;
    }
  }

  /** A sequence (or another round of it) begins: `disposeAsync()` from here on joins it. */
  #begin(): void {
    if (this.#state.phase.name === "running" && this.#done === undefined) {
      let settle!: (completion: Completion) => void;
      const promise = new Promise<Completion>((resolve) => (settle = resolve));
      this.#done = { promise, settle };
    }
  }

  #listen(): void {
    const { runtime, options, diagnostics } = this.#host;
    if (!wantsListeners(this.#state)) return runtime.listen(undefined);
    if (!this.#sandboxChecked) {
      this.#sandboxChecked = true;
      const line = runtime.sandboxWarning();
      if (line !== undefined) diagnostics.cannotRunAtExit(line);
    }
    const { signals, catchErrors } = options();
    runtime.listen({ triggers: this.#triggers, signals, catchErrors });
  }

  #run(effect: Effect): void {
    const { core, runtime, diagnostics } = this.#host;
    switch (effect.type) {
      case "publish":
        return this.#host.started(effect.reason);
      case "printUncaught":
        return diagnostics.uncaught(effect.error);
      case "uncaughtDuringCleanup":
        return diagnostics.uncaughtDuringCleanup(currentEntry(core), effect.error);
      case "traceStarted":
        this.#startedAt = runtime.now();
        return diagnostics.traceStarted(effect.reason, core.entries.size);
      case "traceFinished":
        return diagnostics.traceFinished(runtime.now() - this.#startedAt);
      case "traceEcho":
        return diagnostics.traceEcho(effect.signal, effect.first, effect.ms);
      case "traceStoodBack":
        return diagnostics.traceStoodBack(effect.signal, effect.listener);
      case "round":
        return void this.#round(effect.first);
      case "settle":
        return void runtime.signalsDispatched().then(() => this.#dispatch({ type: "settled" }));
      case "timer":
        return effect.on ? this.#startTimer() : this.#clearTimer();
      case "tightenTimer":
        return this.#tightenTimer();
      case "drainSync":
        return this.#drainSync(effect.why);
      case "stopWorkers":
        return this.#stopWorkers(effect.signal);
      case "flush":
        return void runtime.flush(FLUSH_MS).then(() => this.#dispatch({ type: "flushed" }));
      case "uninstall":
        return runtime.uninstall();
      case "forward":
        return runtime.forward(effect.signal);
      case "crash":
        return this.#crash(effect.error, effect.origin);
      case "end":
        return this.#end(effect.ending);
      case "setExitCode":
        return runtime.setExitCode(effect.code);
    }
  }

  async #round(first: boolean): Promise<void> {
    // A sequence's first round: its failures start afresh; the reactions to `exiting` run before its first entry.
    if (first) this.#completion = { failed: false, error: undefined };
    const reactions = first ? this.#host.reactionsRun() : undefined;
    if (reactions !== undefined) await reactions;
    const round = await disposeEntries(this.#host.core, this.#observer, false);
    if (round.failed) {
      const previous = this.#completion;
      this.#completion = { failed: true, error: previous.failed ? chainErrors(round.error, previous.error) : round.error };
    }
    this.#dispatch({ type: "roundDone" });
  }

  #stopWorkers(signal: SignalName): void {
    const workers = this.#host.runtime.stopWorkers(signal);
    if (workers === undefined) return this.#dispatch({ type: "workersDone" });
    void workers.then(() => this.#dispatch({ type: "workersDone" }));
  }

  /** Calls every entry not yet run, synchronously, and says why (the T3, T5 and T7 lines). */
  #drainSync(why: DrainWhy): void {
    const { core, diagnostics, runtime } = this.#host;
    // Named before the drain abandons it: the entry (or the worker threads) the line says was running.
    const running = why.kind === "signal" || why.kind === "timeout" ? (why.workers ? runtime.workersRunning() : currentEntry(core)) : undefined;
    const unfinished = this.#drain();
    switch (why.kind) {
      case "exit":
        return diagnostics.exitCutShort(unfinished, why.stoodBack);
      case "signal":
        return diagnostics.signalCutShort(why.signal, running, unfinished);
      case "timeout": {
        const armed = this.#armed ?? { ms: this.#host.options().timeout, supervisor: undefined };
        return diagnostics.timedOut(armed.ms, running, unfinished, armed.supervisor);
      }
      case "signalWhileEnding":
        return diagnostics.signalCutShort(why.signal, undefined, unfinished);
      case "late":
        return;
    }
  }

  /** Calls every entry not yet run (a process.exit() inside one records its code); returns how many could not finish. */
  #drain(): number {
    if (this.#draining) return 0; // the drain in progress calls what was registered meanwhile
    this.#draining = true;
    try {
      return this.#host.runtime.interceptExit(() => drainSync(this.#host.core, this.#observer));
    } finally {
      this.#draining = false;
    }
  }

  /**
   * An uncaught error with nothing registered. A rejection is rejected again, which the runtime
   * reports exactly as its own; in a worker a throw is thrown again, for the parent's `error`
   * event. A throw on the main thread cannot be given back without the runtime pointing at
   * atexit's line instead of the application's: it is printed the runtime's way, and the process
   * ends with exit code 1, as the runtime would end it.
   */
  #crash(error: unknown, origin: "uncaughtException" | "unhandledRejection"): void {
    const { runtime, diagnostics } = this.#host;
    if (origin === "unhandledRejection") return void Promise.reject(error);
    if (!runtime.isMainThread) return runtime.rethrow(error);
    diagnostics.uncaught(error);
    runtime.exit(1);
  }

  #end(ending: Ending): void {
    const { core, runtime } = this.#host;
    switch (ending.kind) {
      case "drained":
        return runtime.setExitCode(ending.code);
      case "disposed":
        core.disposed = true;
        return;
      case "signal":
        return runtime.raise(ending.signal);
      case "code":
        return runtime.exit(ending.code);
      case "rethrow":
        return runtime.rethrow(ending.error);
    }
  }

  #startTimer(): void {
    this.#arm(this.#timeoutFor(this.#host.options().timeout));
  }

  /** The deadline armed already, or a supervisor's after the signal to die by if that comes first. */
  #tightenTimer(): void {
    const armed = this.#timeoutFor(Infinity);
    if (armed.supervisor === undefined || this.#deadline === undefined) return;
    if (this.#host.runtime.now() + armed.ms < this.#deadline) this.#arm(armed);
  }

  #arm(armed: { ms: number; supervisor: KillDeadline | undefined }): void {
    const { runtime } = this.#host;
    this.#clearTimer();
    this.#armed = armed;
    if (armed.ms === Infinity) return;
    this.#deadline = runtime.now() + armed.ms;
    this.#cancelTimer = runtime.timer(armed.ms, () => {
      this.#cancelTimer = undefined;
      this.#deadline = undefined;
      this.#dispatch({ type: "timeout" });
    });
  }

  /**
   * `timeout`, or less when a supervisor's SIGKILL would come first after the signal the process
   * dies by (pm2 kills `kill_timeout` ms after its SIGINT): the sequence then times out (T7) before
   * it, keeping a reserve for the synchronous rest and the output, and the T7 line says why.
   */
  #timeoutFor(timeout: number): { ms: number; supervisor: KillDeadline | undefined } {
    const supervisor = this.#state.dieBy === undefined ? undefined : this.#host.runtime.killDeadline();
    if (supervisor === undefined) return { ms: timeout, supervisor };
    const inside = Math.max(0, supervisor.ms - Math.min(FLUSH_MS, Math.max(200, supervisor.ms / 8)));
    return inside < timeout ? { ms: inside, supervisor } : { ms: timeout, supervisor: undefined };
  }

  #clearTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#deadline = undefined;
  }
}
