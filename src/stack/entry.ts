/**
 * The entry model: what a pending entry of an ExitStack is, how it is called,
 * which targets `unregister` matches, and how a diagnostic names it. No other
 * module looks inside an entry; each asks this one. A new kind that one of the
 * switches below does not handle is a type error (`unreachable`).
 *
 * An entry is a bare function for `defer(fn)` and `register(fn)` (the common
 * case: one array slot, nothing allocated), or an {@link EntryRecord}. Every
 * record has the same shape (kind, fn, value, position), so the disposal loop
 * reads them through one hidden class.
 */
import { functionName, onRejection, resourceName } from "./describe.js";
import type { StackCore } from "./core.js";

export type Callback = (...args: never[]) => unknown;

/** `fn(...value)`: `register(fn, ...args)`. */
export const CALL_ARGS = 0;
/** `fn(value)`: `adopt(value, fn)`. */
export const ADOPT = 1;
/** `fn(value.deref())` while the value lives: `adoptWeak(value, fn)`. */
export const ADOPT_WEAK = 2;
/** `fn.call(value)`, awaited: `use(value)` with `[Symbol.asyncDispose]`. */
export const ASYNC_METHOD = 3;
/** `fn.call(value)`, its result dropped: `use(value)` with only `[Symbol.dispose]`. */
export const SYNC_METHOD = 4;
/** A child stack from `scope()`, disposed in this place. */
export const SCOPE = 5;
/** `use(value)` of a value its stack's policy disposes better than its dispose method alone (src/resources/). */
export const RESOURCE = 6;

/** What a resource is told of the disposal when it is disposed: how much time is left, and why (for a process registry). */
export interface DisposalContext {
  /** Milliseconds before the disposal is abandoned; undefined when it never is (a plain ExitStack, `timeout: Infinity`). */
  readonly timeLeft: number | undefined;
  /** The signal the process is ending by, if it is. */
  readonly signal: string | undefined;
}

/**
 * How a stack's policy disposes a value better than its dispose method alone (an http.Server, a
 * ChildProcess, …): made by the process registry's policy (src/resources/), never by a plain stack.
 */
export interface Resource {
  /** What was handed to `use()`: `unregister` finds the entry by it. */
  readonly target: object;
  /** How a diagnostic names it: `http.Server 127.0.0.1:8080`. */
  name(): string;
  /** Disposes it; then nothing of the adapter's stays attached to the value. */
  dispose(context: DisposalContext): unknown;
  /** What can be done at once, when nothing can be awaited (T3, a sequence cut short): true if work is left unfinished. */
  disposeNow(): boolean;
  /** Its entry is gone without being disposed (`unregister`, `clear`): what the adapter attached to the value comes off. */
  release(): void;
}

interface Shape<Kind extends number, Fn, Value> {
  readonly kind: Kind;
  readonly fn: Fn;
  readonly value: Value;
  /** Index of this record in its EntryList's slots while it is pending (kept by the list). */
  position: number;
}

export type EntryRecord =
  | Shape<typeof CALL_ARGS, (...args: unknown[]) => unknown, readonly unknown[]>
  | Shape<typeof ADOPT, (value: unknown) => unknown, unknown>
  | Shape<typeof ADOPT_WEAK, (value: object) => unknown, WeakRef<object>>
  | Shape<typeof ASYNC_METHOD, () => unknown, object>
  | Shape<typeof SYNC_METHOD, () => unknown, object>
  | Shape<typeof SCOPE, undefined, StackCore>
  | Shape<typeof RESOURCE, undefined, Resource>;

export type Entry = (() => unknown) | EntryRecord;

type Kind = EntryRecord["kind"];
type RecordOf<K extends Kind> = Extract<EntryRecord, { kind: K }>;

/** Makes a record; one constructor, so that every record has one hidden class. */
export function record<K extends Kind>(kind: K, fn: RecordOf<K>["fn"], value: RecordOf<K>["value"]): RecordOf<K> {
  return { kind, fn, value, position: -1 } as RecordOf<K>;
}

const NO_ARGS: readonly [] = [];
const NO_CONTEXT: DisposalContext = { timeLeft: undefined, signal: undefined };

function unreachable(entry: never): never {
  throw new TypeError(`atexit: unknown entry kind ${String((entry as { kind: unknown }).kind)}`);
}

/** The child stack of a `scope()` entry, or undefined for every other entry. */
export function scopeOf(entry: Entry): StackCore | undefined {
  return typeof entry !== "function" && entry.kind === SCOPE ? entry.value : undefined;
}

/** An `adoptWeak` entry whose value was collected: it is gone and must not run. */
export function isCollected(entry: Entry): boolean {
  return typeof entry !== "function" && entry.kind === ADOPT_WEAK && entry.value.deref() === undefined;
}

/** Whether `invoke` hands this entry the disposal's context (only then is it read). */
export function takesContext(entry: Entry): boolean {
  return typeof entry !== "function" && entry.kind === RESOURCE;
}

/**
 * Calls an entry for the async disposal loop (spec DisposeResources, step 3.e)
 * and returns what the loop must await. A synchronous throw propagates (the
 * spec chains it without an Await). A `[Symbol.dispose]` method is wrapped as
 * spec GetDisposeMethod does: its result is dropped, and a throw becomes a
 * rejection, seen after one Await.
 */
