/**
 * The options of `atexit.configure()`: their types, defaults, and validation.
 * Every value is checked before any is applied, so a bad call changes nothing.
 */
import { describe } from "../stack/describe.js";
import { DEFAULT_SIGNALS, type SignalName } from "../runtime/signals.js";

/** Options of `atexit.configure()`. Every field is optional; omitted ones keep their value. */
export interface ConfigureOptions {
  /**
   * Milliseconds the whole async termination sequence may take before it is
   * abandoned: from 0 to 2³¹−1 (what timers can wait), or `Infinity`. The default leaves the
   * synchronous rest and the output flush (at most 2 s) inside Docker's 10 s before its SIGKILL.
   * @default 7000
   */
  timeout?: number;
  /**
   * Signals that start the termination sequence (and are raised again after it).
   * Only signals whose default action ends the process.
   * @default ["SIGINT", "SIGTERM", "SIGHUP"] (plus "SIGBREAK" on Windows)
   */
  signals?: readonly SignalName[];
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

/** The options in force. `report` undefined means stderr. */
export interface Options {
  readonly timeout: number;
  readonly signals: readonly SignalName[];
  readonly catchErrors: boolean;
  readonly report: ((line: string) => void) | undefined;
  readonly trace: boolean;
}

const NAMES: readonly string[] = ["timeout", "signals", "catchErrors", "report", "trace"];
/** The longest delay a timer can wait; a longer one fires at once. */
const MAX_TIMEOUT = 2 ** 31 - 1;

export function defaultOptions(trace: boolean): Options {
  return { timeout: 7_000, signals: DEFAULT_SIGNALS, catchErrors: true, report: undefined, trace };
}

/**
 * The options after `configure(options)`; throws a TypeError naming what was received, applying
 * nothing. `signalProblem` says why the runtime cannot take a signal (runtime/signals.ts).
 */
export function configured(current: Options, options: unknown, signalProblem: (signal: string) => string | undefined): Options {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Expected \`options\` to be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!NAMES.includes(key)) throw new TypeError(`Unknown option \`${key}\`: expected one of ${NAMES.join(", ")}`);
  }
  const { timeout, signals, catchErrors, report, trace } = options as Record<string, unknown>;
  if (timeout !== undefined && !(typeof timeout === "number" && ((timeout >= 0 && timeout <= MAX_TIMEOUT) || timeout === Infinity))) {
    throw new TypeError(`Expected \`timeout\` to be a number of milliseconds from 0 to ${MAX_TIMEOUT}, or Infinity, got ${describe(timeout)}`);
  }
  if (signals !== undefined) {
    if (!Array.isArray(signals)) throw new TypeError(`Expected \`signals\` to be an array of signal names, got ${describe(signals)}`);
    for (const signal of signals as unknown[]) {
      if (typeof signal !== "string") throw new TypeError(`Expected \`signals\` to hold signal names such as "SIGTERM", got ${describe(signal)}`);
      const problem = signalProblem(signal);
      if (problem !== undefined) throw new TypeError(`Expected \`signals\` to hold signals whose default action ends the process, got "${signal}": ${problem}`);
    }
  }
  for (const [name, value, type] of [
    ["catchErrors", catchErrors, "boolean"],
    ["report", report, "function"],
    ["trace", trace, "boolean"],
  ] as const) {
    if (value !== undefined && typeof value !== type) throw new TypeError(`Expected \`${name}\` to be a ${type}, got ${describe(value)}`);
  }
  return {
    timeout: (timeout as number | undefined) ?? current.timeout,
    signals: signals === undefined ? current.signals : [...new Set(signals as SignalName[])],
    catchErrors: (catchErrors as boolean | undefined) ?? current.catchErrors,
    report: (report as ((line: string) => void) | undefined) ?? current.report,
    trace: (trace as boolean | undefined) ?? current.trace,
  };
}
