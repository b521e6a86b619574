/**
 * The disposal loops over a stack's entries:
 *
 * - `disposeEntries`: spec DisposeResources, asynchronous: top entry first,
 *   each awaited; entries pushed meanwhile are on top and run next. One loop
 *   per stack: a second caller (a `run()` during the sequence, a
 *   `disposeAsync()` from inside an entry) joins the loop in progress.
 * - `drainSync`: what a process that is exiting now can still do (T3, or a
 *   sequence cut short): every entry not yet run is called synchronously,
 *   innermost in-flight scope first, and nothing is awaited.
 *
 * A `scope()` child is disposed in its place. A child whose own disposal is in
 * progress keeps its place until that settles; a loop that reaches it waits
 * there, so nothing below it runs while one of its entries is in flight.
 *
 * Nothing an observer does can stop, skip, reorder or repeat an entry: every
 * observer call is guarded, and each loop settles its state in `finally`.
 */
import { isObject } from "./describe.js";
import { abandon, invoke, invokeNow, isCollected, scopeOf, takesContext, type DisposalContext, type Entry } from "./entry.js";
import { leaveParent, type StackCore } from "./core.js";
import { chainErrors } from "./suppressed-error.js";

/** The outcome of a disposal loop: the spec's completion record, reduced. */
export interface Completion {
  failed: boolean;
  error: unknown;
}

/** How an entry ended: settled, threw or rejected, or called without being awaited (or cut short). */
export type Outcome = "ok" | "failed" | "unfinished";

/** Watches a disposal (the registry's diagnostics). Its methods may throw: the loops guard each call. */
export interface Observer {
  /** A clock in ms, read just before an entry is called. */
  now(): number;
  /** What a resource is told when it is disposed: the time left before the sequence is abandoned, and its signal. */
  context(): DisposalContext;
  settled(entry: Entry, outcome: Outcome, error: unknown, startedAt: number): void;
}

/** A disposal loop in progress, and its own completion record. */
export interface Loop extends Completion {
  /** Settles with the loop when it has ended; made for a caller that waits ({@link whenDone}). */
  done: Promise<Completion> | undefined;
  settle: ((completion: Completion) => void) | undefined;
  observer: Observer | undefined;
  /** The entry being called or awaited, or the scope entry being waited for. */
  current: Entry | undefined;
  /**
   * Where the current entry's call is: not returned yet (so it is the one that called
   * `process.exit()`); returned an object, which is awaited (a promise: it may still be running);
   * or returned a plain value (it is done, awaited only for the spec's timing).
   */
  call: "calling" | "awaiting" | "returned";
  startedAt: number;
  /** Cut short by `drainSync`: the loop stops where it is and reports nothing more. */
  abandoned: boolean;
}

/**
 * Runs the disposal loop over `core`'s entries, or joins the one in progress
 * (handing it `observer` from then on). With `reject`, the promise rejects with
 * the chained error or resolves `undefined`, settling in the same microtask turn
 * as the native AsyncDisposableStack's; without, it resolves with the completion.
 */
export function disposeEntries(core: StackCore, observer: Observer | undefined, reject: true): Promise<undefined>;
export function disposeEntries(core: StackCore, observer: Observer | undefined, reject: false): Promise<Completion>;
export function disposeEntries(core: StackCore, observer: Observer | undefined, reject: boolean): Promise<Completion | undefined> {
  const running = core.loop;
  if (running !== undefined) {
    if (observer !== undefined) attachObserver(running, observer);
    return reject ? whenDone(running).then(throwIfFailed) : whenDone(running);
  }
  const loop: Loop = { failed: false, error: undefined, done: undefined, settle: undefined, observer, current: undefined, call: "returned", startedAt: 0, abandoned: false };
  core.loop = loop; // published before the first entry is called
  return runLoop(core, loop, reject);
}

/** Settles when `loop` (in progress: only those are reachable) has ended. Most loops have no one else waiting. */
function whenDone(loop: Loop): Promise<Completion> {
  return (loop.done ??= new Promise((resolve) => (loop.settle = resolve)));
}

function throwIfFailed(completion: Completion): undefined {
  if (completion.failed) throw completion.error;
  return undefined;
}

