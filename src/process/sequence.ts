/**
 * The termination sequence as a pure table (README, "How each exit runs"):
 * `transition(state, event)` returns the next state and the effects to run, as
 * plain data. Nothing here touches the process, a timer or an entry; the shell
 * (termination.ts) runs the effects over the runtime adapter and feeds back
 * every trigger and every completion (a round of entries done, the workers
 * done, the output flushed) as an event. Every phase change happens in a cell
 * below, and `ending` alone decides how the process then ends.
 *
 * Phases:
 * - `idle`: no sequence has started. With no entry, it is `absent` (see `row`).
 * - `running`: the async sequence: rounds of the registry's disposal loop.
 * - `settling`: a T1 sequence's rounds are done; one more turn lets a signal that came as the
 *   loop drained be dispatched (T5′) before the process is let go.
 * - `workers`: the main thread's entries are done and the process dies by a signal: each worker
 *   thread's registry runs now, awaited within the same deadline.
 * - `ending`: the sequence is over; output is flushed before the end. An entry registered
 *   meanwhile gets another round of the same sequence.
 * - `cut`: the same after a sequence cut short (T5, T7): an entry registered meanwhile is called
 *   at once, synchronously.
 * - `final`: `process.exit()` is under way (T3): only synchronous work is left.
 * - `raised`: the signal was raised again; the process is dying (on Deno a moment later).
 * - `drained`: a T1 sequence ended; the loop ends by itself, unless new entries start another.
 * - `disposed`: `atexit.disposeAsync()` finished; the registry takes no entries.
 */
import type { SignalName } from "../runtime/signals.js";
import type { ExitReason } from "./exit-reason.js";

/**
 * A signal (any of `signals`) within this long of the first one the sequence took is that signal
 * again, not a second one (README, T5). A terminal's Ctrl-C reaches the whole process group, and
 * the launcher in it then sends the app copies of its own: node --watch 1 ms later, tsx 40 ms,
 * concurrently up to 530 ms, nodemon twice, up to 790 ms; nodemon follows a SIGTERM with two
 * SIGINTs, `deno run --watch` a SIGINT with a SIGTERM (bench/launchers.mjs, 10 runs of each on
 * Node 20 and 24, quiet and loaded). A person who sees the shutdown hang presses Ctrl-C again later.
 */
export const ECHO_MS = 1000;

/** What started a sequence. `dispose` is `atexit.disposeAsync()`: the one trigger that does not end the process. */
export type Trigger =
  | { readonly kind: "drain"; readonly code: number }
  | { readonly kind: "explicit"; readonly code: number }
  | { readonly kind: "dispose" }
  | { readonly kind: "signal"; readonly signal: SignalName }
  | { readonly kind: "error"; readonly error: unknown }
  | { readonly kind: "exit"; readonly code: number };

export type Phase =
  | { readonly name: "idle" | "running" | "settling" | "ending" | "final" | "raised" | "drained" | "disposed" }
  | { readonly name: "workers" }
  | { readonly name: "cut"; readonly by: "signal" | "timeout" };
type PhaseName = Phase["name"];

export interface State {
  readonly phase: Phase;
  /** The registry has pending entries. */
  readonly occupied: boolean;
  /** The trigger of the sequence in progress, or of the last one. */
  readonly trigger: Trigger | undefined;
  /** The signal the process dies by at the end: T4's, T5′'s, or T5's. */
  readonly dieBy: SignalName | undefined;
  /** The signal acted on last, and when (the runtime's clock): a signal within ECHO_MS of it is its echo. */
  readonly lastSignal: { readonly signal: SignalName; readonly at: number } | undefined;
  /** `atexit.exit(code)` during the sequence. */
  readonly requestedCode: number | undefined;
  /** An entry failed, or an uncaught error happened, during this sequence. */
  readonly failed: boolean;
  /** The deadline is armed. */
  readonly timer: boolean;
  /** Worker threads were told and waited for; a later round does not tell them again. */
  readonly workersStopped: boolean;
  /** A signal atexit left to the application's own listener, named for the T3 line. */
  readonly stoodBack: { readonly signal: SignalName; readonly listener: string } | undefined;
}

export const INITIAL: State = {
  phase: { name: "idle" },
  occupied: false,
  trigger: undefined,
  dieBy: undefined,
  lastSignal: undefined,
  requestedCode: undefined,
  failed: false,
  timer: false,
  workersStopped: false,
  stoodBack: undefined,
};

