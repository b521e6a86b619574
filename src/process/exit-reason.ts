/**
 * Why the termination sequence started, and the same as an `AbortError` for
 * `atexit.signal.reason`.
 */
import type { SignalName } from "../runtime/signals.js";

/**
 * Why the termination sequence started, by `kind`:
 *
 * - `drain`: the event loop emptied (T1); `code` is `process.exitCode` then.
 * - `explicit`: `atexit.exit(code)` (with `code`) or `atexit.disposeAsync()` (without).
 * - `exit`: `process.exit(code)` (T3).
 * - `signal`: a signal from `signals` (T4), named in `signal`.
 * - `error`: an uncaught exception or unhandled rejection (T6), in `error`.
 *
 * @example
 * ```ts
 * const reason = await atexit.exiting;
 * if (reason.kind === "signal") console.log("killed by", reason.signal);
 * ```
 */
export type ExitReason =
  | { readonly kind: "drain"; readonly code: number }
  | { readonly kind: "explicit"; readonly code?: number }
  | { readonly kind: "exit"; readonly code: number }
  | { readonly kind: "signal"; readonly signal: SignalName }
  | { readonly kind: "error"; readonly error: unknown };

/** An `Error` named `AbortError` (what `fetch` and `events.once` users check for) carrying the reason's fields. */
export function abortError(reason: ExitReason): Error {
  const detail = reason.kind === "signal" ? reason.signal : "code" in reason && reason.code !== undefined ? `${reason.kind} ${reason.code}` : reason.kind;
  const error = new Error(`This operation was aborted: the process is terminating (${detail})`);
  Object.defineProperty(error, "name", { value: "AbortError", writable: true, enumerable: false, configurable: true });
  return Object.assign(error, reason);
}
