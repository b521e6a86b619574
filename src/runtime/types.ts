/**
 * What the registry needs from a runtime. One implementation per runtime
 * (node.ts, …); the registry never asks which runtime it is on.
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

export interface InstallOptions {
  readonly signals: readonly string[];
  readonly catchErrors: boolean;
}

export interface Runtime {
  /** This thread receives signals (main thread), or not (a worker). */
  readonly isMainThread: boolean;
  /** Adds the process listeners (one per event, whatever the number of entries); keeps those already there for the same options. */
  install(triggers: Triggers, options: InstallOptions): void;
  /** Settles once a signal that arrived as the loop drained has been dispatched to the listeners. */
  signalsDispatched(): Promise<void>;
  /** Removes every listener `install` added, now. */
  uninstall(): void;
  /** The registry no longer needs the listeners: removed now or a moment later, as the runtime allows (an `install` meanwhile keeps them). */
  release(): void;
  /** Someone other than atexit (and signal-exit) listens for this signal: they own it. */
  signalTakenOver(signal: string): boolean;
  /** Someone other than atexit listens for uncaught exceptions: they own them. */
  errorsTakenOver(): boolean;
  /** Runs `body`; a `process.exit(code)` called inside it records `code` and unwinds the caller instead of ending the process now. */
  interceptExit<T>(body: () => T): T;
  /** Whether `error` is the unwinding marker thrown by an intercepted `process.exit()`. */
  isInterceptedExit(error: unknown): boolean;
  /** The exit code the process would end with now. */
  exitCode(): number;
  setExitCode(code: number): void;
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
  /** A monotonic clock in milliseconds (for the trace). */
  now(): number;
  /** The SIGKILL deadline a supervisor announces in the environment (pm2), or undefined. */
  killDeadline(): KillDeadline | undefined;
  /** Reads an environment variable, or undefined where that is not allowed. */
  env(name: string): string | undefined;
}