async function runLoop(core: StackCore, loop: Loop, reject: boolean): Promise<Completion | undefined> {
  const completion: Completion = loop;
  let awaited = false;
  try {
    // Re-read core.entries each turn: move() during the loop hands them to another stack.
    while (!loop.abandoned) {
      const top = core.entries.peek();
      if (top === undefined) break;
      const child = scopeOf(top);
      if (child !== undefined && child.disposed && child.loop !== undefined) {
        // The child's own disposal is under way: it keeps its place until that settles (then it
        // leaves), and nothing below it runs meanwhile. Its errors go to whoever disposes it.
        loop.current = top;
        awaited = true;
        if (loop.observer !== undefined) attachObserver(child.loop, loop.observer);
        await whenDone(child.loop);
        loop.current = undefined;
        continue;
      }
      const entry = core.entries.pop() as Entry;
      if (child !== undefined) {
        if (child.disposed) continue; // settled and gone already
        // Disposed in its place, as use(child) would: a run() of the child in progress is joined.
        child.disposed = true;
        loop.current = entry;
        awaited = true;
        const inner = await disposeEntries(child, loop.observer, false);
        loop.current = undefined;
        if (inner.failed && !loop.abandoned) addFailure(completion, inner.error);
        continue;
      }
      if (isCollected(entry)) continue; // its value was garbage-collected: the entry is gone
      loop.current = entry;
      loop.startedAt = now(loop.observer);
      let failed = false;
      let error: unknown;
      loop.call = "calling";
      try {
        const result = invoke(entry, takesContext(entry) ? context(loop.observer) : undefined);
        loop.call = isObject(result) ? "awaiting" : "returned";
        awaited = true;
        await result;
      } catch (thrown) {
        failed = true;
        error = thrown;
      }
      loop.call = "returned";
      if (loop.abandoned) break; // cut short meanwhile: drainSync has accounted for this entry
      loop.current = undefined;
      notify(loop.observer, entry, failed ? "failed" : "ok", error, loop.startedAt);
      if (failed) addFailure(completion, error);
    }
    // Spec: a null resource in an async stack still forces one Await.
    if (core.needsAwait) {
      core.needsAwait = false;
      if (!awaited) await undefined;
    }
  } finally {
    loop.current = undefined;
    core.loop = undefined;
    if (core.disposed) leaveParent(core);
    loop.settle?.(completion);
  }
  return reject ? throwIfFailed(completion) : completion;
}

/** Gives `observer` to a loop in progress and to the loops it waits for, from now on. */
function attachObserver(loop: Loop | undefined, observer: Observer): void {
  for (let current = loop; current !== undefined && current.observer === undefined; ) {
    current.observer = observer;
    const entry = current.current;
    const child = entry === undefined ? undefined : scopeOf(entry);
    if (child === undefined) current.startedAt = now(observer);
    current = child?.loop;
  }
}

/**
 * Calls every entry not yet run, synchronously, top first: first what the loop
 * in progress has not finished (innermost scope first), then the rest. The
 * entry that loop was awaiting cannot finish now; it is abandoned, and so is the
 * loop (a resource atexit knows still ends at once what it was waiting for: a
 * child is killed). Returns how many entries could not finish (returned a
 * promise that is not awaited, or were being awaited).
 */
export function drainSync(core: StackCore, observer: Observer): number {
  let unfinished = 0;
  const loop = core.loop;
  if (loop !== undefined && !loop.abandoned) {
    loop.abandoned = true;
    const entry = loop.current;
    loop.current = undefined;
    const child = entry === undefined ? undefined : scopeOf(entry);
    if (child !== undefined) {
      unfinished += drainScope(child, observer);
    } else if (entry !== undefined) {
      // An entry whose call has not returned is the one that called process.exit(): it asked for this.
      // One that returned a plain value is done. Only one being awaited cannot finish now.
      let outcome: Outcome = loop.call === "awaiting" ? "unfinished" : "ok";
      let error: unknown;
      if (loop.call === "awaiting") {
        unfinished++;
        try {
          abandon(entry);
        } catch (thrown) {
          outcome = "failed";
          error = thrown;
        }
      }
      notify(observer, entry, outcome, error, loop.startedAt);
    }
  }
  for (let entry = core.entries.pop(); entry !== undefined; entry = core.entries.pop()) {
    const child = scopeOf(entry);
    if (child !== undefined) {
      unfinished += drainScope(child, observer);
      continue;
    }
    if (isCollected(entry)) continue;
    const startedAt = now(observer);
    let outcome: Outcome = "ok";
    let error: unknown;
    try {
      if (invokeNow(entry)) outcome = "unfinished";
    } catch (thrown) {
      outcome = "failed";
      error = thrown;
    }
    if (outcome === "unfinished") unfinished++;
    notify(observer, entry, outcome, error, startedAt);
  }
  return unfinished;
}

/** drainSync into a child: an open one, or one whose own disposal is in progress. */
function drainScope(child: StackCore, observer: Observer): number {
  if (child.disposed && child.loop === undefined) return 0;
  child.disposed = true;
  return drainSync(child, observer);
}

/**
 * The entry running now, innermost: for the messages of the timeout, of a second signal and of an
 * uncaught error during cleanup. An entry that returned a plain value is done: none is running.
 */
export function currentEntry(core: StackCore): Entry | undefined {
  let loop = core.loop;
  let entry = loop?.current;
  let child = entry === undefined ? undefined : scopeOf(entry);
  while (child !== undefined) {
    loop = child.loop;
    entry = loop?.current;
    child = entry === undefined ? undefined : scopeOf(entry);
  }
  return loop?.call === "returned" ? undefined : entry;
}

/** Spec DisposeResources, error handling: chain the new error over the previous one. */
function addFailure(completion: Completion, error: unknown): void {
  completion.error = completion.failed ? chainErrors(error, completion.error) : error;
  completion.failed = true;
}

function now(observer: Observer | undefined): number {
  if (observer === undefined) return 0;
  try {
    return observer.now();
  } catch {
    return 0;
  }
}

function context(observer: Observer | undefined): DisposalContext | undefined {
  if (observer === undefined) return undefined;
  try {
    return observer.context();
  } catch {
    return undefined;
  }
}

function notify(observer: Observer | undefined, entry: Entry, outcome: Outcome, error: unknown, startedAt: number): void {
  if (observer === undefined) return;
  try {
    observer.settled(entry, outcome, error, startedAt);
  } catch {
    // The observer reports its own failures; disposal goes on regardless.
  }
}
