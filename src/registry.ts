/**
 * The process registry: one `ExitStack` per JavaScript thread, disposed once
 * when the process terminates, however it terminates (SPEC §2.2, §3).
 *
 * State: `open` → `running` (the termination sequence) → `ended`, or
 * `abandoned` when a timeout or a second signal cut the sequence short.
 * Data flows one way: runtime trigger → registry → stack → entries.
 */
import { describe, describeEntry, ExitStack, internals, type EntryKind, type EntryObserver } from "./exit-stack.js";
import type { Runtime, Triggers } from "./runtime/types.js";

/**
 * Why the termination sequence started.
 *
 * - `drain`: the event loop emptied (T1); `code` is `process.exitCode` then.
 * - `explicit`: `atexit.exit(code)` (with `code`) or `atexit.disposeAsync()` (without).
 * - `exit`: `process.exit(code)` (T3).
 * - `signal`: a signal from `signals` (T4), named in `signal`.
 * - `error`: an uncaught exception or unhandled rejection (T6), in `error`.
 */
export interface ExitReason {
  kind: "drain" | "exit" | "signal" | "error" | "explicit";
  code?: number;
  signal?: string;
  error?: unknown;
}

/** Options of {@link ProcessRegistry.configure}. Every field is optional; omitted ones keep their value. */
export interface ConfigureOptions {
  /**
   * Milliseconds the whole async termination sequence may take before it is abandoned.
   * @default 10000
   */
  timeout?: number;
  /**
   * Signals that start the termination sequence (and are raised again after it).
   * @default ["SIGINT", "SIGTERM", "SIGHUP"] (plus "SIGBREAK" on Windows)
   */
  signals?: readonly string[];
  /**
   * Whether uncaught exceptions and unhandled rejections run the sequence (then exit code 1).
   * @default true
   */
  catchErrors?: boolean;
  /**
   * Receives each diagnostic line (failures, notices, the trace).
   * @default a function writing the line to stderr
   */
  report?: (line: string) => void;
  /**
   * Report one line per entry as the sequence runs: its name, its duration, whether it failed.
   * @default false, or true when the environment has ATEXIT_TRACE=1
   */
  trace?: boolean;
}

type Phase = "open" | "running" | "ended" | "abandoned";

/** How long stdout/stderr may take to drain into a pipe before the process ends anyway. */
const FLUSH_MS = 2000;
const NEVER: Promise<never> = new Promise<never>(() => {});
const OPTION_NAMES = new Set(["timeout", "signals", "catchErrors", "report", "trace"]);
/** Methods that stay usable when taken off the registry: `const { register } = atexit`. */
const BOUND_METHODS = [
  "use",
  "adopt",
  "defer",
  "register",
  "unregister",
  "adoptWeak",
  "scope",
  "move",
  "run",
  "clear",
  "disposeAsync",
  "exit",
  "configure",
] as const;

function entries(count: number): string {
  return count === 1 ? "1 entry" : `${count} entries`;
}

/**
 * The process registry: the default export of `atexit`. An {@link ExitStack}
 * that the process itself disposes when it terminates.
 *
 * @example
 * ```ts
 * import atexit from "atexit";
 *
 * atexit.register(() => console.log("bye"));
 * await using scope = atexit.scope();
 * ```
 */
export class ProcessRegistry extends ExitStack {
  readonly #runtime: Runtime;
  #phase: Phase = "open";
  #reason: ExitReason | undefined = undefined;
  #controller: AbortController | undefined = undefined;
  #exiting: Promise<ExitReason> | undefined = undefined;
  #resolveExiting: ((reason: ExitReason) => void) | undefined = undefined;
  #installed = false;
  /** An entry failed during the sequence: T1/T2 then end with 1 instead of 0. */
  #failed = false;
  /** `atexit.exit(code)` called while the sequence runs. */
  #requestedCode: number | undefined = undefined;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  #sequence: Promise<unknown> | undefined = undefined;

  #timeout = 10_000;
  #signals: readonly string[];
  #catchErrors = true;
  #report: (line: string) => void;
  #trace: boolean;

  // The entry running now: named by the timeout message and the trace.
  #currentKind: EntryKind = -1;
  #currentFn: unknown = undefined;
  #currentValue: unknown = undefined;
  #currentStart = 0;