/** What each event carries. Triggers come from the runtime and the public API; completions from the shell. */
export interface Events {
  /** The registry gained its first entry (true) or lost its last (false). */
  occupancy: { readonly occupied: boolean };
  /** The event loop drained (`beforeExit`); `code` is the exit code it would end with. */
  drain: { readonly code: number };
  /** `atexit.exit(code)`; `current` is the exit code the process would end with now. */
  explicit: { readonly code: number | undefined; readonly current: number };
  /** `atexit.disposeAsync()`. */
  dispose: undefined;
  /** A signal from `signals`; `takenBy` names the application's own listener for it, if it has one. */
  signal: { readonly signal: SignalName; readonly at: number; readonly takenBy: string | undefined };
  /** An uncaught error; `takenOver` when the application listens for uncaught errors itself. */
  error: { readonly error: unknown; readonly origin: "uncaughtException" | "unhandledRejection"; readonly takenOver: boolean };
  /** The process `exit` event: `process.exit(code)`, or the end of the process. */
  exit: { readonly code: number };
  /** The deadline passed. */
  timeout: undefined;
  /** An entry failed (reported by the shell as it happened). */
  failed: undefined;
  /** A round of the disposal loop ended. */
  roundDone: undefined;
  /** The turn after the last round is over: a signal that came as the loop drained was dispatched. */
  settled: undefined;
  /** Every worker thread's registry has finished. */
  workersDone: undefined;
  /** stdout and stderr were flushed (or the flush gave up). */
  flushed: undefined;
}
export type EventName = keyof Events;
export type Event = { [E in EventName]: Events[E] extends undefined ? { readonly type: E } : { readonly type: E } & Events[E] }[EventName];

/** Why entries are called synchronously, which decides the line that says so. */
export type DrainWhy =
  /** T3: `process.exit()`; the line names a signal atexit left to the application, if it did. */
  | { readonly kind: "exit"; readonly stoodBack: State["stoodBack"] }
  /** T5: a second signal; `workers` when the worker threads were being waited for. */
  | { readonly kind: "signal"; readonly signal: SignalName; readonly workers: boolean }
  /** T7. */
  | { readonly kind: "timeout"; readonly workers: boolean }
  /** A signal while output was flushed: what was registered meanwhile. */
  | { readonly kind: "signalWhileEnding"; readonly signal: SignalName }
  /** Registered after the last drain (once the signal was raised again, or by another `exit` listener). */
  | { readonly kind: "late" };

/** How the process ends once the sequence is over: the last column of the README's exit table. */
export type Ending =
  | { readonly kind: "signal"; readonly signal: SignalName }
  | { readonly kind: "code"; readonly code: number }
  /** T1: the loop ends by itself, with this exit code. */
  | { readonly kind: "drained"; readonly code: number }
  /** `disposeAsync()`: the process goes on. */
  | { readonly kind: "disposed" }
  /** T6 in a worker thread: the error goes to the parent's `error` event, as without atexit. */
  | { readonly kind: "rethrow"; readonly error: unknown };

export type Effect =
  /** Publish the reason: `atexit.reason`, `atexit.signal` aborted, `exiting` resolved. */
  | { readonly type: "publish"; readonly reason: ExitReason }
  /** Print the uncaught error the runtime's way (T6 on the main thread). */
  | { readonly type: "printUncaught"; readonly error: unknown }
  | { readonly type: "uncaughtDuringCleanup"; readonly error: unknown }
  | { readonly type: "traceStarted"; readonly reason: ExitReason }
  | { readonly type: "traceFinished" }
  | { readonly type: "traceEcho"; readonly signal: SignalName; readonly first: SignalName; readonly ms: number }
  | { readonly type: "traceStoodBack"; readonly signal: SignalName; readonly listener: string }
  /** One round of the disposal loop (the first waits for the reactions to `exiting`); then `roundDone`. */
  | { readonly type: "round"; readonly first: boolean }
  /** One more turn of the loop; then `settled`. */
  | { readonly type: "settle" }
  | { readonly type: "timer"; readonly on: boolean }
  /** A signal to die by came while the deadline ran: moved sooner if a supervisor kills that long after it. */
  | { readonly type: "tightenTimer" }
  /** Call every entry not yet run, synchronously, and say why. */
  | { readonly type: "drainSync"; readonly why: DrainWhy }
  /** Tell every worker thread's registry; then `workersDone`. */
  | { readonly type: "stopWorkers"; readonly signal: SignalName }
  /** Flush stdout and stderr; then `flushed`. */
  | { readonly type: "flush" }
  /** Take every listener off now (before the runtime acts as it would without atexit). */
  | { readonly type: "uninstall" }
  /** Raise the signal again with no listener of atexit's (nothing was registered). */
  | { readonly type: "forward"; readonly signal: SignalName }
  /** An uncaught error with nothing registered: as the runtime would handle it. */
  | { readonly type: "crash"; readonly error: unknown; readonly origin: Events["error"]["origin"] }
  | { readonly type: "end"; readonly ending: Ending }
  | { readonly type: "setExitCode"; readonly code: number };

