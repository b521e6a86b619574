/**
 * The Node.js runtime: process events, signals, exit, stdio.
 *
 * Only documented `process` API is used. The one replacement of a process
 * function, `process.exit` inside {@link NodeRuntime.interceptExit}, lasts only
 * while the registry calls entries synchronously from the `exit` event, where
 * Node would otherwise end the process at once and skip the remaining entries.
 */
import { type IgnoredSignals, signalNumber, signalProblem as platformSignalProblem, wasIgnored } from "./signals.js";
import type { Listening, Runtime, Triggers } from "./types.js";
import { sandboxWarning } from "./sandbox.js";
import { killDeadline, type KillDeadline } from "./supervisors.js";
import { MainThreadLink, WorkerRegistries } from "./workers.js";

/** Thrown by the intercepted `process.exit()` to unwind the entry that called it. */
const interceptedExit: unique symbol = Symbol("atexit: process.exit() called inside a cleanup entry");

type Listener = (...args: any[]) => void;

/** How long signal-exit's listeners are given to act on a re-raised signal (they are synchronous: one turn is enough). */
const SIGNAL_EXIT_TURN_MS = 100;

/** process.exit while entries run synchronously from `exit`: records the code and unwinds the entry. */
const exitInsideEntry = function exit(code?: number | string | null): never {
  // What Node's own exit() does first; the outer exit() then ends with it.
  if (code !== undefined && code !== null) process.exitCode = code;
  throw interceptedExit;
} as typeof process.exit;

/** How long the registry must stay empty before its listeners go (see `#release`). */
export const QUIET_MS = 10;

/** Set once a write to stderr failed: diagnostics then have nowhere to go. */
let stderrGone = false;
let listeningToStderr = false;

/** A listener this runtime added, and how to take it off again. */
interface Installed {
  readonly event: string;
  readonly listener: Listener;
  readonly remove: () => void;
}

