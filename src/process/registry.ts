/**
 * The process registry: one `ExitStack` per JavaScript thread, disposed once
 * when the process terminates, however it terminates. This file is its public
 * face (`signal`, `exiting`, `reason`, `exit`, `disposeAsync`, `configure`);
 * the termination itself is sequence.ts (the table) run by termination.ts
 * (its shell), the lines it writes diagnostics.ts, the options options.ts;
 * what `use()` drains better than a value's own method is its policy
 * (src/resources/). Data flows one way: runtime trigger → shell → table →
 * effects on the stack → entries.
 */
import { describe } from "../stack/describe.js";
import { Diagnostics } from "./diagnostics.js";
import { abortError, type ExitReason } from "./exit-reason.js";
import { coreOf, ExitStack } from "../stack/exit-stack.js";
import { resourcePolicy } from "../resources/index.js";
import type { Runtime } from "../runtime/types.js";
import { configured, defaultOptions, type ConfigureOptions, type Options } from "./options.js";
import { Termination } from "./termination.js";

const NEVER: Promise<never> = new Promise<never>(() => {});
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
  #options: Options;
  readonly #diagnostics: Diagnostics;
  readonly #runtime: Runtime;
  readonly #sequence: Termination;
  #reason: ExitReason | undefined = undefined;
  #controller: AbortController | undefined = undefined;
  #exiting: Promise<ExitReason> | undefined = undefined;
  #resolveExiting: ((reason: ExitReason) => void) | undefined = undefined;

  /** @internal Use the default export; there is one registry per thread. */
  constructor(runtime: Runtime) {
    super();
    this.#runtime = runtime;
    this.#options = defaultOptions(runtime.env("ATEXIT_TRACE") === "1");
    this.#diagnostics = new Diagnostics(runtime, this.#options.trace);
    const core = coreOf(this);
    core.policy = resourcePolicy;
    this.#sequence = new Termination({
      core,
      runtime,
      diagnostics: this.#diagnostics,
      options: () => this.#options,
      started: (reason) => this.#started(reason),
      reactionsRun: () => this.#exiting,
    });
    core.entries.onOccupancy = (occupied) => this.#sequence.occupancyChanged(occupied);
    core.disposedMessage = (method) =>
      `Cannot call ${method}() on the process registry: atexit.move() or atexit.disposeAsync() has disposed it, so nothing could run at exit`;
    const self = this as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of BOUND_METHODS) self[name] = (self[name] as (...args: unknown[]) => unknown).bind(this);
  }

  /**
   * Aborted when the termination sequence starts, before any entry is called;
   * `signal.reason` is an `Error` named `AbortError` carrying the
   * {@link ExitReason}'s fields.
   *
   * @example
   * ```ts
   * await fetch(url, { signal: atexit.signal }); // cancelled on Ctrl-C
   * ```
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(abortError(this.#reason));
    }
    return this.#controller.signal;
  }

  /**
   * Resolves with the {@link ExitReason} when the termination sequence starts;
   * its reactions run before the first entry is called.
   *
   * @example
   * ```ts
   * atexit.exiting.then((reason) => console.log("shutting down:", reason.kind));
   * ```
   */
  get exiting(): Promise<ExitReason> {
    this.#exiting ??=
      this.#reason !== undefined
        ? Promise.resolve(this.#reason)
        : new Promise((resolve) => {
            this.#resolveExiting = resolve;
          });
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
    // The range process.exit() takes: beyond it the runtime would refuse the code only at the end.
    if (code !== undefined && !Number.isSafeInteger(code)) {
      throw new RangeError(`Expected \`code\` to be an integer from -(2^53 - 1) to 2^53 - 1, got ${describe(code)}`);
    }
    this.#sequence.explicitExit(code);
    return NEVER;
  }

  /**
   * Runs the termination sequence now, without exiting: every entry is
   * disposed (failures reported as they happen) and the registry is disposed.
   * Rejects with the chained error if any entry failed. During a sequence, it
   * waits for that one.
   *
   * @example
   * ```ts
   * await atexit.disposeAsync(); // e.g. in a test harness's teardown
   * ```
   */
  override async disposeAsync(): Promise<void> {
    if (this.disposed && !this.#sequence.running) return;
    const completion = await this.#sequence.dispose();
    if (completion?.failed) throw completion.error;
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
    const previous = this.#options;
    const next = configured(previous, options, (signal) => this.#runtime.signalProblem(signal));
    this.#options = next;
    this.#diagnostics.report = next.report;
    this.#diagnostics.trace = next.trace;
    if (next.signals !== previous.signals || next.catchErrors !== previous.catchErrors) this.#sequence.reinstall();
  }

  /** Records the reason and tells everyone who waits for it, before any entry is called. */
  #started(reason: ExitReason): void {
    this.#reason = reason;
    this.#controller?.abort(abortError(reason));
    this.#resolveExiting?.(reason);
    this.#resolveExiting = undefined;
  }
}

Object.defineProperty(ProcessRegistry.prototype, Symbol.asyncDispose, {
  value: ProcessRegistry.prototype.disposeAsync,
  writable: true,
  configurable: true,
});
