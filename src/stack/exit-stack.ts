/**
 * `ExitStack`: an `AsyncDisposableStack` with Python's removal operations.
 *
 * The public face of a stack: it validates what comes in (eagerly, so that a
 * bad call changes nothing) and hands the rest on. What an entry is lives in
 * entry.ts, how entries are kept in entry-list.ts, how they are disposed in
 * disposal.ts. It knows nothing about processes, signals or runtimes.
 */
import { describe, isObject } from "./describe.js";
import { ADOPT, ADOPT_WEAK, ASYNC_METHOD, CALL_ARGS, record, RESOURCE, SCOPE, SYNC_METHOD } from "./entry.js";
import { EntryList } from "./entry-list.js";
import { disposeEntries } from "./disposal.js";
import { isScopeOf, leaveParent, StackCore } from "./core.js";

/** Marks the prototype of every copy's ExitStack, so `instanceof` works across copies (docs/package.md, "One registry per thread"). */
const BRAND = Symbol.for("atexit.ExitStack");

function assertCallback(name: string, value: unknown): void {
  if (typeof value !== "function") throw callbackError(name, value);
}

function callbackError(name: string, value: unknown): TypeError {
  return new TypeError(`Expected \`${name}\` to be a function, got ${describe(value)}`);
}

function disposedError(core: StackCore, method: string): ReferenceError {
  return new ReferenceError(core.disposedMessage?.(method) ?? `Cannot call ${method}() on a disposed ExitStack`);
}

/** What `defer`/`register` throw, out of their hot path: disposed first, as every method, then `value`. */
function refuse(core: StackCore, method: string, name: string, value: unknown): never {
  throw core.disposed ? disposedError(core, method) : callbackError(name, value);
}

/**
 * Values `use()` disposes its own way besides anything disposable (see the README's "Services"):
 * a `ChildProcess`, a `cluster` worker, a pino destination (SonicBoom) or transport (ThreadStream).
 * An `http.Server` and a Fastify instance are `AsyncDisposable` already.
 */
export type KnownResource =
  | { kill(...args: never[]): unknown; readonly exitCode: unknown; readonly signalCode: unknown; readonly spawnargs: readonly string[] }
  | { isDead(...args: never[]): unknown; disconnect(...args: never[]): unknown; readonly id: number; readonly process: object }
  | { flushSync(...args: never[]): unknown; flush(...args: never[]): unknown; write(...args: never[]): unknown }
  | { readonly worker: object; end(...args: never[]): unknown; once(...args: never[]): unknown };