export interface Step {
  readonly state: State;
  readonly effects: readonly Effect[];
}

/** What the table needs to know of the process that does not change. */
export interface Host {
  readonly isMainThread: boolean;
  /** The status the process really ends with for `code` (`code & 0xff` on POSIX). */
  status(code: number): number;
}

type Cell<E extends EventName> = (state: State, event: Extract<Event, { type: E }>, host: Host) => Step;
type Row = { readonly [E in EventName]?: Cell<E> };

const NOTHING: readonly Effect[] = [];
const stay = (state: State): Step => ({ state, effects: NOTHING });
const to = (state: State, phase: Phase, ...effects: Effect[]): Step => ({ state: { ...state, phase }, effects });

// ---- how the process ends ------------------------------------------------------------------

/**
 * How the process ends now that the sequence is over (or was cut short): by the signal it dies
 * by; by exit code 1 after a timeout; else as its trigger says, where a failure makes a status
 * of 0 into 1 for T1 and T2 (docs/exit-paths.md: "A failure is never a success").
 */
export function ending(state: State, host: Host): Ending {
  const { trigger, phase, requestedCode } = state;
  if (state.dieBy !== undefined) return { kind: "signal", signal: state.dieBy };
  if (trigger === undefined || trigger.kind === "exit" || trigger.kind === "signal") return { kind: "code", code: 1 }; // unreachable: T3 ends in `final`, T4 by its signal
  if (trigger.kind === "error") return host.isMainThread ? { kind: "code", code: phase.name === "cut" ? 1 : (requestedCode ?? 1) } : { kind: "rethrow", error: trigger.error };
  if (phase.name === "cut") return { kind: "code", code: 1 };
  if (trigger.kind === "dispose") return { kind: "disposed" };
  const code = requestedCode ?? trigger.code;
  const failedCode = state.failed && host.status(code) === 0 ? 1 : code;
  return trigger.kind === "drain" ? { kind: "drained", code: failedCode } : { kind: "code", code: failedCode };
}

/** The public reason for a trigger: `disposeAsync()` is an `explicit` reason without a code. */
export function reasonOf(trigger: Trigger): ExitReason {
  return trigger.kind === "dispose" ? { kind: "explicit" } : trigger;
}

/** Whether the process listeners are wanted: while a sequence runs, or while there is something to run. */
export function wantsListeners(state: State): boolean {
  switch (state.phase.name) {
    case "running":
    case "settling":
    case "workers":
    case "ending":
    case "cut":
    case "final":
      return true;
    case "idle":
    case "drained":
      return state.occupied;
    case "raised":
    case "disposed":
      return false;
  }
}

// ---- the cells -------------------------------------------------------------------------------

/** A sequence starts: the deadline first (a first entry that hangs is caught too), then the reason, then the first round. */
function start(state: State, trigger: Trigger, ...before: Effect[]): Step {
  const reason = reasonOf(trigger);
  const first = state.trigger === undefined;
  const next: State = { ...state, trigger, failed: false, requestedCode: undefined, dieBy: trigger.kind === "signal" ? trigger.signal : undefined };
  // A sequence after the first (entries added once a drain ended) keeps the first reason; disposeAsync() has no deadline.
  const timer: Effect[] = trigger.kind === "dispose" ? [] : [{ type: "timer", on: true }];
  const publish: Effect[] = first ? [{ type: "publish", reason }] : [];
  return to({ ...next, timer: timer.length > 0 }, { name: "running" }, ...before, ...timer, { type: "traceStarted", reason }, ...publish, { type: "round", first: true });
}

const startDrain: Cell<"drain"> = (state, { code }) => start(state, { kind: "drain", code });
const startExplicit: Cell<"explicit"> = (state, { code, current }) => start(state, { kind: "explicit", code: code ?? current });
const startDispose: Cell<"dispose"> = (state) => start(state, { kind: "dispose" });

