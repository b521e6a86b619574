/**
 * The Node.js runtime: process events, signals, exit, stdio.
 *
 * Only documented `process` API is used. The one replacement of a process
 * function, `process.exit` inside {@link NodeRuntime.interceptExit}, lasts only
 * while the registry calls entries synchronously from the `exit` event, where
 * Node would otherwise end the process at once and skip the remaining entries.
 */
import { ignoredSignals, signalNumber } from "./signals.js";
import { killDeadline, type KillDeadline } from "./supervisors.js";
import type { InstallOptions, Runtime, Triggers } from "./types.js";
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

/** How long the registry must stay empty before its listeners go (see `release`). */
export const QUIET_MS = 10;

/** Set once a write to stderr failed: diagnostics then have nowhere to go. */
let stderrGone = false;
let listeningToStderr = false;

/** A listener this runtime added, and how to take it off again. */
interface Installed {
  readonly event: string;
  readonly remove: () => void;
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
  #options: InstallOptions | undefined = undefined;
  /** Armed by `release`; #released: the listeners are not needed now; #reused: they were again since. */
  #releasing: ReturnType<typeof setTimeout> | undefined = undefined;
  #released = false;
  #reused = false;

  /** Signals ignored before atexit first listened (`nohup`): they stay ignored. */
  #ignoredAtStart: ReadonlySet<string> | undefined = undefined;

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

  install(triggers: Triggers, options: InstallOptions): void {
    if (this.#released) {
      this.#released = false;
      this.#reused = true;
    }
    const current = this.#options;
    if (current !== undefined && current.catchErrors === options.catchErrors && current.signals === options.signals) return;
    this.uninstall();
    this.#options = options;
    this.listen("beforeExit", () => triggers.drain());
    this.listen("exit", (code: number) => triggers.exit(code));
    if (options.catchErrors) {
      this.listen("uncaughtException", (error: unknown, origin?: string) => triggers.error(error, origin === "unhandledRejection" ? "unhandledRejection" : "uncaughtException"));
    }
    // A worker's signal comes from the main thread, through the link, once the main thread's own
    // entries are done; it listens for none itself (Node never calls them there; Deno would).
    if (this.isMainThread) {
      this.#ignoredAtStart ??= this.ignoredSignals();
      for (const signal of options.signals) {
        if (this.#ignoredAtStart.has(signal)) this.keepIgnored(signal);
        else this.listen(signal, () => triggers.signal(signal));
      }
      this.#workers ??= new WorkerRegistries();
      const workers = this.#workers;
      this.listen("worker", (worker: import("node:worker_threads").Worker) => workers.watch(worker));
    } else {
      this.#mainThread = new MainThreadLink((signal) => triggers.signal(signal));
    }
    this.installMore(triggers, options);
  }

  /**
   * Signals ignored now (Linux `SigIgn`). Bun and Deno keep one ignored at exec unless a listener
   * comes and goes; Node resets them at start-up (this shows only its own: SIGPIPE, SIGXFSZ).
   */
  protected ignoredSignals(): ReadonlySet<string> {
    try {
      const status = builtin<typeof import("node:fs")>("node:fs").readFileSync("/proc/self/status", "utf8");
      const mask = /^SigIgn:\s*([0-9a-f]+)$/im.exec(status)?.[1];
      return mask === undefined ? new Set() : ignoredSignals(mask);
    } catch {
      return new Set(); // not Linux
    }
  }

  /** A signal in `signals` ignored at start: it stays so while nobody listens (Node, Bun). */
  protected keepIgnored(_signal: string): void {}

  /** Where a runtime needs more listeners than Node's (Bun, Deno). */
  protected installMore(_triggers: Triggers, _options: InstallOptions): void {}

  /** Adds a process listener that `uninstall` removes. */
  protected listen(event: string, listener: Listener): void {
    process.on(event, listener);
    this.#installed.push({ event, remove: () => process.removeListener(event, listener) });
  }

  /** Adds a `globalThis` event listener that `uninstall` removes. */
  protected listenGlobal(event: string, listener: () => void): void {
    const target = globalThis as unknown as EventTarget;
    target.addEventListener(event, listener);
    this.#installed.push({ event: `global:${event}`, remove: () => target.removeEventListener(event, listener) });
  }

  uninstall(): void {
    if (this.#releasing !== undefined) {
      clearTimeout(this.#releasing);
      this.#releasing = undefined;
    }
    this.#released = false;
    this.#reused = false;
    for (const { remove } of this.#installed) remove();
    this.#installed.length = 0;
    this.#options = undefined;
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
   * per period; a request only flips #reused. A trigger meanwhile is handled as without atexit.
   */
  release(): void {
    if (this.#installed.length === 0) return;
    this.#released = true;
    if (this.#releasing !== undefined) return;
    this.#releasing = setTimeout(() => this.#quietPeriodEnded(), QUIET_MS);
    this.#releasing.unref();
  }

  #quietPeriodEnded(): void {
    if (!this.#released) {
      this.#releasing = undefined;
    } else if (this.#reused) {
      this.#reused = false;
      this.#releasing?.refresh();
    } else {
      this.uninstall();
    }
  }

  #ours(event: string): number {
    let count = 0;
    for (const installed of this.#installed) if (installed.event === event) count++;
    return count;
  }

  /** Listeners of a process event that are not atexit's. */
  protected foreignListeners(event: string): number {
    return process.listenerCount(event) - this.#ours(event);
  }

  signalTakenOver(signal: string): boolean {
    return this.foreignListeners(signal) - signalExitListeners() > 0;
  }

  errorsTakenOver(): boolean {
    return this.foreignListeners("uncaughtException") > 0;
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
    // A replaced write (pm2's cluster mode: a log file stream of its own) calls back once written too.
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

  env(name: string): string | undefined {
    return process.env[name];
  }

  killDeadline(): KillDeadline | undefined {
    return killDeadline((name) => this.env(name));
  }
}
