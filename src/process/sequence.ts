/**
 * The termination sequence of the process registry (README, "How each exit
 * runs"): which trigger does what in which phase, as one table, and the steps
 * each cell takes. It drives the registry's stack through stack/disposal.ts and the
 * process through the runtime adapter; it never asks which runtime it is on.
 *
 * Phases:
 * - `idle`: nothing has started.
 * - `running`: the async sequence runs (T1, T2, T4, T6, or `disposeAsync()`).
 * - `workers`: the main thread's entries are done and the process ends by a signal: each worker
 *   thread's registry runs now, awaited (bounded by the same deadline).
 * - `ending`: the sequence is over; output is being flushed before the exit or the raised signal.
 * - `drained`: a T1 sequence ended; the loop ends by itself, unless new entries start another.
 * - `final`: `process.exit()` is under way (T3): only synchronous work is left.
 * - `disposed`: `atexit.disposeAsync()` finished; the registry takes no entries.
 * - `absent` (not stored: idle or drained with no entry): the process behaves as without atexit.
 *
 * Listeners are installed with the first entry and released with the last; the runtime may
 * keep them a moment longer (runtime/node.ts), and a trigger meeting them then is handled as
 * `absent`.
 */
import { currentEntry, disposeEntries, drainSync, type Completion, type Observer } from "../stack/disposal.js";
import type { Entry } from "../stack/entry.js";
import type { Diagnostics } from "./diagnostics.js";
import type { ExitReason } from "./exit-reason.js";
import type { Options } from "./options.js";
import type { SignalName } from "../runtime/signals.js";
import type { Runtime, Triggers } from "../runtime/types.js";
import type { KillDeadline } from "../runtime/supervisors.js";
import type { StackCore } from "../stack/core.js";
import { chainErrors } from "../stack/suppressed-error.js";

type Phase = "idle" | "running" | "workers" | "ending" | "drained" | "final" | "disposed";
type TablePhase = Phase | "absent";

/** What each event carries. */
interface Events {
  drain: undefined;
  /** `atexit.exit(code)`. */
  explicit: number | undefined;
  /** `atexit.disposeAsync()`. */
  dispose: undefined;
  signal: SignalName;
  error: { readonly error: unknown; readonly origin: "uncaughtException" | "unhandledRejection" };
  /** The process `exit` event: `process.exit(code)` or the end of the process. */
  exit: number;
  timeout: undefined;
}
type Event = keyof Events;
type Cell<E extends Event> = (sequence: TerminationSequence, payload: Events[E]) => void;
type Table = { readonly [P in TablePhase]: { readonly [E in Event]?: Cell<E> } };

/** How long stdout/stderr may take to drain into a pipe before the process ends anyway. */
const FLUSH_MS = 2000;

/**
 * A signal within this long of the first the sequence took is that one again (a launcher's copy of
 * a terminal's Ctrl-C, up to 790 ms later: bench/launchers.mjs), not T5; a person's second Ctrl-C
 * comes later.
 */
const ECHO_MS = 1000;

/** What the registry gives the sequence. */
export interface SequenceHost {
  readonly core: StackCore;
  readonly runtime: Runtime;
  readonly diagnostics: Diagnostics;
  options(): Options;
  /** The sequence started: record the reason, abort `signal`, resolve `exiting`. */
  started(reason: ExitReason): void;
  /** Settles once the reactions to `exiting` have run (undefined if nobody asked for it). */
  reactionsRun(): Promise<unknown> | undefined;
}