function startBySignal(state: State, event: Events["signal"]): Step {
  if (event.takenBy !== undefined) return standBack(state, event);
  return start({ ...state, lastSignal: { signal: event.signal, at: event.at } }, { kind: "signal", signal: event.signal });
}

function startByError(state: State, { error, takenOver }: Events["error"], host: Host): Step {
  if (takenOver) return stay(state);
  const print: Effect[] = host.isMainThread ? [{ type: "printUncaught", error }] : [];
  return start(state, { kind: "error", error }, ...print);
}

/** T3 with no async sequence in progress: every entry is called synchronously. */
function exitNow(state: State, { code }: Events["exit"]): Step {
  const trigger: Trigger = { kind: "exit", code };
  const publish: Effect[] = state.trigger === undefined ? [{ type: "publish", reason: trigger }] : [];
  const drain: Effect = { type: "drainSync", why: { kind: "exit", stoodBack: state.stoodBack } };
  return to({ ...state, trigger: state.trigger ?? trigger, timer: false }, { name: "final" }, ...publish, { type: "traceStarted", reason: trigger }, drain, { type: "traceFinished" });
}

/** Cooperation: the application listens for this signal itself, so it is its to handle; said in the trace, and by the T3 line if it then exits. */
function standBack(state: State, { signal, takenBy }: Events["signal"]): Step {
  const listener = takenBy as string;
  return { state: { ...state, stoodBack: { signal, listener } }, effects: [{ type: "traceStoodBack", signal, listener }] };
}

/** With nothing registered, a signal does what it does without atexit. */
function signalAsTheRuntime(state: State, event: Events["signal"]): Step {
  if (event.takenBy !== undefined) return stay(state);
  return { state, effects: [{ type: "uninstall" }, { type: "forward", signal: event.signal }] };
}

function errorAsTheRuntime(state: State, { error, origin, takenOver }: Events["error"]): Step {
  if (takenOver) return stay(state);
  return { state, effects: [{ type: "uninstall" }, { type: "crash", error, origin }] };
}

/** `atexit.exit(code)` while a sequence runs: only the code the process ends with. */
function requestCode(state: State, { code }: Events["explicit"]): Step {
  return code === undefined ? stay(state) : stay({ ...state, requestedCode: code });
}

function entryFailed(state: State): Step {
  return stay({ ...state, failed: true });
}

/** Thrown by something an entry started: a failure of the sequence, not a new trigger. */
function uncaughtDuringCleanup(state: State, { error }: Events["error"]): Step {
  return { state: { ...state, failed: true }, effects: [{ type: "uncaughtDuringCleanup", error }] };
}

/** A signal within ECHO_MS of the one acted on last: a launcher's copy of the same Ctrl-C. */
function isEcho(state: State, { at }: Events["signal"]): boolean {
  const last = state.lastSignal;
  return last !== undefined && at - last.at < ECHO_MS;
}

/** An echo changes nothing; the trace says so. */
function echo(state: State, { signal, at }: Events["signal"]): Step {
  const last = state.lastSignal as NonNullable<State["lastSignal"]>;
  return { state, effects: [{ type: "traceEcho", signal, first: last.signal, ms: at - last.at }] };
}

/** A signal during the async sequence: T5 if it dies by a signal already, else T5′ (go on, die by it at the end). */
function signalDuringSequence(state: State, event: Events["signal"]): Step {
  if (event.takenBy !== undefined) return standBack(state, event);
  if (isEcho(state, event)) return echo(state, event);
  if (state.dieBy !== undefined) return cutBySignal(state, event);
  const next: State = { ...state, dieBy: event.signal, lastSignal: { signal: event.signal, at: event.at }, timer: true };
  // disposeAsync() had no deadline: the signal's sequence is bounded by the timeout. A drain's
  // deadline stays, unless a supervisor's SIGKILL after this signal comes first (pm2 stop as it drains).
  return { state: next, effects: [state.timer ? { type: "tightenTimer" } : { type: "timer", on: true }] };
}

/** The trace's last line, unless the entries were done already (the worker threads were being waited for). */
function traceFinishedIfRunning(state: State): Effect[] {
  return state.phase.name === "workers" ? [] : [{ type: "traceFinished" }];
}