  readonly #triggers: Triggers = {
    drain: () => this.#onDrain(),
    exit: (code) => this.#onExit(code),
    signal: (name) => this.#onSignal(name),
    error: (error) => this.#onError(error),
  };

  readonly #observer: EntryObserver = {
    traced: () => this.#trace,
    enter: (kind, fn, value) => {
      this.#currentKind = kind;
      this.#currentFn = fn;
      this.#currentValue = value;
      if (this.#trace) this.#currentStart = this.#runtime.now();
    },
    leave: (failed, error) => {
      const kind = this.#currentKind;
      this.#currentKind = -1;
      if (failed && this.#runtime.isInterceptedExit(error)) failed = false;
      if (failed) {
        this.#failed = true;
        this.#report(`atexit: cleanup entry ${this.#currentName(kind)} failed:\n${this.#runtime.formatError(error)}`);
      }
      if (this.#trace) {
        const ms = (this.#runtime.now() - this.#currentStart).toFixed(1);
        this.#report(`atexit: trace ${this.#currentName(kind)} ${ms} ms ${failed ? "failed" : "ok"}`);
      }
    },
  };

  /** @internal Use the default export; there is one registry per thread. */
  constructor(runtime: Runtime) {
    super();
    this.#runtime = runtime;
    this.#signals = runtime.defaultSignals;
    this.#report = (line) => runtime.writeDiagnostic(line);
    this.#trace = runtime.env("ATEXIT_TRACE") === "1";
    const self = this as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of BOUND_METHODS) self[name] = (self[name] as (...args: unknown[]) => unknown).bind(this);
    internals.observeOccupancy(this, () => this.#syncListeners());
  }

  /**
   * Aborted when the termination sequence starts; `signal.reason` is the {@link ExitReason}.
   *
   * @example
   * ```ts
   * await fetch(url, { signal: atexit.signal }); // cancelled on Ctrl-C
   * ```
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /**
   * Resolves with the {@link ExitReason} when the termination sequence starts.
   *
   * @example
   * ```ts
   * atexit.exiting.then((reason) => console.log("shutting down:", reason.kind));
   * ```
   */
  get exiting(): Promise<ExitReason> {
    if (this.#exiting === undefined) {
      this.#exiting =
        this.#reason !== undefined
          ? Promise.resolve(this.#reason)
          : new Promise((resolve) => {
              this.#resolveExiting = resolve;
            });
    }
    return this.#exiting;
  }

  /**
   * `undefined` while the process runs; the {@link ExitReason} once the sequence has started.
   *
   * @example
   * ```ts
   * if (atexit.reason?.kind === "signal") console.log("killed by", atexit.reason.signal);
   * ```
   */
  get reason(): ExitReason | undefined {
    return this.#reason;
  }

  /**
   * Graceful exit: runs the termination sequence (each entry awaited, bounded
   * by `timeout`), then ends the process with `code` (1 if an entry failed
   * and `code` was 0). Called while the sequence already runs, it only sets the
   * code; its promise never settles, so an entry must not await it.
   *
   * @param code the exit code. @default `process.exitCode ?? 0`
   * @throws {TypeError} if `code` is not an integer.
   * @example
   * ```ts
   * server.on("error", () => atexit.exit(1));
   * ```
   */
  exit(code?: number): Promise<never> {
    if (code !== undefined && !Number.isInteger(code)) {
      throw new TypeError(`Expected \`code\` to be an integer or undefined, got ${describe(code)}`);
    }
    if (this.#phase === "running") {
      if (code !== undefined) this.#requestedCode = code;
    } else if (this.#phase !== "abandoned") {
      void this.#terminate({ kind: "explicit", code: code ?? this.#runtime.exitCode() });
    }
    return NEVER;
  }

  /**
   * Runs the termination sequence now, without exiting: every entry is
   * disposed (failures reported as they happen) and the registry is disposed.
   * Rejects with the chained error if any entry failed.
   *
   * @example
   * ```ts
   * await atexit.disposeAsync(); // e.g. in a test harness's teardown
   * ```
   */
  override async disposeAsync(): Promise<void> {
    if (this.#sequence !== undefined && this.#phase === "running") {
      await this.#sequence;
      return;
    }
    if (internals.isDisposed(this)) return;
    const completion = await this.#terminate({ kind: "explicit" });
    if (completion.failed) throw completion.error;
  }

  /**
   * Changes how termination is handled. Every value is checked before any is applied.
   *
   * @throws {TypeError} naming the option and the value received, if one is invalid.
   * @example
   * ```ts
   * atexit.configure({ timeout: 5_000, trace: true });
   * ```
   */
  configure(options: ConfigureOptions): void {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`Expected \`options\` to be an object, got ${describe(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.has(key)) {
        throw new TypeError(`Unknown option \`${key}\`: expected one of ${[...OPTION_NAMES].join(", ")}`);
      }
    }
    const { timeout, signals, catchErrors, report, trace } = options;
    if (timeout !== undefined && !(typeof timeout === "number" && timeout >= 0 && (Number.isFinite(timeout) || timeout === Infinity))) {
      throw new TypeError(`Expected \`timeout\` to be a number of milliseconds >= 0, got ${describe(timeout)}`);
    }
    if (signals !== undefined) {
      if (!Array.isArray(signals)) {
        throw new TypeError(`Expected \`signals\` to be an array of signal names, got ${describe(signals)}`);
      }
      for (const signal of signals) {
        if (typeof signal !== "string" || !this.#runtime.isSignal(signal)) {
          throw new TypeError(`Expected \`signals\` to hold catchable signal names such as "SIGTERM", got ${describe(signal)}`);
        }
      }
    }
    if (catchErrors !== undefined && typeof catchErrors !== "boolean") {
      throw new TypeError(`Expected \`catchErrors\` to be a boolean, got ${describe(catchErrors)}`);
    }
    if (report !== undefined && typeof report !== "function") {
      throw new TypeError(`Expected \`report\` to be a function, got ${describe(report)}`);
    }
    if (trace !== undefined && typeof trace !== "boolean") {
      throw new TypeError(`Expected \`trace\` to be a boolean, got ${describe(trace)}`);
    }
    if (timeout !== undefined) this.#timeout = timeout;
    if (report !== undefined) this.#report = report;
    if (trace !== undefined) this.#trace = trace;
    if (signals !== undefined || catchErrors !== undefined) {
      if (signals !== undefined) this.#signals = [...new Set(signals as string[])];
      if (catchErrors !== undefined) this.#catchErrors = catchErrors;
      if (this.#installed) this.#install();
    }
  }

  // ---- listeners -------------------------------------------------------

  /** Nothing is installed while the registry is empty and no sequence runs (SPEC §3). */
  #syncListeners(): void {
    const wanted = this.#phase !== "abandoned" && (this.size > 0 || this.#phase === "running");
    if (wanted === this.#installed) return;
    if (wanted) this.#install();
    else this.#uninstall();
  }

  #install(): void {
    this.#runtime.install(this.#triggers, { signals: this.#signals, catchErrors: this.#catchErrors });
    this.#installed = true;
  }

  #uninstall(): void {
    this.#runtime.uninstall();
    this.#installed = false;
  }

  // ---- triggers --------------------------------------------------------

  /** T1: the event loop drained. */
  #onDrain(): void {
    if (this.#phase === "running") return;
    void this.#terminate({ kind: "drain", code: this.#runtime.exitCode() });
  }

  /** T4, or T5 when a sequence already runs. */
  #onSignal(signal: string): void {
    if (this.#runtime.signalTakenOver(signal)) return; // the application handles it
    if (this.#phase === "running") {
      this.#report(`atexit: received ${signal} during cleanup; stopping now, ${entries(this.size)} never ran`);
      this.#abandon();
      this.#runtime.raise(signal);
      return;
    }
    void this.#terminate({ kind: "signal", signal });
  }

  /** T6: an uncaught exception or unhandled rejection. */
  #onError(error: unknown): void {
    if (this.#runtime.errorsTakenOver()) return; // the application handles it
    if (this.#phase === "running") {
      // Thrown by something an entry started: a failure of the sequence, not a new trigger.
      this.#failed = true;
      const during = this.#currentKind >= 0 ? ` while ${this.#currentName(this.#currentKind)} ran` : "";
      this.#report(`atexit: uncaught error during cleanup${during}:\n${this.#runtime.formatError(error)}`);
      return;
    }
    // A worker's error is reported by its parent, from the rethrow at the end.
    if (this.#runtime.isMainThread) this.#runtime.writeDiagnostic(this.#runtime.formatUncaught(error));
    void this.#terminate({ kind: "error", error });
  }

  /** T3: `process.exit()`: only synchronous work can run now. */
  #onExit(code: number): void {
    if (this.#phase === "abandoned") return;
    if (this.#reason === undefined) this.#start({ kind: "exit", code });
    // An entry the async sequence was awaiting when process.exit() came cannot finish either.
    let unfinished = this.#currentKind >= 0 ? 1 : 0;
    this.#currentKind = -1;
    this.#phase = "running";
    unfinished += this.#runtime.interceptExit(() => internals.drainSync(this, this.#observer));
    this.#phase = "ended";
    this.#clearTimer();
    // Listeners stay: the process (or worker) ends right after the exit listeners.
    if (unfinished > 0) {
      this.#report(
        `atexit: process.exit() was called; ${unfinished} async cleanup ${unfinished === 1 ? "entry" : "entries"} could not finish. ` +
          "Use atexit.exit() to let them finish.",
      );
    }
  }

  // ---- the sequence ----------------------------------------------------

  /** Records the reason and tells everyone who waits for it. */
  #start(reason: ExitReason): void {
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#resolveExiting?.(reason);
    this.#resolveExiting = undefined;
  }

  #terminate(reason: ExitReason): Promise<{ failed: boolean; error: unknown }> {
    const sequence = this.#runSequence(reason);
    this.#sequence = sequence;
    return sequence;
  }

  async #runSequence(reason: ExitReason): Promise<{ failed: boolean; error: unknown }> {
    // A sequence after the first (entries added once it ended) keeps the first reason.
    if (this.#reason === undefined) this.#start(reason);
    this.#phase = "running";
    this.#syncListeners();
    const ending = reason.kind !== "explicit" || reason.code !== undefined;
    // The deadline starts before any entry runs, so a first entry that hangs is caught too.
    if (ending && this.#timeout !== Infinity) this.#timer = setTimeout(() => this.#onTimeout(reason), this.#timeout);
    const started = this.#trace ? this.#runtime.now() : 0;
    if (this.#trace) this.#report(`atexit: trace cleanup started (${reason.kind}${reason.signal ? ` ${reason.signal}` : ""}), ${entries(this.size)} pending`);
    const completion = await internals.dispose(this, this.#observer);
    // Abandoned meanwhile (timeout, second signal) or ended by process.exit(): nothing more to do.
    if (this.#phase !== "running") return completion;
    this.#clearTimer();
    if (this.#trace) this.#report(`atexit: trace cleanup finished in ${(this.#runtime.now() - started).toFixed(1)} ms`);
    if (completion.failed) this.#failed = true;
    this.#phase = "ended";
    if (!ending) internals.markDisposed(this);
    this.#syncListeners();
    await this.#end(reason);
    return completion;
  }

  /** Ends the process the way the trigger says (SPEC §3, last column). */
  async #end(reason: ExitReason): Promise<void> {
    const runtime = this.#runtime;
    switch (reason.kind) {
      case "drain": {
        // Let the loop end by itself: the one exit that never truncates piped output.
        const code = this.#requestedCode ?? runtime.exitCode();
        runtime.setExitCode(this.#failed && code === 0 ? 1 : code);
        return;
      }
      case "explicit": {
        if (reason.code === undefined) return; // disposeAsync(): no exit
        const code = this.#requestedCode ?? reason.code;
        await runtime.flush(FLUSH_MS);
        runtime.exit(this.#failed && code === 0 ? 1 : code);
        return;
      }
      case "signal":
        await runtime.flush(FLUSH_MS);
        this.#uninstall();
        runtime.raise(reason.signal as string);
        return;
      case "error":
        if (!runtime.isMainThread) {
          this.#uninstall();
          runtime.rethrow(reason.error);
          return;
        }
        await runtime.flush(FLUSH_MS);
        runtime.exit(this.#requestedCode ?? 1);
        return;
      case "exit":
        return; // T3 is handled synchronously in #onExit
    }
  }

  /** T7: the sequence took longer than `timeout`. */
  #onTimeout(reason: ExitReason): void {
    this.#timer = undefined;
    if (this.#phase !== "running") return;
    const running = this.#currentKind >= 0 ? this.#currentName(this.#currentKind) : "no entry (awaiting the runtime)";
    this.#report(`atexit: cleanup timed out after ${this.#timeout} ms while running ${running}; ${entries(this.size)} never ran`);
    this.#abandon();
    if (reason.kind === "signal") {
      this.#runtime.raise(reason.signal as string);
    } else if (reason.kind === "error" && !this.#runtime.isMainThread) {
      this.#runtime.rethrow(reason.error);
    } else {
      void this.#runtime.flush(FLUSH_MS).then(() => this.#runtime.exit(1));
    }
  }

  /** Stops the sequence for good: what is pending never runs. */
  #abandon(): void {
    this.#phase = "abandoned";
    this.#clearTimer();
    ExitStack.prototype.clear.call(this);
    this.#uninstall();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #currentName(kind: EntryKind): string {
    return describeEntry(kind, this.#currentFn, this.#currentValue);
  }
}

Object.defineProperty(ProcessRegistry.prototype, Symbol.asyncDispose, {
  value: ProcessRegistry.prototype.disposeAsync,
  writable: true,
  configurable: true,
});
