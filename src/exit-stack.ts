/**
 * `ExitStack`: an `AsyncDisposableStack` with Python's removal operations.
 *
 * Pure data structure: it knows nothing about processes, signals or runtimes.
 * The process registry (registry.ts) drives it through {@link internals}.
 *
 * Storage: one flat array, three slots per entry (`kind`, `fn`, `value`), so
 * registering is three pushes and an entry costs about 24 bytes. Removal
 * leaves a tombstone (`REMOVED`); tombstones on top are popped at once and
 * the array is compacted when they outnumber live entries, so every
 * operation stays amortised O(1). `unregister` finds entries through an
 * index that is built lazily (only once `unregister` is first used) and
 * caught up incrementally, so registration never pays for it.
 */

import { suppressedError } from "./suppressed-error.js";

// Entry kinds: the first slot of an entry. Plain numbers keep the slots array packed.
/** `fn()`: `defer(fn)`, `register(fn)`. */
const CALL = 0;
/** `fn(...value)`: `register(fn, ...args)`; `value` is the argument array. */
const CALL_ARGS = 1;
/** `fn(value)`: `adopt(value, fn)`. */
const ADOPT = 2;
/** `fn.call(value)`, awaited: `use(value)` with `[Symbol.asyncDispose]`. */
const ASYNC_METHOD = 3;
/** `fn.call(value)`, its result not awaited: `use(value)` with only `[Symbol.dispose]`. */
const SYNC_METHOD = 4;
/** `fn(value.deref())` if still alive: `adoptWeak(value, fn)`; `value` is a `WeakRef`. */
const WEAK = 5;
/** a child stack from `scope()`; `value` is the child. */
const SCOPE = 6;
/** a removed entry (tombstone). */
const REMOVED = 7;

const STRIDE = 3;
/** Below this many slots, tombstones are never compacted away (not worth it). */
const COMPACT_MIN_SLOTS = 3 * 64;

/** An entry kind, as handed to an {@link EntryObserver}. */
export type EntryKind = number;

/**
 * Watches a disposal run by the process registry: which entry runs now (to
 * name a stuck one), and each failure as it happens (isolation rule).
 */
export interface EntryObserver {
  /** An entry is about to be called. */
  enter(kind: EntryKind, fn: unknown, value: unknown): void;
  /** The entry settled; `failed` says whether `error` is meaningful. */
  leave(failed: boolean, error: unknown): void;
  /** Whether the synchronous drain must report every entry (the trace), not only failures. */
  traced(): boolean;
}

/** The outcome of a disposal loop: the spec's completion record, reduced. */
interface Completion {
  failed: boolean;
  error: unknown;
}

type AnyFunction = (...args: never[]) => unknown;

/** Describes a received value for an error message: `42 (number)`, `null`, `[object Object] (object)`. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  const type = typeof value;
  if (type === "function") return `function ${(value as AnyFunction).name || "(anonymous)"}`;
  if (type === "string") return `${JSON.stringify(value)} (string)`;
  if (type === "symbol" || type === "bigint") return `${String(value)} (${type})`;
  if (type === "object") {
    const name = constructorName(value);
    return name === "Object" || name === undefined ? `${safeString(value)} (object)` : `an instance of ${name}`;
  }
  return `${String(value)} (${type})`;
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return "[object]";
  }
}

function constructorName(value: unknown): string | undefined {
  try {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "" ? name : undefined;
  } catch {
    return undefined;
  }
}

/** A human name for an entry, for the timeout message and the trace. */
export function describeEntry(kind: EntryKind, fn: unknown, value: unknown): string {
  const fnName = typeof fn === "function" && fn.name ? fn.name : "anonymous function";
  switch (kind) {
    case CALL:
    case CALL_ARGS:
      return fnName;
    case ADOPT:
      return `${fnName} (adopting ${describeResource(value)})`;
    case WEAK: {
      const target = (value as WeakRef<object>).deref();
      return `${fnName} (adopting ${target === undefined ? "a collected value" : describeResource(target)})`;
    }
    case ASYNC_METHOD:
      return `${describeResource(value)}[Symbol.asyncDispose]`;
    case SYNC_METHOD:
      return `${describeResource(value)}[Symbol.dispose]`;
    case SCOPE:
      return "scope()";
    default:
      return "entry";
  }
}