export class TerminationSequence {
  /**
   * What each event does in each phase; a missing cell ignores the event.
   *
   *             absent           idle, drained    running          workers          ending          final         disposed
   *   drain     –                start (T1)       –                –                –               –             –
   *   explicit  start (T2)       start (T2)       set the code     set the code     set the code    set the code  exit now
   *   dispose   start            start            (joined)         –                –               –             –
   *   signal    as the runtime   start (T4)       T5′, or T5       T5: raise now    T5: raise now   –             –
   *   error     as the runtime   start (T6)       report, go on    report, go on    report          –             –
   *   exit      –                drain now (T3)   cut short (T3)   drain the rest   drain the rest  –             drain the rest
   *   timeout   –                –                cut short (T7)   stop waiting     –               –             –
   */
  static readonly #table: Table = (() => {
    const start: Table["idle"] = {
      drain: (s) => s.#start({ kind: "drain", code: s.#host.runtime.exitCode() }),
      explicit: (s, code) => s.#start(code === undefined ? { kind: "explicit", code: s.#host.runtime.exitCode() } : { kind: "explicit", code }),
      dispose: (s) => s.#start({ kind: "explicit" }),
      signal: (s, signal) => s.#start({ kind: "signal", signal }),
      error: (s, { error }) => s.#start({ kind: "error", error }),
      exit: (s, code) => s.#drainNow(code, true),
    };
    return {
      absent: {
        explicit: start.explicit,
        dispose: start.dispose,
        signal: (s, signal) => s.#asTheRuntime(() => s.#host.runtime.forward(signal)),
        error: (s, { error, origin }) => s.#asTheRuntime(() => s.#crashAsTheRuntime(error, origin)),
      },
      idle: start,
      drained: start,
      running: {
        explicit: (s, code) => s.#requestCode(code),
        signal: (s, signal) => s.#echo(signal) || s.#signalDuringSequence(signal),
        error: (s, { error }) => s.#uncaughtDuringSequence(error),
        exit: (s) => s.#cutShortByExit(),
        timeout: (s) => s.#cutShortByTimeout(),
      },
      workers: {
        explicit: (s, code) => s.#requestCode(code),
        signal: (s, signal) => s.#echo(signal) || s.#cutShortBySignal(signal),
        error: (s, { error }) => s.#uncaughtDuringSequence(error),
        exit: (s, code) => s.#drainNow(code, false),
        timeout: (s) => s.#cutShortByTimeout(),
      },
      ending: {
        explicit: (s, code) => s.#requestCode(code),
        signal: (s, signal) => s.#echo(signal) || s.#signalWhileEnding(signal),
        error: (s, { error }) => s.#uncaughtDuringSequence(error),
        exit: (s, code) => s.#drainNow(code, false),
      },
      final: {
        explicit: (s, code) => {
          if (code !== undefined) s.#host.runtime.setExitCode(code);
        },
      },
      disposed: {
        explicit: (s, code) => s.#host.runtime.exit(code ?? s.#host.runtime.exitCode()),
        exit: (s, code) => s.#drainNow(code, false),
      },
    };
  })();

  readonly #host: SequenceHost;
  #phase: Phase = "idle";
  #installed = false;
  /** The trigger of the sequence in progress (or last run). */
  #trigger: ExitReason | undefined = undefined;
  /** An entry failed, or an uncaught error happened, during this sequence: exit code 0 becomes 1. */
  #failed = false;
  /** `atexit.exit(code)` during the sequence. */
  #requestedCode: number | undefined = undefined;
  /** `#drain()` is calling entries: one registered meanwhile is its to call. */
  #draining = false;
  /** T5′: a signal came during a T1/T2/T6 sequence; the process dies by it at the end. */
  #pendingSignal: SignalName | undefined = undefined;
  /** The first signal this sequence took (T4, T5′), and when (runtime clock). */
  #firstSignal: { readonly signal: SignalName; readonly at: number } | undefined = undefined;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** What the timer was armed for: `timeout`, or less, before a supervisor's SIGKILL. */
  #armed: { readonly ms: number; readonly supervisor: KillDeadline | undefined } | undefined = undefined;
  /** When the timer fires, on the runtime's clock. */
  #deadline: number | undefined = undefined;
  #startedAt = 0;
  /** The async sequence was cut short (T5, T7): what comes later can only be called synchronously. */
  #cutShort = false;
  /** The signal has been raised again: the process is dying (on Deno a moment later), nothing can be awaited. */
  #raised = false;
  /** Worker threads were told and waited for; a later round of the sequence does not tell them again. */
  #workersStopped = false;
  /** Settles when the sequence in progress ends (for `disposeAsync()`). */
  #done: Promise<Completion> | undefined = undefined;

  readonly #triggers: Triggers = {
    drain: () => this.#on("drain", undefined),
    exit: (code) => this.#on("exit", code),
    signal: (signal) => {
      if (!this.#host.runtime.signalTakenOver(signal)) this.#on("signal", signal as SignalName);
    },
    error: (error, origin) => {
      if (!this.#host.runtime.errorsTakenOver()) this.#on("error", { error, origin });
    },
  };

  readonly #observer: Observer = {
    now: () => (this.#host.diagnostics.trace ? this.#host.runtime.now() : 0),
    // #deadline is on the runtime's clock; a resource compares it with performance.now() (read only here).
    deadline: () => (this.#deadline === undefined ? undefined : performance.now() + (this.#deadline - this.#host.runtime.now())),
    signal: () => this.#firstSignal?.signal,
    settled: (entry, outcome, error, startedAt) => {
      const { diagnostics, runtime } = this.#host;
      // An entry that called process.exit() inside the synchronous drain unwound: that is not a failure.
      if (outcome === "failed" && runtime.isInterceptedExit(error)) outcome = "ok";
      if (outcome === "failed") {
        this.#failed = true;
        diagnostics.entryFailed(entry, error);
      }
      if (diagnostics.trace) diagnostics.traceEntry(entry, outcome, runtime.now() - startedAt);
    },
  };

  constructor(host: SequenceHost) {
    this.#host = host;
  }

  /** Whether a sequence runs now (entries are then accepted during `run()`-like disposal). */
  get running(): boolean {
    return this.#phase === "running";
  }

  explicitExit(code: number | undefined): void {
    this.#on("explicit", code);
  }

  /** `atexit.disposeAsync()`: runs the sequence without exiting, or joins the one in progress. */
  dispose(): Promise<Completion | undefined> {
    this.#on("dispose", undefined);
    return this.#phase === "running" && this.#done !== undefined ? this.#done : Promise.resolve(undefined);
  }

  /**
   * The registry gained its first entry or lost its last. Nothing is installed while it is empty
   * and no sequence runs (SPEC §3). An entry registered once the signal was raised again (where the
   * raise takes effect a moment later, on Deno) is not lost: it is called at once, after the code
   * that registered it, without being awaited.
   */
  occupancyChanged(): void {
    if (this.#host.core.entries.size > 0 && !this.#draining) this.#callLate();
    this.#syncListeners();
  }

  /** An entry registered once no sequence will run it (the registry is past its last drain): called at once. */
  #callLate(): void {
    // The signal was raised again (on Deno it takes effect a moment later): after the code that registered it.
    if (this.#raised) queueMicrotask(() => this.#drain());
    // After process.exit()'s drain (another `exit` listener registered it): only synchronous time is
    // left, so before register() returns.
    else if (this.#phase === "final") this.#host.diagnostics.exitCutShort(this.#drain());
  }

  #syncListeners(): void {
    const phase = this.#phase;
    const wanted = phase === "running" || phase === "workers" || phase === "ending" || phase === "final" || (this.#host.core.entries.size > 0 && phase !== "disposed");
    if (wanted && !this.#installed) this.#install();
    else if (!wanted && this.#installed) {
      this.#installed = false;
      this.#host.runtime.release();
    }
  }

  /** `signals` or `catchErrors` changed. */
  reinstall(): void {
    if (this.#installed) this.#install();
  }

  #on<E extends Event>(event: E, payload: Events[E]): void {
    const cell = (TerminationSequence.#table[this.#phaseForTable()] as { [K in Event]?: Cell<K> })[event];
    cell?.(this, payload);
  }

  #phaseForTable(): TablePhase {
    const phase = this.#phase;
    return (phase === "idle" || phase === "drained") && this.#host.core.entries.size === 0 ? "absent" : phase;
  }

  /** A trigger with nothing registered, before the listeners went: take them off, and let the runtime do what it would have done. */
  #asTheRuntime(act: () => void): void {
    this.#uninstall();
    act();
  }

  /**
   * An uncaught error with nothing registered. A rejection is rejected again, which the runtime
   * reports exactly as its own; in a worker a throw is thrown again, for the parent's `error`
   * event. A throw on the main thread cannot be given back without the runtime pointing at
   * atexit's line instead of the application's: it is printed the runtime's way, and the process
   * ends with exit code 1, as the runtime would end it.
   */
  #crashAsTheRuntime(error: unknown, origin: Events["error"]["origin"]): void {
    const { runtime, diagnostics } = this.#host;
    if (origin === "unhandledRejection") return void Promise.reject(error);
    if (!runtime.isMainThread) return runtime.rethrow(error);
    diagnostics.uncaught(error);
    runtime.exit(1);
  }

  // ---- starting and ending ---------------------------------------------------

  #start(trigger: ExitReason): void {
    const { core, runtime, diagnostics } = this.#host;
    if (trigger.kind === "error" && runtime.isMainThread) diagnostics.uncaught(trigger.error);
    const first = this.#trigger === undefined;
    this.#trigger = trigger;
    this.#phase = "running";
    this.#cutShort = false;
    this.#failed = false;
    this.#requestedCode = undefined;
    this.#pendingSignal = undefined;
    this.#firstSignal = trigger.kind === "signal" ? { signal: trigger.signal as SignalName, at: runtime.now() } : undefined;
    // Published before anything else runs (the signal's abort listeners, then the first entry): an
    // atexit.exit() from one of them sets the code, a disposeAsync() joins this sequence.
    let settle!: (completion: Completion) => void;
    this.#done = new Promise((resolve) => (settle = resolve));
    // A sequence after the first (entries added once a drain ended) keeps the first reason.
    if (first) this.#host.started(trigger);
    this.#syncListeners();
    // The deadline starts before any entry runs, so a first entry that hangs is caught too.
    if (trigger.kind !== "explicit" || trigger.code !== undefined) this.#startTimer();
    this.#startedAt = runtime.now();
    diagnostics.traceStarted(trigger, core.entries.size);
    void this.#run(trigger).then(settle, (error: unknown) => settle({ failed: true, error }));
  }

  async #run(trigger: ExitReason): Promise<Completion> {
    // Let the reactions to `exiting` run before the first entry is called.
    const reactions = this.#host.reactionsRun();
    if (reactions !== undefined) await reactions;
    const { core } = this.#host;
    let completion: Completion = { failed: false, error: undefined };
    // Entries added after a joined run() ended are left: go round until none is.
    while (this.#phase === "running") {
      const round = await disposeEntries(core, this.#observer, false);
      if (round.failed) completion = { failed: true, error: completion.failed ? chainErrors(round.error, completion.error) : round.error };
      if (core.entries.size === 0) break;
    }
    // A signal that came as the loop drained waits, unread, for the loop to poll again: one more turn
    // lets it be dispatched (T5′) before the process is let go to end with an exit code. Every entry
    // is done, so the deadline is over (T5′ arms it again): nothing can time out in that turn.
    if (trigger.kind === "drain" && this.#phase === "running") {
      this.#clearTimer();
      await this.#host.runtime.signalsDispatched();
    }
    // Cut short meanwhile (process.exit(), a second signal, the timeout): that path ends the process.
    if (this.#phase === "running") this.#finish(trigger);
    return completion;
  }

  /** The signal the process dies by: the trigger's (T4), or one that came during the sequence (T5′). */
  #signalToDieBy(trigger: ExitReason): SignalName | undefined {
    return this.#pendingSignal ?? (trigger.kind === "signal" ? trigger.signal : undefined);
  }

  /** T1's and T2's rule: an entry failed, so exit code 0 becomes 1. */
  #failedMakesOne(code: number): number {
    return this.#failed && code === 0 ? 1 : code;
  }

  /** The sequence ran to its end: end the process the way the trigger says. */
  #finish(trigger: ExitReason): void {
    const { core, runtime, diagnostics } = this.#host;
    diagnostics.traceFinished(runtime.now() - this.#startedAt);
    const signal = this.#signalToDieBy(trigger);
    if (signal !== undefined) return this.#stopWorkers(signal);
    switch (trigger.kind) {
      case "drain": {
        // Let the loop end by itself: the one exit that never truncates piped output.
        this.#clearTimer();
        this.#phase = "drained";
        runtime.setExitCode(this.#failedMakesOne(this.#requestedCode ?? runtime.exitCode()));
        return this.#syncListeners();
      }
      case "explicit":
        if (trigger.code === undefined) {
          this.#clearTimer();
          this.#phase = "disposed";
          core.disposed = true;
          return this.#syncListeners();
        }
        return this.#endByExit(() => this.#failedMakesOne(this.#requestedCode ?? trigger.code ?? 0));
      case "error":
        return this.#endByError(trigger.error, () => this.#requestedCode ?? 1);
      case "exit":
      case "signal":
        return; // T3 ends in #drainNow, T4 above
    }
  }

  /**
   * The main thread's entries are done and the process dies by `signal`: every worker thread's
   * registry runs now (told by the runtime), awaited within the same deadline, then the signal.
   */
  #stopWorkers(signal: SignalName): void {
    const workers = this.#workersStopped ? undefined : this.#host.runtime.stopWorkers(signal);
    this.#workersStopped = true;
    if (workers === undefined) return this.#endBySignal(signal);
    this.#phase = "workers";
    void workers.then(() => {
      if (this.#phase === "workers") this.#endBySignal(signal);
    });
  }

  #endBySignal(signal: SignalName): void {
    this.#endWhenFlushed(() => this.#raise(signal));
  }

  #endByExit(code: () => number): void {
    this.#endWhenFlushed(() => this.#host.runtime.exit(code()));
  }

  /**
   * Ends the process once stdout and stderr are flushed. An entry registered meanwhile (by a
   * timer an entry started, say) is not lost: it runs in another round of the same sequence,
   * still bounded by its deadline, which stays armed until the end; after a sequence cut short,
   * it is called synchronously.
   */
  #endWhenFlushed(end: () => void): void {
    this.#phase = "ending";
    void this.#host.runtime.flush(FLUSH_MS).then(() => {
      if (this.#phase !== "ending") return; // raised meanwhile by another signal, or process.exit()
      if (this.#host.core.entries.size > 0) {
        if (this.#cutShort) {
          this.#drain();
        } else {
          this.#phase = "running";
          void this.#run(this.#trigger as ExitReason);
          return;
        }
      }
      this.#clearTimer();
      end();
    });
  }

  #endByError(error: unknown, code: () => number): void {
    const { runtime } = this.#host;
    if (!runtime.isMainThread) {
      // A worker's error goes to its parent's `error` event, as without atexit.
      this.#clearTimer();
      this.#phase = "ending";
      this.#uninstall();
      return runtime.rethrow(error);
    }
    this.#endByExit(code);
  }

  /** Raises `signal` again with atexit's listeners gone, so the parent sees death by it. */
  #raise(signal: SignalName): void {
    if (this.#phase === "final") return;
    this.#phase = "ending";
    this.#raised = true;
    this.#clearTimer();
    this.#uninstall();
    this.#host.runtime.raise(signal);
  }

  // ---- during the sequence ---------------------------------------------------

  #requestCode(code: number | undefined): void {
    if (code !== undefined) this.#requestedCode = code;
  }

  #signalDuringSequence(signal: SignalName): void {
    if (this.#trigger?.kind === "signal" || this.#pendingSignal !== undefined) return this.#cutShortBySignal(signal);
    // T5′: go on, bounded by the timeout (disposeAsync() had none), and die by the signal at the end.
    this.#pendingSignal = signal;
    this.#firstSignal = { signal, at: this.#host.runtime.now() };
    if (this.#timer === undefined) this.#startTimer();
  }

  /** A signal within ECHO_MS of the first: only a trace line. */
  #echo(signal: SignalName): boolean {
    const first = this.#firstSignal;
    if (first === undefined) return false;
    const after = this.#host.runtime.now() - first.at;
    if (after >= ECHO_MS) return false;
    this.#host.diagnostics.traceEcho(signal, first.signal, after);
    return true;
  }

  #uncaughtDuringSequence(error: unknown): void {
    // Thrown by something an entry started: a failure of the sequence, not a new trigger.
    this.#failed = true;
    this.#host.diagnostics.uncaughtDuringCleanup(currentEntry(this.#host.core), error);
  }

  // ---- cut short ---------------------------------------------------------------

  /** Calls every entry not yet run, synchronously (a process.exit() inside one records its code). */
  #drain(): number {
    this.#draining = true;
    try {
      return this.#host.runtime.interceptExit(() => drainSync(this.#host.core, this.#observer));
    } finally {
      this.#draining = false;
    }
  }

  /** A signal while output is flushed: what was registered meanwhile is called now, as at T5; then the signal. */
  #signalWhileEnding(signal: SignalName): void {
    if (this.#host.core.entries.size > 0) {
      this.#cutShort = true;
      this.#host.diagnostics.signalCutShort(signal, undefined, this.#drain());
    }
    this.#raise(signal);
  }

  /** T3 with no async sequence in progress (`fresh`), or for what was added while ending. */
  #drainNow(code: number, fresh: boolean): void {
    const { core, diagnostics, runtime } = this.#host;
    const trigger: ExitReason = { kind: "exit", code };
    const first = this.#trigger === undefined;
    this.#trigger ??= trigger;
    this.#phase = "final";
    this.#clearTimer();
    if (first) this.#host.started(trigger);
    if (fresh) diagnostics.traceStarted(trigger, core.entries.size);
    const startedAt = runtime.now();
    diagnostics.exitCutShort(this.#drain());
    if (fresh) diagnostics.traceFinished(runtime.now() - startedAt);
  }

  /** T3 while the async sequence runs: the entry being awaited cannot finish. */
  #cutShortByExit(): void {
    const { diagnostics, runtime } = this.#host;
    this.#phase = "final";
    this.#clearTimer();
    diagnostics.exitCutShort(this.#drain());
    diagnostics.traceFinished(runtime.now() - this.#startedAt);
  }

  /** What runs now, for the T5 and T7 lines: the entry, or the worker threads being waited for. */
  #running(): Entry | string | undefined {
    return this.#phase === "workers" ? this.#host.runtime.workersRunning() : currentEntry(this.#host.core);
  }

  /** T5: a second signal. */
  #cutShortBySignal(signal: SignalName): void {
    this.#cutShort = true;
    const { diagnostics, runtime } = this.#host;
    const running = this.#running();
    this.#phase = "ending";
    this.#clearTimer();
    diagnostics.signalCutShort(signal, running, this.#drain());
    diagnostics.traceFinished(runtime.now() - this.#startedAt);
    this.#endBySignal(signal);
  }

  /** T7. */
  #cutShortByTimeout(): void {
    this.#cutShort = true;
    const { diagnostics, runtime } = this.#host;
    this.#timer = undefined;
    this.#deadline = undefined;
    const running = this.#running();
    this.#phase = "ending";
    const armed = this.#armed ?? { ms: this.#host.options().timeout, supervisor: undefined };
    diagnostics.timedOut(armed.ms, running, this.#drain(), armed.supervisor);
    diagnostics.traceFinished(runtime.now() - this.#startedAt);
    const trigger = this.#trigger as ExitReason;
    const signal = this.#signalToDieBy(trigger);
    if (signal !== undefined) return this.#endBySignal(signal);
    if (trigger.kind === "error") return this.#endByError(trigger.error, () => 1);
    this.#endByExit(() => 1);
  }

  // ---- listeners and the deadline ----------------------------------------------

  #install(): void {
    const { signals, catchErrors } = this.#host.options();
    this.#host.runtime.install(this.#triggers, { signals, catchErrors });
    this.#installed = true;
  }

  #uninstall(): void {
    this.#host.runtime.uninstall();
    this.#installed = false;
  }

  #startTimer(): void {
    this.#armed = this.#timeoutFor(this.#host.options().timeout);
    const { ms } = this.#armed;
    if (ms === Infinity) return;
    this.#deadline = this.#host.runtime.now() + ms;
    this.#timer = setTimeout(() => this.#on("timeout", undefined), ms);
  }

  /** `timeout`, or less if a supervisor's SIGKILL follows the signal sooner: T7 then comes first, with a reserve. */
  #timeoutFor(timeout: number): { ms: number; supervisor: KillDeadline | undefined } {
    const supervisor = this.#firstSignal === undefined ? undefined : this.#host.runtime.killDeadline();
    if (supervisor === undefined) return { ms: timeout, supervisor };
    const inside = Math.max(0, supervisor.ms - Math.min(FLUSH_MS, Math.max(200, supervisor.ms / 8)));
    return inside < timeout ? { ms: inside, supervisor } : { ms: timeout, supervisor: undefined };
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#deadline = undefined;
  }
}