export function invoke(entry: Entry, context: DisposalContext | undefined): unknown {
  if (typeof entry === "function") return entry();
  // Callbacks are called with `this` undefined (spec: Call(onDispose, undefined, …)), never as methods of the record.
  switch (entry.kind) {
    case CALL_ARGS:
      return Reflect.apply(entry.fn, undefined, entry.value);
    case ADOPT:
      return Reflect.apply(entry.fn, undefined, [entry.value]);
    case ADOPT_WEAK:
      return Reflect.apply(entry.fn, undefined, [entry.value.deref()]);
    case ASYNC_METHOD:
      return Reflect.apply(entry.fn, entry.value, NO_ARGS);
    case SYNC_METHOD:
      try {
        Reflect.apply(entry.fn, entry.value, NO_ARGS);
        return undefined;
      } catch (error) {
        return Promise.reject(error);
      }
    case RESOURCE:
      return entry.value.dispose(context ?? NO_CONTEXT);
    case SCOPE:
      throw new TypeError("atexit: a scope entry is disposed, not called");
    default:
      return unreachable(entry);
  }
}

/**
 * Calls an entry from the synchronous drain (T3, or a sequence cut short).
 * Returns true when the entry left work that cannot be awaited now: a promise,
 * whose outcome is then neither awaited nor reported (a rejection handler is
 * attached so that it is not an unhandled rejection either). A synchronous
 * throw propagates. The result of a `[Symbol.dispose]` method is never awaited,
 * so it never counts.
 */
export function invokeNow(entry: Entry): boolean {
  if (typeof entry !== "function" && entry.kind === SYNC_METHOD) {
    Reflect.apply(entry.fn, entry.value, NO_ARGS);
    return false;
  }
  if (typeof entry !== "function" && entry.kind === RESOURCE) return entry.value.disposeNow();
  return onRejection(invoke(entry, undefined), ignore);
}

/**
 * An entry that was being awaited when the sequence was cut short: it counts as
 * one that could not finish, and its promise is left. A resource atexit knows
 * is told to end at once what it was waiting for (its `disposeNow`: a child
 * still running is killed, a log destination flushed), or it would outlive the
 * process. A throw propagates.
 */
export function abandon(entry: Entry): void {
  if (typeof entry !== "function" && entry.kind === RESOURCE) entry.value.disposeNow();
}

/**
 * An entry leaves its stack without being disposed (`unregister`, `clear`): a resource's adapter
 * takes off what it attached to the value. Never throws.
 */
export function discard(entry: Entry): void {
  if (typeof entry === "function" || entry.kind !== RESOURCE) return;
  try {
    entry.value.release();
  } catch {
    // An adapter only attaches to Node's own objects; a throw here would be theirs, and changes nothing for the stack.
  }
}

function ignore(): void {}

/** No target here (not `undefined`: `adopt(undefined, fn)` makes `undefined` a target). */
export const NO_TARGET: unique symbol = Symbol("atexit: no target");

/**
 * The function `unregister` finds an entry by (`register`/`defer`/`adopt`/`adoptWeak`); with
 * {@link valueTarget}, all it is found by. A scope has none: it is a part of its parent.
 */
export function functionTarget(entry: Entry): unknown {
  if (typeof entry === "function") return entry;
  switch (entry.kind) {
    case CALL_ARGS:
    case ADOPT:
    case ADOPT_WEAK:
      return entry.fn;
    case ASYNC_METHOD:
    case SYNC_METHOD:
    case RESOURCE:
    case SCOPE:
      return NO_TARGET;
    default:
      return unreachable(entry);
  }
}

/** The value `unregister` finds an entry by: `use`/`adopt`'s resource, `adoptWeak`'s living value. */
export function valueTarget(entry: Entry): unknown {
  if (typeof entry === "function") return NO_TARGET;
  switch (entry.kind) {
    case ADOPT:
    case ASYNC_METHOD:
    case SYNC_METHOD:
      return entry.value;
    case ADOPT_WEAK: {
      const value = entry.value.deref();
      return value === undefined ? NO_TARGET : value;
    }
    case RESOURCE:
      return entry.value.target;
    case CALL_ARGS:
    case SCOPE:
      return NO_TARGET;
    default:
      return unreachable(entry);
  }
}

/** Whether its {@link valueTarget} is held weakly (`adoptWeak`): an index must not keep it alive. */
export function holdsWeakly(entry: Entry): boolean {
  return typeof entry !== "function" && entry.kind === ADOPT_WEAK;
}

/** Whether `unregister(target)` removes this entry (SameValueZero, as the index's Map compares). */
export function matches(entry: Entry, target: unknown): boolean {
  return sameValueZero(functionTarget(entry), target) || sameValueZero(valueTarget(entry), target);
}

function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

/**
 * How a diagnostic names an entry (docs/exit-paths.md, "What atexit writes on stderr"):
 * `fn` for register/defer, `fn (adopting Value)` for adopt/adoptWeak,
 * `Value[Symbol.asyncDispose]` or `Value[Symbol.dispose]` for use. Never throws.
 */
export function entryName(entry: Entry): string {
  if (typeof entry === "function") return callbackName(entry);
  switch (entry.kind) {
    case CALL_ARGS:
      return callbackName(entry.fn);
    case ADOPT:
      return `${callbackName(entry.fn)} (adopting ${resourceName(entry.value)})`;
    case ADOPT_WEAK: {
      const value = entry.value.deref();
      return `${callbackName(entry.fn)} (adopting ${value === undefined ? "a collected value" : resourceName(value)})`;
    }
    case ASYNC_METHOD:
      return `${resourceName(entry.value)}[Symbol.asyncDispose]`;
    case SYNC_METHOD:
      return `${resourceName(entry.value)}[Symbol.dispose]`;
    case RESOURCE:
      try {
        return entry.value.name();
      } catch {
        return resourceName(entry.value.target);
      }
    case SCOPE:
      return "scope()";
    default:
      return unreachable(entry);
  }
}

function callbackName(fn: Callback): string {
  return functionName(fn) ?? "anonymous function";
}