function describeResource(value: unknown): string {
  if (typeof value === "function") return value.name || "anonymous function";
  if (typeof value === "object" && value !== null) return constructorName(value) ?? "object";
  return String(value);
}

function isObject(value: unknown): value is object {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

function isThenable(value: unknown): boolean {
  return isObject(value) && typeof (value as { then?: unknown }).then === "function";
}

/** Positions of a target's entries: one number, or an array once there are more. */
type Positions = number | number[];

/**
 * Target → positions: a WeakMap for objects (it must not keep an `adoptWeak`
 * value alive), a Map for primitives (`adopt("worker-7", stop)` is legal).
 */
interface TargetIndex {
  objects: WeakMap<object, Positions>;
  primitives: Map<unknown, Positions>;
}

function addPosition(targets: TargetIndex, key: unknown, position: number): void {
  const index: { get(key: unknown): Positions | undefined; set(key: unknown, value: Positions): unknown } = isObject(key)
    ? (targets.objects as WeakMap<object, Positions> as never)
    : targets.primitives;
  const current = index.get(key);
  // Positions are indexed in increasing order, so one at or above `position` is
  // stale (its slot was popped and reused): drop it, keeping each list sorted and
  // no longer than the slots, however often slots are reused.
  if (current === undefined || (typeof current === "number" && current >= position)) index.set(key, position);
  else if (typeof current === "number") index.set(key, [current, position]);
  else {
    while (current.length > 0 && (current[current.length - 1] as number) >= position) current.pop();
    current.push(position);
  }
}

/** Friend access for registry.ts; not part of the public surface. */
export interface ExitStackInternals {
  /** Called with `true` when the stack gains its first entry, `false` when it loses its last. */
  observeOccupancy(stack: ExitStack, onChange: (occupied: boolean) => void): void;
  /** Runs the disposal loop, stack left open for new entries; never rejects. */
  dispose(stack: ExitStack, observer: EntryObserver | undefined): Promise<Completion>;
  /** Calls every pending entry synchronously; returns how many returned a promise that cannot be awaited. */
  drainSync(stack: ExitStack, observer: EntryObserver): number;
  /** Marks the stack disposed (after an explicit `disposeAsync` of the registry). */
  markDisposed(stack: ExitStack): void;
  /** Whether the stack is disposed. */
  isDisposed(stack: ExitStack): boolean;
}

/** Set once by the class's static block. */
export let internals!: ExitStackInternals;

/**
 * A stack of cleanup entries with the semantics of TC39's `AsyncDisposableStack`
 * plus Python `atexit`'s `register`/`unregister`, and cheap removal.
 *
 * A `new ExitStack()` is not tied to the process: dispose it yourself (or with
 * `await using`). The process registry (the default export) is an `ExitStack`
 * that the process disposes when it terminates.
 *
 * @example
 * ```ts
 * import { ExitStack } from "atexit";
 *
 * await using stack = new ExitStack();
 * const server = stack.use(http.createServer().listen(0));
 * stack.defer(() => console.log("server closed"));
 * // leaving the block prints "server closed", then closes the server
 * ```
 */
export class ExitStack implements AsyncDisposable {
  /** Entries, three slots each: kind, fn, value. */
  #slots: unknown[] = [];
  /** Live (non-removed) entries. */
  #size = 0;
  #disposed = false;
  /** `use(null)` was called: spec DisposeResources then awaits once even if nothing else did. */
  #needsAwait = false;
  /** target → positions in #slots; built lazily by the first `unregister`. */
  #index: TargetIndex | undefined = undefined;
  /** Slots below this position are in #index. */
  #indexedUpTo = 0;
  /** For a `scope()` child: the stack that holds it as an entry. */
  #parent: ExitStack | undefined = undefined;
  /** Removes `adoptWeak` entries whose value was collected. Created on first use. */
  #finalizer: FinalizationRegistry<WeakRef<object>> | undefined = undefined;
  #onOccupancy: ((occupied: boolean) => void) | undefined = undefined;
  /** The completion the disposal loop in progress is filling in; undefined when none runs. */
  #running: Completion | undefined = undefined;
  /** Settles with #running's completion when that loop ends: a second caller joins it instead of racing it. */
  #activeLoop: Promise<Completion> | undefined = undefined;
  /** The function and value of the entry #popEntry took last. */
  #poppedFn: unknown = undefined;
  #poppedValue: unknown = undefined;
  /** The largest #slots length since the array was last made afresh (see #afterRemoval). */
  #peak = 0;
  /** Tombstones outnumber live entries: compact before the next push. */
  #compactPending = false;

  static {
    internals = {
      observeOccupancy(stack, onChange) {
        stack.#onOccupancy = onChange;
      },
      dispose(stack, observer) {
        return stack.#disposeEntries(observer, false) as Promise<Completion>;
      },
      drainSync(stack, observer) {
        return stack.#drainSync(observer);
      },
      markDisposed(stack) {
        stack.#disposed = true;
      },
      isDisposed(stack) {
        return stack.#disposed;
      },
    };
  }

  /**
   * `true` once the stack has been disposed (or moved); it then accepts no entries.
   *
   * @example
   * ```ts
   * await stack.disposeAsync();
   * stack.disposed; // true: stack.defer(f) now throws a ReferenceError
   * ```
   */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * The number of pending entries. `use(null)` and `use(undefined)` are not counted.
   *
   * @example
   * ```ts
   * stack.defer(() => {});
   * stack.size; // 1
   * ```
   */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds a disposable resource, as `AsyncDisposableStack.prototype.use`: at
   * disposal its `[Symbol.asyncDispose]()` is called and awaited, or else its
   * `[Symbol.dispose]()` is called (and a promise it returns is not awaited).
   * `null` and `undefined` are accepted and ignored.
   *
   * @returns `value`
   * @throws {TypeError} if `value` is not an object with a callable `[Symbol.asyncDispose]` or `[Symbol.dispose]`.
   * @throws {ReferenceError} if the stack is disposed.
   * @example
   * ```ts
   * const server = stack.use(http.createServer(handler).listen(8080));
   * ```
   */
  use<T>(value: T): T {
    this.#assertOpen("use");
    if (value === null || value === undefined) {
      this.#needsAwait = true;
      return value;
    }
    if (!isObject(value)) {
      throw new TypeError(`Expected \`value\` to be an object with [Symbol.asyncDispose] or [Symbol.dispose], null or undefined, got ${describe(value)}`);
    }
    // Spec GetDisposeMethod(V, async-dispose): asyncDispose first, then dispose.
    const asyncMethod = (value as Partial<AsyncDisposable>)[Symbol.asyncDispose];
    if (asyncMethod !== undefined && asyncMethod !== null) {
      if (typeof asyncMethod !== "function") {
        throw new TypeError(`Expected \`value[Symbol.asyncDispose]\` to be a function, got ${describe(asyncMethod)}`);
      }
      this.#push(ASYNC_METHOD, asyncMethod, value);
      return value;
    }
    const syncMethod = (value as Partial<Disposable>)[Symbol.dispose];
    if (typeof syncMethod !== "function") {
      throw new TypeError(
        syncMethod === undefined || syncMethod === null
          ? `Expected \`value\` to have a [Symbol.asyncDispose] or [Symbol.dispose] method, got ${describe(value)} without either`
          : `Expected \`value[Symbol.dispose]\` to be a function, got ${describe(syncMethod)}`,
      );
    }
    this.#push(SYNC_METHOD, syncMethod, value);
    return value;
  }

  /**
   * Adds a value with its cleanup function, as `AsyncDisposableStack.prototype.adopt`:
   * at disposal `onDispose(value)` is called and awaited.
   *
   * @returns `value`
   * @throws {TypeError} if `onDispose` is not a function.
   * @example
   * ```ts
   * const db = stack.adopt(await openDb(), (db) => db.close());
   * ```
   */
  adopt<T>(value: T, onDispose: (value: T) => unknown): T {
    this.#assertOpen("adopt");
    if (typeof onDispose !== "function") {
      throw new TypeError(`Expected \`onDispose\` to be a function, got ${describe(onDispose)}`);
    }
    this.#push(ADOPT, onDispose, value);
    return value;
  }

  /**
   * Adds a cleanup callback, as `AsyncDisposableStack.prototype.defer`: at
   * disposal `onDispose()` is called and awaited.
   *
   * @throws {TypeError} if `onDispose` is not a function.
   * @example
   * ```ts
   * stack.defer(async () => await flushLogs());
   * ```
   */
  defer(onDispose: () => unknown): void {
    this.#assertOpen("defer");
    if (typeof onDispose !== "function") {
      throw new TypeError(`Expected \`onDispose\` to be a function, got ${describe(onDispose)}`);
    }
    this.#push(CALL, onDispose, undefined);
  }

  /**
   * Python's `atexit.register`: at disposal `fn(...args)` is called and awaited.
   * Registering the same function twice runs it twice.
   *
   * @returns `fn`, so it can be used as a decorator-like wrapper.
   * @throws {TypeError} if `fn` is not a function.
   * @example
   * ```ts
   * atexit.register((name) => console.log(`bye, ${name}`), "world");
   * ```
   */
  register<F extends (...args: never[]) => unknown>(fn: F, ...args: Parameters<F>): F {
    this.#assertOpen("register");
    if (typeof fn !== "function") {
      throw new TypeError(`Expected \`fn\` to be a function, got ${describe(fn)}`);
    }
    if (args.length === 0) this.#push(CALL, fn, undefined);
    else this.#push(CALL_ARGS, fn, args);
    return fn;
  }

  /**
   * Python's `atexit.unregister`, by identity: removes every pending entry whose
   * function (`register`, `defer`, `adopt`'s `onDispose`) or resource (`use`,
   * `adopt`'s value) is `target`. Safe during disposal: a removed entry that has
   * not run yet will not run. Amortised O(1) per removed entry.
   *
   * Any value can be a target (`adopt` accepts primitives too); it is compared
   * with SameValueZero, so `unregister(fn)` never matches a different function.
   *
   * @returns whether any entry was removed.
   * @example
   * ```ts
   * const flush = atexit.register(() => log.flush());
   * atexit.unregister(flush); // true
   * ```
   */
  unregister(target: unknown): boolean {
    return this.#removeTarget(target);
  }

  /**
   * Like `adopt`, but holds `value` only weakly: if `value` is garbage-collected
   * before the stack is disposed, its entry disappears without running.
   * `onDispose` receives the value and must not close over it (or it is never collected).
   *
   * @returns `value`
   * @throws {TypeError} if `value` is not an object or `onDispose` is not a function.
   * @example
   * ```ts
   * for (const conn of connections) atexit.adoptWeak(conn, (c) => c.destroy());
   * ```
   */
  adoptWeak<T extends object>(value: T, onDispose: (value: T) => unknown): T {
    this.#assertOpen("adoptWeak");
    if (!isObject(value)) {
      throw new TypeError(`Expected \`value\` to be an object (it is held weakly), got ${describe(value)}`);
    }
    if (typeof onDispose !== "function") {
      throw new TypeError(`Expected \`onDispose\` to be a function, got ${describe(onDispose)}`);
    }
    const ref = new WeakRef(value);
    this.#watch(ref, value);
    this.#push(WEAK, onDispose, ref);
    return value;
  }

  /**
   * Opens a child stack that is an entry of this one, at this position.
   * Disposing the child (at the end of an `await using` block, say) removes it
   * from this stack; disposing this stack first disposes the child in its place.
   *
   * @example
   * ```ts
   * async function handle(req) {
   *   await using scope = atexit.scope();
   *   const tmp = scope.adopt(await mkTemp(), rmTemp);
   *   // removed at the end of the block, or at termination if that comes first
   * }
   * ```
   */
  scope(): ExitStack {
    this.#assertOpen("scope");
    const child = new ExitStack();
    child.#parent = this;
    this.#push(SCOPE, undefined, child);
    return child;
  }

  /**
   * As `AsyncDisposableStack.prototype.move`: a new `ExitStack` takes every
   * pending entry, in order, and this stack becomes disposed.
   *
   * @throws {ReferenceError} if the stack is disposed.
   * @example
   * ```ts
   * await using stack = new ExitStack();
   * stack.use(await connect());
   * return stack.move(); // hand the resources to the caller
   * ```
   */
  move(): ExitStack {
    this.#assertOpen("move");
    const next = new ExitStack();
    const slots = this.#slots;
    next.#slots = slots;
    next.#size = this.#size;
    next.#needsAwait = this.#needsAwait;
    for (let i = 0; i < slots.length; i += STRIDE) {
      const kind = slots[i];
      if (kind === SCOPE) (slots[i + 2] as ExitStack).#parent = next;
      else if (kind === WEAK) {
        const target = (slots[i + 2] as WeakRef<object>).deref();
        if (target !== undefined) next.#watch(slots[i + 2] as WeakRef<object>, target);
      }
    }
    const wasOccupied = this.#size > 0;
    this.#slots = [];
    this.#size = 0;
    this.#resetIndex();
    this.#disposed = true;
    if (wasOccupied) this.#onOccupancy?.(false);
    return next;
  }

  /**
   * Disposes every pending entry in reverse order of registration, awaiting
   * each, as `AsyncDisposableStack.prototype.disposeAsync`. Every entry runs
   * even if some fail; failures are chained into `SuppressedError`s exactly as
   * the spec's `DisposeResources`. A second call resolves `undefined`.
   *
   * @example
   * ```ts
   * await stack.disposeAsync();
   * stack.disposed; // true
   * ```
   */
  disposeAsync(): Promise<void> {
    // Not an async function: the returned promise must settle in the same
    // microtask turn as the native AsyncDisposableStack's.
    if (!(isObject(this) && #disposed in this)) {
      return Promise.reject(new TypeError(`Expected \`this\` to be an ExitStack, got ${describe(this)}`));
    }
    if (this.#disposed) return Promise.resolve();
    this.#disposed = true;
    this.#detachFromParent();
    return this.#disposeEntries(undefined, true) as Promise<void>;
  }

  /** Same function as {@link ExitStack.disposeAsync}, so `await using` works. */
  declare [Symbol.asyncDispose]: () => Promise<void>;
  declare readonly [Symbol.toStringTag]: string;

  /**
   * Python's `_run_exitfuncs`: disposes what is pending now, like
   * `disposeAsync`, but the stack stays open; entries added meanwhile run next.
   *
   * @returns a promise that rejects with the chained error if any entry failed.
   * @example
   * ```ts
   * await atexit.run(); // e.g. between tests
   * ```
   */
  run(): Promise<void> {
    return this.#disposeEntries(undefined, true) as Promise<void>;
  }

  /**
   * Python's `_clear`: drops every pending entry without running it.
   *
   * @example
   * ```ts
   * atexit.clear();
   * atexit.size; // 0
   * ```
   */
  clear(): void {
    const wasOccupied = this.#size > 0;
    this.#slots.length = 0;
    this.#size = 0;
    this.#resetIndex();
    if (wasOccupied) this.#onOccupancy?.(false);
  }

  // ---- internals -------------------------------------------------------

  #assertOpen(method: string): void {
    if (this.#disposed) {
      throw new ReferenceError(`Cannot call ${method}() on a disposed ExitStack`);
    }
  }

  #push(kind: EntryKind, fn: unknown, value: unknown): void {
    if (this.#compactPending) this.#compact();
    this.#slots.push(kind, fn, value);
    if (this.#size++ === 0) this.#onOccupancy?.(true);
  }

  #watch(ref: WeakRef<object>, value: object): void {
    // No unregister token: Bun's FinalizationRegistry is quadratic with them,
    // and a callback for an entry that is already gone finds nothing to remove.
    this.#finalizer ??= new FinalizationRegistry((collected) => this.#removeTarget(collected));
    this.#finalizer.register(value, ref);
  }

  #detachFromParent(): void {
    const parent = this.#parent;
    if (parent !== undefined) {
      this.#parent = undefined;
      parent.#removeTarget(this);
    }
  }

  #resetIndex(): void {
    this.#compactPending = false;
    this.#index = undefined;
    this.#indexedUpTo = 0;
  }

  /** Catches the index up with the slots pushed since it was last used. */
  #catchUpIndex(): TargetIndex {
    const index = (this.#index ??= { objects: new WeakMap(), primitives: new Map() });
    const slots = this.#slots;
    for (let i = this.#indexedUpTo; i < slots.length; i += STRIDE) {
      const kind = slots[i];
      const fn = slots[i + 1];
      const value = slots[i + 2];
      switch (kind) {
        case CALL:
        case CALL_ARGS:
          addPosition(index, fn, i);
          break;
        case ADOPT:
          addPosition(index, fn, i);
          addPosition(index, value, i);
          break;
        case ASYNC_METHOD:
        case SYNC_METHOD:
        case SCOPE:
          addPosition(index, value, i);
          break;
        case WEAK: {
          addPosition(index, fn, i);
          addPosition(index, value, i); // the WeakRef, for the finalizer
          const target = (value as WeakRef<object>).deref();
          if (target !== undefined) addPosition(index, target, i);
          break;
        }
      }
    }
    this.#indexedUpTo = slots.length;
    if (slots.length > this.#peak) this.#peak = slots.length;
    return index;
  }

  /** Does the entry at `i` belong to `target`? (Index positions may be stale.) */
  #matches(i: number, target: unknown): boolean {
    const slots = this.#slots;
    if (i >= slots.length) return false;
    const kind = slots[i];
    const value = slots[i + 2];
    switch (kind) {
      case CALL:
      case CALL_ARGS:
        return slots[i + 1] === target;
      case ADOPT:
        return slots[i + 1] === target || value === target;
      case ASYNC_METHOD:
      case SYNC_METHOD:
      case SCOPE:
        return value === target;
      case WEAK:
        return slots[i + 1] === target || value === target || (target !== undefined && (value as WeakRef<object>).deref() === target);
      default:
        return false;
    }
  }

  #removeTarget(target: unknown): boolean {
    if (this.#size === 0) return false;
    const targets = this.#catchUpIndex();
    const index = isObject(target) ? targets.objects : targets.primitives;
    const positions = index.get(target as object);
    // No delete: stale positions are rejected by #matches, and a delete costs more than it saves.
    if (positions === undefined) return false;
    let removed = 0;
    if (typeof positions === "number") removed = this.#removeAt(positions, target);
    else for (const position of positions) removed += this.#removeAt(position, target);
    if (removed === 0) return false;
    this.#afterRemoval();
    return true;
  }

  #removeAt(i: number, target: unknown): number {
    if (!this.#matches(i, target)) return 0;
    const slots = this.#slots;
    if (slots[i] === SCOPE) (slots[i + 2] as ExitStack).#parent = undefined;
    slots[i] = REMOVED;
    slots[i + 1] = undefined;
    slots[i + 2] = undefined;
    this.#size--;
    return 1;
  }

  /**
   * Pops tombstones off the top, then decides once whether to compact:
   * - at once when the stack is empty, when tombstones are four times the live
   *   entries, or when it shrank to a quarter of its peak (a shortened array and
   *   the index's tables keep their capacity: 10^6 collected adoptWeak entries
   *   would otherwise hold tens of MB for good);
   * - at the next push when tombstones merely outnumber live entries, so that a
   *   run of `unregister` calls does not rebuild the index over and over.
   */
  #afterRemoval(): void {
    const slots = this.#slots;
    let length = slots.length;
    while (length > 0 && slots[length - STRIDE] === REMOVED) length -= STRIDE;
    if (length !== slots.length) {
      slots.length = length;
      if (this.#indexedUpTo > length) this.#indexedUpTo = length;
    }
    const size = this.#size;
    const tombstones = length / STRIDE - size;
    const large = length >= COMPACT_MIN_SLOTS;
    if (size === 0 || (large && tombstones > 4 * size) || (this.#peak >= COMPACT_MIN_SLOTS && length < this.#peak / 4)) {
      this.#compact();
    } else if (large && tombstones > size) {
      this.#compactPending = true;
    }
    if (size === 0) this.#onOccupancy?.(false);
  }

  /**
   * Removes the tombstones, keeping the order of live entries. The live ones go
   * to a fresh array: shortening the old one would keep its whole backing store.
   */
  #compact(): void {
    this.#compactPending = false;
    const slots = this.#slots;
    const live: unknown[] = [];
    for (let i = 0; i < slots.length; i += STRIDE) {
      if (slots[i] !== REMOVED) live.push(slots[i], slots[i + 1], slots[i + 2]);
    }
    this.#slots = live;
    this.#peak = live.length;
    this.#resetIndex();
  }

  /**
   * Takes the top entry off the slots for a disposal loop: returns its kind
   * (REMOVED for a tombstone) and leaves its function and value in
   * #poppedFn/#poppedValue.
   */
  #popEntry(): number {
    const slots = this.#slots;
    this.#poppedValue = slots.pop();
    this.#poppedFn = slots.pop();
    const kind = slots.pop() as number;
    if (this.#indexedUpTo > slots.length) this.#indexedUpTo = slots.length;
    if (kind !== REMOVED && --this.#size === 0) this.#onOccupancy?.(false);
    return kind;
  }

  /** A child scope reached by its parent's disposal: detach it; false if it is already disposed. */
  static #claimChild(child: ExitStack): boolean {
    child.#parent = undefined;
    if (child.#disposed) return false;
    child.#disposed = true;
    return true;
  }

  /**
   * Runs the disposal loop, or joins the one in progress (`disposeAsync()`
   * during `run()`, say), so that entries still run one at a time, each once.
   * With `reject`, the promise rejects with the chained error and otherwise
   * resolves `undefined`; without, it resolves with the completion.
   */
  #disposeEntries(observer: EntryObserver | undefined, reject: boolean): Promise<Completion | undefined> {
    if (this.#activeLoop !== undefined) {
      return this.#activeLoop.then((completion) => {
        if (!reject) return completion;
        if (completion.failed) throw completion.error;
        return undefined;
      });
    }
    const loop = this.#disposeLoop(observer, reject);
    // Still looping after its synchronous start: the next caller joins it.
    const running = this.#running;
    if (running !== undefined) {
      const joined = (): Completion => running;
      this.#activeLoop = loop.then(joined, joined);
    }
    return loop;
  }

  /**
   * Spec DisposeResources over the pending entries, top first, each result
   * awaited; entries pushed meanwhile are on top and run next. Failures are
   * chained as `new SuppressedError(newError, previousError)`.
   */
  async #disposeLoop(observer: EntryObserver | undefined, reject: boolean): Promise<Completion | undefined> {
    const completion: Completion = { failed: false, error: undefined };
    this.#running = completion;
    let awaited = false;
    // Re-read #slots each turn: move() during the loop hands them to another stack.
    while (this.#slots.length > 0) {
      const kind = this.#popEntry();
      const fn = this.#poppedFn as AnyFunction;
      const value = this.#poppedValue;
      if (kind === REMOVED) continue;
      if (kind === SCOPE) {
        const child = value as ExitStack;
        if (!ExitStack.#claimChild(child)) continue;
        const inner = (await child.#disposeEntries(observer, false)) as Completion;
        awaited = true;
        if (inner.failed) record(completion, inner.error);
        continue;
      }
      let target: unknown = value;
      if (kind === WEAK) {
        target = (value as WeakRef<object>).deref();
        if (target === undefined) continue; // collected: the entry is gone
      }
      observer?.enter(kind, fn, target);
      try {
        let result: unknown;
        switch (kind) {
          case CALL:
            result = fn();
            break;
          case CALL_ARGS:
            result = (fn as (...args: unknown[]) => unknown)(...(value as unknown[]));
            break;
          case ADOPT:
          case WEAK:
            result = (fn as (value: unknown) => unknown)(target);
            break;
          case ASYNC_METHOD:
            result = fn.call(value);
            break;
          default:
            // SYNC_METHOD: spec GetDisposeMethod wraps it so that its result is
            // dropped and a throw becomes a rejection (seen after one await).
            try {
              fn.call(value);
              result = undefined;
            } catch (error) {
              result = Promise.reject(error);
            }
        }
        awaited = true;
        await result;
        observer?.leave(false, undefined);
      } catch (error) {
        observer?.leave(true, error);
        record(completion, error);
      }
    }
    this.#poppedFn = this.#poppedValue = undefined; // hold no disposed value
    this.#resetIndex(); // every position it holds is gone
    // Spec: a null resource in an async stack still forces one Await.
    if (this.#needsAwait) {
      this.#needsAwait = false;
      if (!awaited) await undefined;
    }
    this.#running = undefined;
    this.#activeLoop = undefined;
    if (!reject) return completion;
    if (completion.failed) throw completion.error;
    return undefined;
  }

  /** Calls every pending entry now, top first, without awaiting anything (process `'exit'`). */
  #drainSync(observer: EntryObserver): number {
    const traced = observer.traced();
    let unfinished = 0;
    while (this.#slots.length > 0) {
      const kind = this.#popEntry();
      const fn = this.#poppedFn as AnyFunction;
      const value = this.#poppedValue;
      if (kind === REMOVED) continue;
      if (kind === SCOPE) {
        const child = value as ExitStack;
        if (!ExitStack.#claimChild(child)) continue;
        unfinished += child.#drainSync(observer);
        continue;
      }
      let target: unknown = value;
      if (kind === WEAK) {
        target = (value as WeakRef<object>).deref();
        if (target === undefined) continue;
      }
      // Untraced, the observer hears of an entry only when it fails (this path runs once, cold).
      if (traced) observer.enter(kind, fn, target);
      try {
        let result: unknown;
        if (kind === CALL) result = fn();
        else if (kind === CALL_ARGS) result = (fn as (...args: unknown[]) => unknown)(...(value as unknown[]));
        else if (kind === ADOPT || kind === WEAK) result = (fn as (value: unknown) => unknown)(target);
        else result = fn.call(value);
        if (kind !== SYNC_METHOD && isThenable(result)) unfinished++;
        if (traced) observer.leave(false, undefined);
      } catch (error) {
        if (!traced) observer.enter(kind, fn, target);
        observer.leave(true, error);
      }
    }
    this.#poppedFn = this.#poppedValue = undefined; // hold no disposed value
    this.#resetIndex();
    return unfinished;
  }
}

/** Spec DisposeResources, step "error handling": chain the new error over the previous one. */
function record(completion: Completion, error: unknown): void {
  if (completion.failed) {
    const SuppressedError = suppressedError();
    completion.error = new SuppressedError(error, completion.error);
  } else {
    completion.failed = true;
    completion.error = error;
  }
}

Object.defineProperty(ExitStack.prototype, Symbol.asyncDispose, {
  value: ExitStack.prototype.disposeAsync,
  writable: true,
  configurable: true,
});
Object.defineProperty(ExitStack.prototype, Symbol.toStringTag, {
  value: "ExitStack",
  configurable: true,
});