/** T5: the rest is called synchronously, then death by the second signal. */
function cutBySignal(state: State, { signal, at }: Events["signal"]): Step {
  const why: DrainWhy = { kind: "signal", signal, workers: state.phase.name === "workers" };
  const next: State = { ...state, dieBy: signal, lastSignal: { signal, at }, timer: false };
  return to(next, { name: "cut", by: "signal" }, { type: "timer", on: false }, { type: "drainSync", why }, ...traceFinishedIfRunning(state), { type: "flush" });
}

/** T7: abandoned; the rest is called synchronously; then as the trigger says. */
function cutByTimeout(state: State): Step {
  const why: DrainWhy = { kind: "timeout", workers: state.phase.name === "workers" };
  return to({ ...state, timer: false }, { name: "cut", by: "timeout" }, { type: "drainSync", why }, ...traceFinishedIfRunning(state), { type: "flush" });
}

/** T3 while the async sequence runs: the entry being awaited cannot finish; the rest is called now. */
function cutByExit(state: State): Step {
  const drain: Effect = { type: "drainSync", why: { kind: "exit", stoodBack: state.stoodBack } };
  return to({ ...state, timer: false }, { name: "final" }, { type: "timer", on: false }, drain, { type: "traceFinished" });
}

/** T3 once the entries are done (the workers awaited, the output flushed): what was registered meanwhile is called now. */
function exitWhileEnding(state: State): Step {
  const drain: Effect = { type: "drainSync", why: { kind: "exit", stoodBack: state.stoodBack } };
  return to({ ...state, timer: false }, { name: "final" }, { type: "timer", on: false }, drain);
}

/** A round ended: entries added after a joined run() ended get another; else the sequence is over. */
function roundDone(state: State, _event: unknown, host: Host): Step {
  if (state.occupied) return { state, effects: [{ type: "round", first: false }] };
  // T1: every entry is done, so the deadline is over (T5′ arms it again); one turn lets a late signal in.
  if (state.trigger?.kind === "drain") return to({ ...state, timer: false }, { name: "settling" }, { type: "timer", on: false }, { type: "settle" });
  return finish(state, host);
}

/** The sequence ran to its end: a signal to die by waits for the worker threads first; else the end. */
function finish(state: State, host: Host): Step {
  const traced: Effect = { type: "traceFinished" };
  if (state.dieBy !== undefined && !state.workersStopped) {
    return to({ ...state, workersStopped: true }, { name: "workers" }, traced, { type: "stopWorkers", signal: state.dieBy });
  }
  const end = ending(state, host);
  // The loop ends by itself, or the process goes on: nothing to flush.
  if (end.kind === "drained" || end.kind === "disposed") return to({ ...state, timer: false }, { name: end.kind }, traced, { type: "timer", on: false }, { type: "end", ending: end });
  if (end.kind === "rethrow") return to({ ...state, timer: false }, { name: "raised" }, traced, { type: "timer", on: false }, { type: "uninstall" }, { type: "end", ending: end });
  return to(state, { name: "ending" }, traced, { type: "flush" });
}

const settled: Cell<"settled"> = (state, _event, host) => finish(state, host);
const workersDone: Cell<"workersDone"> = (state) => to(state, { name: "ending" }, { type: "flush" });

/**
 * Output is flushed: the end. An entry registered meanwhile (by a timer an entry started, say) is
 * not lost: after a full sequence it gets another round, still bounded by the deadline; after a
 * sequence cut short it is called at once.
 */
function flushed(state: State, _event: unknown, host: Host): Step {
  if (state.occupied && state.phase.name === "ending" && state.timer) return to(state, { name: "running" }, { type: "round", first: false });
  // The deadline passed while the output was flushed: what is left cannot be awaited any more.
  const why: DrainWhy = state.phase.name === "ending" ? { kind: "timeout", workers: false } : { kind: "late" };
  // Entries left once the deadline passed are cut short by it (T7): they end the process as a cut does.
  const end: State = state.occupied && why.kind === "timeout" ? { ...state, phase: { name: "cut", by: "timeout" } } : state;
  return endNow(end, host, ...(state.occupied ? [{ type: "drainSync", why } as const] : []));
}

/** The deadline passed while the output is flushed: the end comes with the flush, but nothing more is awaited. */
function deadlinePassed(state: State): Step {
  return stay({ ...state, timer: false });
}

function endNow(state: State, host: Host, ...before: Effect[]): Step {
  const end = ending(state, host);
  const phase: Phase = { name: end.kind === "signal" || end.kind === "rethrow" ? "raised" : "final" };
  const uninstall: Effect[] = phase.name === "raised" ? [{ type: "uninstall" }] : [];
  return to({ ...state, timer: false }, phase, ...before, { type: "timer", on: false }, ...uninstall, { type: "end", ending: end });
}

