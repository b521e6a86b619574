/**
 * What the termination shell needs from a runtime. One implementation per
 * runtime (node.ts, …); the process layer never asks which runtime it is on.
 */
import type { KillDeadline } from "./supervisors.js";

/** The process events the registry acts on, as the runtime reports them. */
export interface Triggers {
  /** The event loop has drained (Node's `beforeExit`). May run async work. */
  drain(): void;
  /** The process is exiting now (Node's `exit`): only synchronous work can run. */
  exit(code: number): void;
  /** A terminating signal arrived. */
  signal(name: string): void;
  /** An uncaught exception or unhandled rejection that would crash the process. */
  error(error: unknown, origin: "uncaughtException" | "unhandledRejection"): void;
}

/** The listeners wanted: where to report, and for which signals and errors. */
export interface Listening {
  readonly triggers: Triggers;
  readonly signals: readonly string[];
  readonly catchErrors: boolean;
}

export interface Runtime {
  /** This thread receives signals (main thread), or not (a worker). */
  readonly isMainThread: boolean;
  /**
   * The listeners wanted now (one per event, whatever the number of entries), or none. The runtime
   * owns what is installed: it keeps listeners already there for the same options, and takes them
   * off now or a moment later, as it allows (a request meanwhile keeps them).
   */
  listen(wanted: Listening | undefined): void;
  /** Takes every listener off, now (before the runtime acts as it would without atexit). */
  uninstall(): void;
  /** Settles once a signal that arrived as the loop drained has been dispatched to the listeners. */
  signalsDispatched(): Promise<void>;
  /** The application's own listener for this signal (not atexit's or signal-exit's), named for a diagnostic; undefined if it has none. */
  signalTakenBy(signal: string): string | undefined;
  /** Someone other than atexit listens for uncaught exceptions: they own them. */
  errorsTakenOver(): boolean;
  /** Why `configure({ signals })` must refuse `name` on this runtime, or undefined if it can take it. */
  signalProblem(name: string): string | undefined;
  /** Runs `body`; a `process.exit(code)` called inside it records `code` and unwinds the caller instead of ending the process now. */
  interceptExit<T>(body: () => T): T;
  /** Whether `error` is the unwinding marker thrown by an intercepted `process.exit()`. */
  isInterceptedExit(error: unknown): boolean;
  /** The exit code the process would end with now. */
  exitCode(): number;
  setExitCode(code: number): void;
  /** The status a parent sees for exit code `code` (`code & 0xff` on POSIX). */
  exitStatus(code: number): number;
  /** Waits (at most `maxMs`) until stdout and stderr have handed their buffers to the OS. */
  flush(maxMs: number): Promise<void>;
  /** Ends the process (or this worker) with `code`. */
  exit(code: number): void;
  /**
   * Raises `signal` again on this process, so the parent sees death by that signal; where that does
   * not end it (PID 1), exits with 128 + the signal's number. In a worker thread, whose signal came
   * from the main thread, nothing: the main thread raises it once every worker has finished.
   */
  raise(signal: string): void;
  /** Raises `signal` again with no listener of atexit's left: what the runtime does without atexit (no fallback); nothing in a worker. */
  forward(signal: string): void;
  /** Main thread: tells every worker thread with a registry that the process ends by `signal`; settles once each has finished. Undefined when there is none. */
  stopWorkers(signal: string): Promise<void> | undefined;
  /** The worker threads `stopWorkers` still waits for, named for a diagnostic (`worker thread 2`). */
  workersRunning(): string | undefined;
  /** Re-throws an uncaught error the runtime's own way (for workers: the parent's `error` event). */
  rethrow(error: unknown): void;
  /** The text the runtime itself prints for an uncaught error. */
  formatUncaught(error: unknown): string;
  /** An error with its stack, for a diagnostic line. */
  formatError(error: unknown): string;
  /** Writes one diagnostic line to stderr. */
  writeDiagnostic(line: string): void;
  /** A monotonic clock in milliseconds. */
  now(): number;
  /** Calls `callback` once after `ms` on that clock (keeping the process alive meanwhile); returns what cancels it. */
  timer(ms: number, callback: () => void): () => void;
  /** The line to print once where entries can never run at exit (a test runner's sandbox or worker pool), or undefined. */
  sandboxWarning(): string | undefined;
  /** A supervisor's kill deadline known from inside the process (pm2's kill_timeout), or undefined. */
  killDeadline(): KillDeadline | undefined;
  /** Reads an environment variable, or undefined where that is not allowed. */
  env(name: string): string | undefined;
}