/** The state behind a stack, for the process registry (process/registry.ts); not part of the public surface. */
export let coreOf!: (stack: ExitStack) => StackCore;

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
  readonly #core = new StackCore();

  static {
    coreOf = (stack) => stack.#core;
  }

  /**
   * `true` for an ExitStack of any copy of atexit in this thread (the ESM and
   * CommonJS builds, two installed versions); subclasses keep the ordinary rule.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== ExitStack) return Function.prototype[Symbol.hasInstance].call(this, value);
    if (!isObject(value)) return false;
    try {
      return #core in value || (value as Record<symbol, unknown>)[BRAND] === true;
    } catch {
      return false; // a revoked Proxy
    }
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
    return this.#core.disposed;
  }

  /**
   * The number of pending entries (a `scope()` counts as one). `use(null)` and
   * `use(undefined)` are not counted.
   *
   * @example
   * ```ts
   * stack.defer(() => {});
   * stack.size; // 1
   * ```
   */
  get size(): number {
    return this.#core.entries.size;
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
  use<T extends AsyncDisposable | Disposable | KnownResource | null | undefined>(value: T): T;
  /**
   * A value that is not disposable (a pool, a client with a `close()` or `end()` of its own):
   * TypeScript's error is this parameter's type, which says what to call instead. (In
   * parentheses: a bare string literal type would make TypeScript try this overload first,
   * and report the other one's error.)
   */
  use(
    value: ("Expected a value with [Symbol.asyncDispose]() or [Symbol.dispose](), null or undefined; for a value closed by a method of its own (pool.end(), db.close()), use adopt(value, onDispose)"),
  ): never;
  use<T>(value: T): T {
    const core = this.#open("use");
    if (value === null || value === undefined) {
      core.needsAwait = true;
      return value;
    }
    if (!isObject(value)) {
      throw new TypeError(`Expected \`value\` to be an object with [Symbol.asyncDispose] or [Symbol.dispose], null or undefined, got ${describe(value)}`);
    }
    // Spec GetDisposeMethod(V, async-dispose): asyncDispose first, then dispose, each read once as
    // the spec reads it (through a getter, a Proxy's get trap). A policy may dispose the value
    // better, but only around the method read here: that method is the one that runs.
    const asyncMethod: unknown = (value as Partial<AsyncDisposable>)[Symbol.asyncDispose];
    if (asyncMethod !== undefined && asyncMethod !== null) {
      if (typeof asyncMethod !== "function") {
        throw new TypeError(`Expected \`value[Symbol.asyncDispose]\` to be a function, got ${describe(asyncMethod)}`);
      }
      const adapted = core.policy?.(value, asyncMethod);
      core.entries.push(adapted === undefined ? record(ASYNC_METHOD, asyncMethod as () => unknown, value) : record(RESOURCE, undefined, adapted));
      return value;
    }
    const syncMethod: unknown = (value as Partial<Disposable>)[Symbol.dispose];
    const adapted = core.policy?.(value, syncMethod ?? undefined);
    if (adapted !== undefined) {
      core.entries.push(record(RESOURCE, undefined, adapted));
      return value;
    }
    if (typeof syncMethod !== "function") {
      throw new TypeError(
        syncMethod === undefined || syncMethod === null
          ? `Expected \`value\` to have a [Symbol.asyncDispose] or [Symbol.dispose] method, got ${describe(value)} without either`
          : `Expected \`value[Symbol.dispose]\` to be a function, got ${describe(syncMethod)}`,
      );
    }
    core.entries.push(record(SYNC_METHOD, syncMethod as () => unknown, value));
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
    const core = this.#open("adopt");
    assertCallback("onDispose", onDispose);
    core.entries.push(record(ADOPT, onDispose as (value: unknown) => unknown, value));
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
    const core = this.#core;
    if (core.disposed || typeof onDispose !== "function") refuse(core, "defer", "onDispose", onDispose);
    core.entries.push(onDispose);
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
  register<A extends unknown[], F extends (...args: A) => unknown>(fn: F, ...args: A): F {
    const core = this.#core;
    if (core.disposed || typeof fn !== "function") refuse(core, "register", "fn", fn);
    core.entries.push(args.length === 0 ? (fn as () => unknown) : record(CALL_ARGS, fn as unknown as (...args: unknown[]) => unknown, args));
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
   * @throws {TypeError} for one of this stack's own `scope()` children: a scope
   *   is a part of its parent; end it with `disposeAsync()` or `move()`.
   * @example
   * ```ts
   * const flush = atexit.register(() => log.flush());
   * atexit.unregister(flush); // true
   * ```
   */
  unregister(target: unknown): boolean {
    const core = this.#core;
    if (isObject(target) && #core in target && isScopeOf((target as ExitStack).#core, core)) {
      throw new TypeError(
        "Expected a registered function or resource, got a scope() of this stack: a scope is a part of its parent; end it with `await scope.disposeAsync()` (its entries then run) or take its entries with `scope.move()`",
      );
    }
    return core.entries.removeTarget(target);
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
    const core = this.#open("adoptWeak");
    if (!isObject(value)) {
      throw new TypeError(`Expected \`value\` to be an object (it is held weakly), got ${describe(value)}`);
    }
    assertCallback("onDispose", onDispose);
    const entry = record(ADOPT_WEAK, onDispose as (value: object) => unknown, new WeakRef(value));
    core.entries.watch(entry, value);
    core.entries.push(entry);
    return value;
  }

  /**
   * Opens a child stack that is an entry of this one, at this position.
   * Disposing the child (at the end of an `await using` block, say) runs its
   * entries and then removes it from this stack; disposing this stack first
   * disposes the child in its place (or, if the child's own disposal is under
   * way, waits for it there).
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
    const core = this.#open("scope");
    const child = new ExitStack();
    const childCore = child.#core;
    const entry = record(SCOPE, undefined, childCore);
    childCore.container = core.entries;
    childCore.ownEntry = entry;
    childCore.policy = core.policy;
    core.entries.push(entry);
    return child;
  }

  /**
   * As `AsyncDisposableStack.prototype.move`: a new `ExitStack` takes every
   * pending entry, in order, and this stack becomes disposed (a `scope()` child
   * then leaves its parent; the new stack is not a scope).
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
    const core = this.#open("move");
    const next = new ExitStack();
    const moved = core.entries;
    // The list moves whole (its scope children and weak entries keep pointing at it);
    // whoever watches this stack's occupancy keeps watching this stack.
    core.entries = new EntryList(moved.onOccupancy);
    moved.onOccupancy = undefined;
    next.#core.entries = moved;
    next.#core.needsAwait = core.needsAwait;
    core.needsAwait = false;
    core.disposed = true;
    if (moved.size > 0) core.entries.onOccupancy?.(false);
    leaveParent(core);
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
    if (!(isObject(this) && #core in this)) {
      return Promise.reject(new TypeError(`Expected \`this\` to be an ExitStack, got ${describe(this)}`));
    }
    const core = this.#core;
    if (core.disposed) return Promise.resolve();
    core.disposed = true;
    return disposeEntries(core, undefined, true);
  }

  /** Same function as {@link ExitStack.disposeAsync}, so `await using` works. */
  declare [Symbol.asyncDispose]: () => Promise<void>;
  declare readonly [Symbol.toStringTag]: string;

  /**
   * Python's `_run_exitfuncs`: disposes what is pending now, like
   * `disposeAsync`, but the stack stays open; entries added meanwhile run next.
   * Called while a disposal of this stack is in progress, it joins that one.
   *
   * @returns a promise that rejects with the chained error if any entry failed.
   * @example
   * ```ts
   * await atexit.run(); // e.g. between tests
   * ```
   */
  run(): Promise<void> {
    return disposeEntries(this.#core, undefined, true);
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
    this.#core.entries.clear();
  }

  #open(method: string): StackCore {
    const core = this.#core;
    if (core.disposed) throw disposedError(core, method);
    return core;
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
Object.defineProperty(ExitStack.prototype, BRAND, { value: true });