/** `/app/server.mjs:3:9` from a stack frame (`    at f (file:///app/server.mjs:3:9)`). */
function frameLocation(frame: string): string | undefined {
  const location = /\(([^()]+:\d+:\d+)\)$/.exec(frame)?.[1] ?? /at ([^ ()]+:\d+:\d+)$/.exec(frame)?.[1];
  return location?.replace(/^file:\/\//, "");
}

let ownFile: string | undefined;
/** This file (or the bundle it is in), as its own frames name it. */
function thisFile(): string | undefined {
  return (ownFile ??= frameLocation(new Error().stack?.split("\n")[1] ?? "")?.replace(/:\d+:\d+$/, ""));
}

/** The application's frame in the stack of a `newListener` event: the first outside the runtime's own modules and this file. */
function callSite(stack: string | undefined): string | undefined {
  const own = thisFile();
  for (const frame of (stack ?? "").split("\n").slice(1)) {
    const location = frameLocation(frame);
    if (location === undefined || /^(node|ext|bun):/.test(location) || (own !== undefined && location.startsWith(own))) continue;
    return location;
  }
  return undefined;
}

/** `onSigterm (app.mjs:3:9)`, `an anonymous function (app.mjs:3:9)`, `onSigterm`. */
function describeListener(listener: Listener, addedAt: string | undefined): string {
  let name: unknown;
  try {
    name = listener.name;
  } catch {
    name = undefined;
  }
  const named = typeof name === "string" && name !== "" ? name : "an anonymous function";
  return addedAt === undefined ? named : `${named} (${addedAt})`;
}

function builtin<T>(id: string): T {
  return process.getBuiltinModule(id) as T;
}

let inspect: typeof import("node:util").inspect | undefined;
export function format(error: unknown): string {
  inspect ??= builtin<typeof import("node:util")>("node:util").inspect;
  return inspect(error);
}

/**
 * How many signal listeners belong to signal-exit (v3 and v4), from the global
 * markers those versions keep. They do not count as the application's: signal-exit
 * itself acts only once it is alone, which it is after atexit re-raises the signal.
 */
function signalExitListeners(): number {
  const v4 = (globalThis as Record<symbol, { count?: unknown } | undefined>)[Symbol.for("signal-exit emitter")];
  const v3 = (process as unknown as { __signal_exit_emitter__?: { count?: unknown } }).__signal_exit_emitter__;
  return (typeof v4?.count === "number" ? v4.count : 0) + (typeof v3?.count === "number" ? v3.count : 0);
}

/**
 * Node.js, and the base of the Bun and Deno runtimes, which implement the
 * same `process` API and differ only where their subclasses say.
 */
export class NodeRuntime implements Runtime {
  #isMainThread: boolean | undefined;
  #installed: Installed[] = [];
  /** What the listeners in #installed were added for. */
  #wanted: Listening | undefined = undefined;
  /** Armed once the listeners are no longer wanted; #unwanted: they are not now; #wantedAgain: they were since the timer was armed. */
  #quietPeriod: ReturnType<typeof setTimeout> | undefined = undefined;
  #unwanted = false;
  #wantedAgain = false;
  /** Where the application added each listener of a signal atexit listens for, seen while atexit listens (`newListener`). */
  readonly #addedAt = new WeakMap<Listener, string>();
  /** Signals ignored when the process started, read once before the first listener changes that. */
  #ignored: IgnoredSignals | undefined = undefined;

  /** Main thread: the worker threads with a registry. A worker thread: its link to the main thread while it listens. */
  #workers: WorkerRegistries | undefined = undefined;
  #mainThread: MainThreadLink | undefined = undefined;

  /**
   * Asking worker_threads costs a module load (1.7–6 ms measured on Node 20/24) that a program
   * without workers should not pay at its first registration: `process.abort` is the runtime's
   * own `abort` on a main thread (Node, Bun and Deno replace it with a stub in workers), so only
   * where it is not is worker_threads asked.
   */
  get isMainThread(): boolean {
    return (this.#isMainThread ??=
      (process.abort as { name?: unknown } | undefined)?.name === "abort" || builtin<typeof import("node:worker_threads")>("node:worker_threads").isMainThread);
  }

  listen(wanted: Listening | undefined): void {
    if (wanted === undefined) return this.#release();
    if (this.#unwanted) {
      this.#unwanted = false;
      this.#wantedAgain = true;
    }
    const current = this.#wanted;
    if (current !== undefined && current.triggers === wanted.triggers && current.catchErrors === wanted.catchErrors && current.signals === wanted.signals) return;
    this.uninstall();
    this.#install(wanted);
  }

  #install(wanted: Listening): void {
    const { triggers, signals, catchErrors } = wanted;
    this.#wanted = wanted;
    this.on("beforeExit", () => triggers.drain());
    // First, whenever it was added: another `exit` listener that calls process.exit() makes Node
    // skip every listener after it, and atexit's entries must not be among them.
    this.on("exit", (code: number) => triggers.exit(code), { prepend: true });
    if (catchErrors) {
      this.on("uncaughtException", (error: unknown, origin?: string) => triggers.error(error, origin === "unhandledRejection" ? "unhandledRejection" : "uncaughtException"));
    }
    // A worker's signal comes from the main thread, through the link, once the main thread's own
    // entries are done; it listens for none itself (Node never calls them there; Deno would).
    if (this.isMainThread) {
      const ignored = (this.#ignored ??= this.ignoredAtStart());
      const taken: (typeof signals)[number][] = [];
      for (const signal of signals) {
        if (wasIgnored(ignored, signal)) this.keepIgnored(signal);
        else taken.push(signal);
      }
      for (const signal of taken) this.on(signal, () => triggers.signal(signal));
      if (taken.length > 0) this.on("newListener", (event: string | symbol, listener: Listener) => this.#noteAddedAt(taken, event, listener));
      this.#workers ??= new WorkerRegistries();
      const workers = this.#workers;
      this.on("worker", (worker: import("node:worker_threads").Worker) => workers.watch(worker));
    } else {
      this.#mainThread = new MainThreadLink((signal) => triggers.signal(signal));
    }
    this.installMore(triggers, catchErrors);
  }

  /** Where the application adds its own listener for a signal atexit listens for: the T3 line can then say where it is. */
  #noteAddedAt(signals: readonly string[], event: string | symbol, listener: Listener): void {
    if (typeof event !== "string" || !signals.includes(event) || this.#adding) return;
    const site = callSite(new Error().stack);
    if (site !== undefined) this.#addedAt.set(listener, site);
  }

  /**
   * Signals whose disposition was "ignore" when the process started (`nohup` ignores SIGHUP): they
   * stay ignored, as without atexit. Node puts every disposition back to the default at start-up,
   * so there are none on Node; Bun and Deno keep them (runtime/bun.ts, deno.ts).
   */
  protected ignoredAtStart(): IgnoredSignals {
    return 0n;
  }

  /** A signal in `signals` that was ignored at start: Node and Bun leave it ignored as long as nobody listens. */
  protected keepIgnored(_signal: string): void {}

  /** Where a runtime needs more listeners than Node's (Bun, Deno). */
  protected installMore(_triggers: Triggers, _catchErrors: boolean): void {}

  #adding = false;

  /** Adds a process listener that `uninstall` removes. */
  protected on(event: string, listener: Listener, { prepend = false }: { prepend?: boolean } = {}): void {
    this.#adding = true;
    try {
      if (prepend) process.prependListener(event as "exit", listener);
      else process.on(event as "exit", listener);
    } finally {
      this.#adding = false;
    }
    this.#installed.push({ event, listener, remove: () => process.removeListener(event, listener) });
  }

  /** Adds a `globalThis` event listener that `uninstall` removes. */
  protected onGlobal(event: string, listener: () => void): void {
    const target = globalThis as unknown as EventTarget;
    target.addEventListener(event, listener);
    this.#installed.push({ event: `global:${event}`, listener, remove: () => target.removeEventListener(event, listener) });
  }

  uninstall(): void {
    if (this.#quietPeriod !== undefined) {
      clearTimeout(this.#quietPeriod);
      this.#quietPeriod = undefined;
    }
    this.#unwanted = false;
    this.#wantedAgain = false;
    for (const { remove } of this.#installed) remove();
    this.#installed.length = 0;
    this.#wanted = undefined;
    this.#mainThread?.close();
    this.#mainThread = undefined;
  }

  stopWorkers(signal: string): Promise<void> | undefined {
    return this.#workers?.stop(signal);
  }

  workersRunning(): string | undefined {
    return this.#workers?.running();
  }

  /**
   * Once the registry has stayed empty for QUIET_MS (one to two periods), not at once: a scope per
   * request would otherwise add and remove three signal handlers per request (≈ 10 µs). One timer
   * per period; a request only flips #wantedAgain. A trigger meanwhile is handled as without atexit.
   */
  #release(): void {
    if (this.#installed.length === 0) return;
    this.#unwanted = true;
    if (this.#quietPeriod !== undefined) return;
    this.#quietPeriod = setTimeout(() => this.#quietPeriodEnded(), this.quietMs);
    this.#quietPeriod.unref();
  }

  /** The quiet period: the listeners go one to two of these after the registry emptied (the SPEC allows 50 ms). */
  protected get quietMs(): number {
    return QUIET_MS;
  }

  /**
   * A signal delivered before the period ended may not be dispatched yet: when the loop was held
   * (a busy machine), the timer comes first in the turn that also has the signal, and a listener
   * gone by then drops it (Node 20, Deno). So the listeners go only after one more turn that
   * dispatches signals (`dispatched`), which handles such a signal as without atexit.
   */
  #quietPeriodEnded(dispatched = false): void {
    if (!this.#unwanted) {
      this.#quietPeriod = undefined;
    } else if (this.#wantedAgain) {
      this.#wantedAgain = false;
      this.#quietPeriod?.refresh();
    } else if (!dispatched) {
      void this.signalsDispatched().then(() => this.#quietPeriodEnded(true));
    } else {
      this.uninstall();
    }
  }

  /** Listeners of a process event that are not atexit's. */
  protected foreignListeners(event: string): Listener[] {
    const ours = new Set<Listener>();
    for (const installed of this.#installed) if (installed.event === event) ours.add(installed.listener);
    return (process.listeners(event as "exit") as Listener[]).filter((listener) => !ours.has(listener));
  }

  signalTakenBy(signal: string): string | undefined {
    const foreign = this.foreignListeners(signal);
    if (foreign.length - signalExitListeners() <= 0) return undefined;
    // signal-exit's are added when it loads, usually first: the application's is the latest.
    const listener = foreign[foreign.length - 1] as Listener;
    return describeListener(listener, this.#addedAt.get(listener));
  }

  errorsTakenOver(): boolean {
    return this.foreignListeners("uncaughtException").length > 0;
  }

  signalProblem(name: string): string | undefined {
    return platformSignalProblem(name);
  }

  exitStatus(code: number): number {
    return process.platform === "win32" ? code >>> 0 : code & 0xff;
  }

  interceptExit<T>(body: () => T): T {
    const original = process.exit;
    process.exit = exitInsideEntry;
    try {
      return body();
    } finally {
      process.exit = original;
    }
  }

  isInterceptedExit(error: unknown): boolean {
    return error === interceptedExit;
  }

  exitCode(): number {
    const code = Number(process.exitCode ?? 0);
    return Number.isInteger(code) ? code : 1;
  }

  setExitCode(code: number): void {
    process.exitCode = code;
  }

  async flush(maxMs: number): Promise<void> {
    // A write replaced by someone else (pm2's cluster mode writes each line to a log file stream of
    // its own) may hold what the stream does not: its empty write calls back once that is written.
    const streams = [process.stdout, process.stderr].filter((stream) => !stream.destroyed && (stream.writableLength > 0 || Object.hasOwn(stream, "write")));
    if (streams.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxMs);
    });
    // An empty write calls back once everything written before it is handed to the OS.
    const written = Promise.all(streams.map((stream) => new Promise<void>((resolve) => stream.write("", () => resolve()))));
    await Promise.race([written, deadline]);
    clearTimeout(timer);
  }

  exit(code: number): void {
    process.exit(code);
  }

  raise(signal: string): void {
    // A worker's sequence for the main thread's signal is over (its link said bye): the main thread raises it.
    if (!this.isMainThread) return;
    process.kill(process.pid, signal);
    // With no listener left, the default action ends the process before kill() returns. Still here:
    // the signal was ignored, as it is for PID 1 of a PID namespace (a container without an init),
    // which has no default signal actions; end the way a container runtime reports death by it.
    const code = 128 + signalNumber(signal);
    if (process.listenerCount(signal) === 0) process.exit(code);
    // Listeners left are signal-exit's: they run their handlers when the signal is dispatched (the
    // next turn) and raise it again themselves. If that did not end the process either, end it so.
    setTimeout(() => process.exit(code), SIGNAL_EXIT_TURN_MS);
  }

  /** One turn: its poll phase reads the signal pipe that a drained loop would not read again. */
  signalsDispatched(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  forward(signal: string): void {
    // In a worker the signal came from the main thread, which raises it itself.
    if (this.isMainThread) process.kill(process.pid, signal);
  }

  rethrow(error: unknown): void {
    process.nextTick(() => {
      throw error;
    });
  }

  formatUncaught(error: unknown): string {
    return `${format(error)}\n\nNode.js ${process.version}`;
  }

  formatError(error: unknown): string {
    return format(error);
  }

  writeDiagnostic(line: string): void {
    const stderr = process.stderr;
    if (stderrGone || stderr.destroyed) return;
    // A closed pipe (the log collector died) makes each write emit EPIPE; unheard, that is an
    // uncaught error, which would be reported here, which fails again: listen once, then stay quiet.
    if (!listeningToStderr) {
      listeningToStderr = true;
      stderr.on("error", () => (stderrGone = true));
    }
    stderr.write(`${line}\n`);
  }

  /** Not performance.now(): its first call loads perf_hooks (≈ 1 ms, on a signal's way to death). */
  now(): number {
    const [seconds, nanoseconds] = process.hrtime();
    return seconds * 1e3 + nanoseconds / 1e6;
  }

  timer(ms: number, callback: () => void): () => void {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  }

  env(name: string): string | undefined {
    return process.env[name];
  }

  sandboxWarning(): string | undefined {
    return sandboxWarning(this.isMainThread);
  }

  killDeadline(): KillDeadline | undefined {
    return killDeadline((name) => this.env(name));
  }
}