/** A signal while output is flushed: what was registered meanwhile is called now, as at T5; then that signal. */
function signalWhileEnding(state: State, event: Events["signal"], host: Host): Step {
  if (event.takenBy !== undefined) return standBack(state, event);
  if (isEcho(state, event)) return echo(state, event);
  const drain: Effect[] = state.occupied ? [{ type: "drainSync", why: { kind: "signalWhileEnding", signal: event.signal } }] : [];
  return endNow({ ...state, dieBy: event.signal, lastSignal: { signal: event.signal, at: event.at } }, host, ...drain);
}

/** After the last drain: an entry registered by another `exit` listener is called at once. */
function lateInFinal(state: State, { occupied }: Events["occupancy"]): Step {
  return { state: { ...state, occupied }, effects: occupied ? [{ type: "drainSync", why: { kind: "exit", stoodBack: state.stoodBack } }] : NOTHING };
}

/**
 * Once the signal was raised again: on Deno it takes effect a moment later, from another thread, at
 * any moment; so an entry registered meanwhile is called before register() returns, as after
 * process.exit()'s drain (after it, the storm lost 1 such entry in 1,000 Deno children).
 */
function lateWhenRaised(state: State, { occupied }: Events["occupancy"]): Step {
  return { state: { ...state, occupied }, effects: occupied ? [{ type: "drainSync", why: { kind: "late" } }] : NOTHING };
}

const occupancy: Cell<"occupancy"> = (state, { occupied }) => stay({ ...state, occupied });

function setCodeWhileExiting(state: State, { code }: Events["explicit"]): Step {
  return { state, effects: code === undefined ? NOTHING : [{ type: "setExitCode", code }] };
}

/** `atexit.exit()` after `disposeAsync()`: nothing is left to run; the process ends with the code. */
function exitDisposed(state: State, { code, current }: Events["explicit"]): Step {
  return to(state, { name: "final" }, { type: "end", ending: { kind: "code", code: code ?? current } });
}

// ---- the table -------------------------------------------------------------------------------

const idle: Row = {
  occupancy,
  drain: startDrain,
  explicit: startExplicit,
  dispose: startDispose,
  signal: startBySignal,
  error: startByError,
  exit: exitNow,
};

/** During the async sequence and its last turn. */
const sequence: Row = {
  occupancy,
  explicit: requestCode,
  signal: signalDuringSequence,
  error: uncaughtDuringCleanup,
  exit: cutByExit,
  timeout: cutByTimeout,
  failed: entryFailed,
};

/**
 * Each phase's row; an event missing from a row is ignored there (`dispose` while running joins
 * the sequence in progress: the shell hands out its completion). Every pair is walked by
 * test/unit/sequence.test.mjs.
 */
export const TABLE: { readonly [P in PhaseName | "absent"]: Row } = {
  absent: {
    occupancy,
    explicit: startExplicit,
    dispose: startDispose,
    signal: signalAsTheRuntime,
    error: errorAsTheRuntime,
  },
  idle,
  drained: idle,
  running: { ...sequence, roundDone },
  settling: { ...sequence, settled },
  workers: { ...sequence, exit: exitWhileEnding, workersDone },
  ending: { occupancy, explicit: requestCode, signal: signalWhileEnding, error: uncaughtDuringCleanup, exit: exitWhileEnding, timeout: deadlinePassed, failed: entryFailed, flushed },
  cut: { occupancy, signal: signalWhileEnding, error: uncaughtDuringCleanup, exit: exitWhileEnding, flushed },
  final: { occupancy: lateInFinal, explicit: setCodeWhileExiting },
  raised: { occupancy: lateWhenRaised },
  disposed: {
    occupancy,
    explicit: exitDisposed,
    signal: signalAsTheRuntime,
    error: errorAsTheRuntime,
  },
};

/** The table's row for a state: `idle` and `drained` with nothing registered are `absent`, as if atexit were not there. */
export function row(state: State): PhaseName | "absent" {
  const name = state.phase.name;
  return (name === "idle" || name === "drained") && !state.occupied ? "absent" : name;
}

/** The next state and what to do, for one event. */
export function transition(state: State, event: Event, host: Host): Step {
  const cell = TABLE[row(state)][event.type] as Cell<EventName> | undefined;
  return cell === undefined ? stay(state) : cell(state, event as never, host);
}
