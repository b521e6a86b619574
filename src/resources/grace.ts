/**
 * How long a resource is given to end politely before it is forced (an HTTP
 * server's open connections destroyed, a child process killed), from the time
 * left before the sequence is abandoned, less a reserve for the entries still
 * to run after it, so that the timeout never fires because of this resource.
 */

/** The reserve is a quarter of the time left, at most this much. */
const MAX_RESERVE_MS = 1000;

/** Milliseconds from now until the resource must be forced; `withoutDeadline` when the disposal has none (a plain ExitStack, `timeout: Infinity`). */
export function graceMs(timeLeft: number | undefined, withoutDeadline: number): number {
  if (timeLeft === undefined) return withoutDeadline;
  return Math.max(0, timeLeft - Math.min(MAX_RESERVE_MS, timeLeft / 4));
}

/** Calls `force` after `ms` (unless `ms` is Infinity); the returned function cancels it. The timer keeps nothing alive. */
export function forceAfter(ms: number, force: () => void): () => void {
  if (ms === Infinity) return () => {};
  const timer = setTimeout(force, ms);
  timer.unref?.();
  return () => clearTimeout(timer);
}
