/**
 * Every line atexit writes (docs/exit-paths.md, "What atexit writes on stderr"), and the
 * guard that keeps writing them from ever breaking what they describe: a
 * `report` that throws, an error that cannot be inspected, a name that cannot
 * be read, or a dead stderr each degrade to something plainer, once, and the
 * sequence goes on.
 */
import { onRejection } from "../stack/describe.js";
import { entryName, type Entry } from "../stack/entry.js";
import type { Outcome } from "../stack/disposal.js";
import type { ExitReason } from "./exit-reason.js";
import type { Runtime } from "../runtime/types.js";
import type { KillDeadline } from "../runtime/supervisors.js";

const UNINSPECTABLE = "[error that cannot be inspected]";

function entries(count: number, adjective = ""): string {
  return `${count} ${adjective}${count === 1 ? "entry" : "entries"}`;
}

export class Diagnostics {
  readonly #runtime: Runtime;
  /** The application's `report`, or undefined for stderr. */
  #report: ((line: string) => void) | undefined = undefined;
  trace: boolean;

  constructor(runtime: Runtime, trace: boolean) {
    this.#runtime = runtime;
    this.trace = trace;
  }

  set report(report: ((line: string) => void) | undefined) {
    this.#report = report;
  }

  // ---- the lines -----------------------------------------------------------

  entryFailed(entry: Entry, error: unknown): void {
    this.#emit(`atexit: cleanup entry ${entryName(entry)} failed:\n${this.#format(error)}`);
  }

  uncaughtDuringCleanup(running: Entry | undefined, error: unknown): void {
    this.#emit(`atexit: uncaught error during cleanup${this.#whileRunning(running)}:\n${this.#format(error)}`);
  }

  /**
   * T3: the process is exiting now; `unfinished` async entries were called but cannot be awaited.
   * After atexit left a signal to the application's own listener, the line says so and names it.
   */
  exitCutShort(unfinished: number, stoodBack: { readonly signal: string; readonly listener: string } | undefined): void {
    if (unfinished === 0) return;
    const lost = `${entries(unfinished, "async cleanup ")} could not finish`;
    if (stoodBack === undefined) return this.#emit(`atexit: process.exit() was called; ${lost}. Use atexit.exit() to let them finish.`);
    const { signal, listener } = stoodBack;
    this.#emit(
      `atexit: process.exit() was called after atexit left ${signal} to the application's own listener, ${listener}; ${lost}. ` +
        `Call atexit.exit() in that listener instead of process.exit() to let them finish (or remove it: atexit then handles ${signal} itself).`,
    );
  }

  /** T5. `running`: the entry, or what else ran (the worker threads being waited for). */
  signalCutShort(signal: string, running: Entry | string | undefined, unfinished: number): void {
    this.#emit(`atexit: received ${signal} during cleanup${this.#whileRunning(running)}; ${entries(unfinished, "async cleanup ")} could not finish`);
  }

  /** T7; `supervisor`: the timeout was brought inside a supervisor's kill deadline (pm2's kill_timeout). */
  timedOut(timeout: number, running: Entry | string | undefined, unfinished: number, supervisor?: KillDeadline): void {
    const before = supervisor === undefined ? "" : `, before ${supervisor.supervisor}'s ${supervisor.setting} (${supervisor.ms} ms) ends the process with SIGKILL,`;
    const advice = supervisor === undefined ? "" : `; set a longer ${supervisor.setting} to give it longer`;
    this.#emit(`atexit: cleanup timed out after ${timeout} ms${before}${this.#whileRunning(running)}; ${entries(unfinished, "async cleanup ")} could not finish${advice}`);
  }

  /** Entries can never run at exit where this code runs: a test runner's sandbox or worker pool (the line: runtime/sandbox.ts). */
  cannotRunAtExit(line: string): void {
    this.#emit(line);
  }

  traceStarted(reason: ExitReason, pending: number): void {
    if (!this.trace) return;
    const detail = reason.kind === "signal" ? ` ${reason.signal}` : "";
    this.#emit(`atexit: trace cleanup started (${reason.kind}${detail}), ${entries(pending)} pending`);
  }

  traceEntry(entry: Entry, outcome: Outcome, ms: number): void {
    if (this.trace) this.#emit(`atexit: trace ${entryName(entry)} ${ms.toFixed(1)} ms ${outcome}`);
  }

  /** A signal within ECHO_MS of the first (sequence.ts): the same signal again, not T5. */
  traceEcho(signal: string, first: string, ms: number): void {
    if (this.trace) this.#emit(`atexit: trace ${signal} ${ms.toFixed(1)} ms after ${first}: the same signal again (a launcher's echo), not a second one`);
  }

  /** Cooperation: the application listens for the signal itself. */
  traceStoodBack(signal: string, listener: string): void {
    if (this.trace) this.#emit(`atexit: trace ${signal} left to the application's own listener, ${listener}`);
  }

  traceFinished(ms: number): void {
    if (this.trace) this.#emit(`atexit: trace cleanup finished in ${ms.toFixed(1)} ms`);
  }

  /** T6 on the main thread: the uncaught error, the runtime's way (not through `report`: it is not atexit's line). */
  uncaught(error: unknown): void {
    let text: string;
    try {
      text = this.#runtime.formatUncaught(error);
    } catch {
      text = this.#format(error);
    }
    this.#write(text);
  }

  // ---- the guard -----------------------------------------------------------

  #whileRunning(running: Entry | string | undefined): string {
    if (running === undefined) return "";
    return ` while ${typeof running === "string" ? running : entryName(running)} ran`;
  }

  #format(error: unknown): string {
    try {
      const text: unknown = this.#runtime.formatError(error);
      return typeof text === "string" ? text : UNINSPECTABLE;
    } catch {
      return UNINSPECTABLE;
    }
  }

  #emit(line: string): void {
    const report = this.#report;
    if (report === undefined) return this.#write(line);
    try {
      // A promise it returns is handled here: unhandled, its rejection would be an uncaught error
      // of the sequence, reported through this same function, rejected again, and so on forever.
      onRejection(report(line), (error) => this.#reportFailed(report, "rejected with", error, line));
    } catch (error) {
      // process.exit() inside `report` while entries are called synchronously: as inside an entry,
      // the code is recorded and the function unwound; the line was delivered.
      if (this.#runtime.isInterceptedExit(error)) return;
      this.#reportFailed(report, "threw", error, line);
    }
  }

  /** Once: from now on diagnostics go to stderr, starting with the line `report` did not take. */
  #reportFailed(report: (line: string) => unknown, how: string, error: unknown, line: string): void {
    if (this.#report === report) {
      this.#report = undefined;
      this.#write(`atexit: configure({ report }) ${how} ${this.#summary(error)}; diagnostics go to stderr from now on`);
    }
    this.#write(line);
  }

  #write(text: string): void {
    try {
      this.#runtime.writeDiagnostic(text);
    } catch {
      // stderr is gone: there is nowhere left to say anything.
    }
  }

  /** An error on one line: `TypeError: message`. */
  #summary(error: unknown): string {
    try {
      if (error instanceof Error) return `${error.name}: ${error.message}`.split("\n")[0] as string;
      return String(error).split("\n")[0] as string;
    } catch {
      return UNINSPECTABLE;
    }
  }
}
