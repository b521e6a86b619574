// The oracle: a plain reference model of SPEC §2.1 (`ExitStack`) plus docs/decisions.md ("Decisions
// where the SPEC is silent" and /work/wt/notes/STACK-DECISIONS.md, written from those texts and
// not from src/. It runs *programs as data* (see "Programs" below), so that the same program can
// be run by the model, compiled to code for the real ExitStack (test/model/program.mjs), or
// written out as a child process (the process-level model builds on this one).
//
// ## Programs
//
//   Program   = { fns: Behaviour[], disposables: Disposable[], objects: number, steps: Action[] }
//   Behaviour = { async: false, fails, before: Action[] }                       // a sync function
//             | { async: true, delay: { micro: n } | { macro: n }, fails, before: Action[], after: Action[] }
//   fails     = false | "error" | "undefined"   // throws/rejects with Error("<label>#<call>") or undefined
//   Disposable= Behaviour & { method: "asyncDispose" | "dispose" }  // an object with that one method
//   Action    = { op: "register", stack, fn: Value, args: Value[] } | { op: "defer", stack, fn }
//             | { op: "adopt" | "adoptWeak", stack, value: Value, fn: Value } | { op: "use", stack, value }
//             | { op: "unregister", stack, target: Value }
//             | { op: "scope" | "move" | "clear" | "run" | "disposeAsync" | "size" | "disposed", stack }
//             | { op: "asyncDispose", stack }   // stack[Symbol.asyncDispose]()
//   Value     = { fn: i } | { disposable: i } | { object: i } | { stack: k } | { primitive: v }
//
// Values f<i>, d<i>, o<i> exist from the start (index i is taken modulo their count); stacks are
// made as the program runs: s0 is the first, then each stack that scope() or move() returns, in
// order, and `stack: k` means stack k modulo the number of stacks at that moment. A function's
// `before` actions run when it is called and an async one's `after` actions when it resumes
// after its delay, both on its first call only (so every program ends); then it returns or
// fails. Nested run()/disposeAsync() are not awaited: their promise is a result, checked later.
//
// ## API
//
//   const world = new ModelWorld(program, { choose })
//   world.step(action)   → { results, events }  one main-program step: act, then settle
//   world.act(action, results)  one operation now (results gets one Result), no settling
//   world.run(stack) / world.disposeAsync(stack) → promise record { outcome }: start or join a loop
//   world.settle()       runs every loop until nothing can happen (or `choose` declines)
//   world.candidates()   → [{ type: "internal" | "call" | "resume", callee, n, apply }] next moves
//   world.drainSync(stack) → { abandoned, failures }  T3-style: every pending entry called now
//   world.stacks, world.journal, world.loops (in progress)
//   world.promises[id].outcome  the promises operations returned, numbered as they returned
//   world.observe()      → [{ size, disposed }] per stack, in stack order
//   isStuck(world)       loops still in progress after settle(): a wait cycle (never finishes)
//   internalFirst(choose) a `choose` that makes internal moves at once and asks `choose` only
//                        among observable events (one fixed order, as a process model wants)
//
//   Result = { value: label } | { threw: "TypeError" | "ReferenceError" } | { promise: id }
//   Event  = { type: "call", callee, n, this, args, results } | { type: "resume", callee, n, results }
//            (callee = "f<i>" or "d<i>", n = its n-th call, this/args as labels, results of its actions)
//   outcome = { resolved: undefined } | { rejected: ModelFailure | ModelSuppressed | undefined }
//
// Disposal loops run one entry at a time. Where two loops are in flight at once (a scope's own
// disposal beside its parent's loop, or a nested disposal of another stack), the next event
// is any one of `candidates()`; `choose(candidates, world)` picks it (default: the first, which
// runs each loop's internal moves as early as possible). A checker passes a `choose` that
// follows the journal actually observed, so that any interleaving the rules allow is accepted
// and nothing else.

/** SameValueZero (unregister's comparison, docs/decisions.md): NaN matches NaN, 0 matches -0. */
export const sameValueZero = (a, b) => a === b || (a !== a && b !== b);

/** How a primitive appears in a journal; objects carry their own label. */
export function primitiveLabel(value) {
  if (typeof value === "string") return JSON.stringify(value);
  if (Object.is(value, -0)) return "-0";
  return String(value);
}

const labelOf = (value) => (isObject(value) ? value.label : primitiveLabel(value));
const isObject = (value) => value !== null && (typeof value === "object" || typeof value === "function");

/** An entry's failure: `new Error("<callee>#<n>")`, compared by its label. */
export class ModelFailure {
  constructor(label) {
    this.label = label;
  }
}

/** `new SuppressedError(error, suppressed)`, as DisposeResources creates it. */
export class ModelSuppressed {
  constructor(error, suppressed) {
    this.error = error;
    this.suppressed = suppressed;
  }
}

/** A TypeError or ReferenceError an operation throws. */
class ModelThrow {
  constructor(name) {
    this.name = name;
  }
}

class ModelStack {
  kind = "stack";
  entries = []; // bottom first; the loop takes from the end
  disposed = false;
  loop = null; // the disposal loop in progress, if any (one per stack)
  parent = null; // the stack this one is a scope() entry of, while it is one
  constructor(label) {
    this.label = label;
  }
  get size() {
    return this.entries.length;
  }
}

/** The values an entry matches in unregister(): its function and its resource. */
function targetsOf(entry) {
  if (entry.kind === "register" || entry.kind === "defer") return [entry.fn];
  if (entry.kind === "adopt") return [entry.value, entry.fn];
  if (entry.kind === "use") return [entry.value];
  return []; // a scope entry matches nothing (STACK-DECISIONS 5)
}

/** The stack an entry disposes (a scope child, or a stack handed to use()), or undefined. */
function stackOf(entry) {
  if (entry.kind === "scope") return entry.child;
  if (entry.kind === "use" && entry.value.kind === "stack") return entry.value;
  return undefined;
}

/** Who an entry calls, with which `this` and arguments (SPEC §2.1 table). */
function calleeOf(entry) {
  if (entry.kind === "register") return { owner: entry.fn, self: undefined, args: entry.args };
  if (entry.kind === "defer") return { owner: entry.fn, self: undefined, args: [] };
  if (entry.kind === "adopt") return { owner: entry.fn, self: undefined, args: [entry.value] };
  return { owner: entry.value, self: entry.value, args: [] }; // use: the method, on the value
}

export class ModelWorld {
  stacks = [];
  journal = [];
  promises = [];
  loops = new Set();
  inFlight = []; // async calls waiting for their resume
  #calls = new Map(); // callee label → number of calls so far
  #nextLoopId = 0;

  constructor(program, { choose = (candidates) => candidates[0] } = {}) {
    this.program = program;
    this.choose = choose;
    this.fns = program.fns.map((behaviour, i) => ({ kind: "fn", label: `f${i}`, behaviour }));
    this.disposables = program.disposables.map((behaviour, i) => ({ kind: "disposable", label: `d${i}`, behaviour }));
    this.objects = Array.from({ length: program.objects }, (_, i) => ({ kind: "object", label: `o${i}` }));
    this.#newStack();
  }

  #newStack() {
    const stack = new ModelStack(`s${this.stacks.length}`);
    this.stacks.push(stack);
    return stack;
  }

  resolve(ref) {
    const pick = (list, i) => list[i % list.length];
    if ("fn" in ref) return pick(this.fns, ref.fn);
    if ("disposable" in ref) return pick(this.disposables, ref.disposable);
    if ("object" in ref) return pick(this.objects, ref.object);
    if ("stack" in ref) return pick(this.stacks, ref.stack);
    return ref.primitive;
  }

  observe() {
    return this.stacks.map((stack) => ({ size: stack.size, disposed: stack.disposed }));
  }

  /** One step of the main program: the operation, then every loop it started, to the end. */
  step(action) {
    const start = this.journal.length;
    const results = [];
    this.act(action, results);
    this.settle();
    return { results, events: this.journal.slice(start) };
  }

  /** Performs one operation and appends its Result. */
  act(action, results) {
    const stack = this.resolve({ stack: action.stack });
    try {
      const value = this.#operate(stack, action);
      if (value?.kind === "promise") {
        // Numbered as the operation returns (after any calls it made), as a caller sees them.
        value.id = this.promises.push(value) - 1;
        results.push({ promise: value.id });
      } else {
        results.push({ value: labelOf(value) });
      }
    } catch (thrown) {
      if (!(thrown instanceof ModelThrow)) throw thrown;
      results.push({ threw: thrown.name });
    }
  }

  #operate(stack, action) {
    const open = () => {
      // SPEC §2.1: after disposal use/adopt/defer/move/register throw ReferenceError, before any argument is checked.
      if (stack.disposed) throw new ModelThrow("ReferenceError");
    };
    const callable = (ref) => {
      const value = this.resolve(ref);
      if (value?.kind !== "fn") throw new ModelThrow("TypeError");
      return value;
    };
    switch (action.op) {
      case "register": {
        open();
        const fn = callable(action.fn);
        stack.entries.push({ kind: "register", fn, args: action.args.map((arg) => this.resolve(arg)) });
        return fn;
      }
      case "defer":
        open();
        stack.entries.push({ kind: "defer", fn: callable(action.fn) });
        return undefined;
      case "adopt":
      case "adoptWeak": {
        open();
        const value = this.resolve(action.value);
        const fn = callable(action.fn);
        if (action.op === "adoptWeak" && !isObject(value)) throw new ModelThrow("TypeError"); // WeakRef needs an object
        stack.entries.push({ kind: "adopt", value, fn }); // alive for the whole program (STACK-DECISIONS 9)
        return value;
      }
      case "use": {
        open();
        const value = this.resolve(action.value);
        if (value === null || value === undefined) return value; // accepted, not an entry (SPEC: not counted)
        // Spec GetDisposeMethod: [Symbol.asyncDispose], else [Symbol.dispose], else TypeError.
        if (value?.kind !== "disposable" && value?.kind !== "stack") throw new ModelThrow("TypeError");
        stack.entries.push({ kind: "use", value });
        return value;
      }
      case "unregister": {
        const target = this.resolve(action.target);
        // STACK-DECISIONS 5: a scope is part of its parent, not a registration.
        if (stack.entries.some((entry) => entry.kind === "scope" && entry.child === target)) throw new ModelThrow("TypeError");
        const before = stack.entries.length;
        stack.entries = stack.entries.filter((entry) => !targetsOf(entry).some((value) => sameValueZero(value, target)));
        return stack.entries.length < before;
      }
      case "scope": {
        open();
        const child = this.#newStack();
        child.parent = stack;
        stack.entries.push({ kind: "scope", child });
        return child;
      }
      case "move": {
        open();
        const moved = this.#newStack();
        moved.entries = stack.entries;
        stack.entries = [];
        for (const entry of moved.entries) if (entry.kind === "scope") entry.child.parent = moved; // STACK-DECISIONS 6
        stack.disposed = true;
        if (stack.parent) this.#leaveParent(stack); // a moved scope child leaves its parent at once
        return moved; // a loop in progress on `stack` ends after its in-flight entry: nothing is left
      }
      case "clear":
        for (const entry of stack.entries) if (entry.kind === "scope") entry.child.parent = null; // STACK-DECISIONS 7
        stack.entries = [];
        return undefined;
      case "size":
        return stack.size;
      case "disposed":
        return stack.disposed;
      case "run":
        return this.run(stack, { now: true });
      case "disposeAsync":
      case "asyncDispose": // [Symbol.asyncDispose](), the same function (SPEC §2.1)
        return this.disposeAsync(stack, { now: true });
      default:
        throw new Error(`unknown operation ${action.op}`);
    }
  }

  #newPromise(outcome) {
    return { kind: "promise", outcome };
  }

  /** A promise that settles with `loop`'s outcome (STACK-DECISIONS 1: a second call joins). */
  #join(loop) {
    const promise = this.#newPromise(undefined);
    loop.joined.push(promise);
    return promise;
  }

  /**
   * `stack.run()`. With `now`, a new loop calls its first entry before returning, as the spec's
   * disposeAsync does; run() is "like disposeAsync" (SPEC §2.1).
   */
  run(stack, { now = false } = {}) {
    if (stack.loop) return this.#join(stack.loop);
    if (stack.disposed) return this.#newPromise({ resolved: undefined });
    return this.#startLoop(stack, now);
  }

  /** `stack.disposeAsync()` / `[Symbol.asyncDispose]()`. */
  disposeAsync(stack, { now = false } = {}) {
    if (stack.disposed) return this.#newPromise({ resolved: undefined }); // spec: a second call resolves at once
    stack.disposed = true; // published before the first entry runs (STACK-DECISIONS 2)
    if (stack.loop) return this.#join(stack.loop); // joining a run(): disposed at once, same outcome
    return this.#startLoop(stack, now);
  }

  #startLoop(stack, now) {
    const loop = { id: this.#nextLoopId++, stack, state: "ready", completion: undefined, joined: [], waitingOn: undefined };
    stack.loop = loop; // "in progress" before the first entry is called (STACK-DECISIONS 2)
    this.loops.add(loop);
    const promise = this.#join(loop);
    if (now) this.#advance(loop, { callNow: true });
    return promise;
  }

  /**
   * What a ready loop does next without an observable call: end (nothing pending), wait at a
   * scope child whose own disposal is in progress, or dispose a stack entry in place. With
   * `callNow` it also calls a function entry (the synchronous first step of a loop).
   * Returns whether it did anything.
   */
  #advance(loop, { callNow = false } = {}) {
    const top = loop.stack.entries.at(-1);
    if (top === undefined) {
      this.#finish(loop);
      return true;
    }
    const target = stackOf(top);
    if (top.kind === "scope" && target.disposed) {
      // STACK-DECISIONS 4: the child keeps its place; wait there; its error is not ours.
      if (!target.loop) throw new Error(`model invariant: ${target.label} is disposed but still in ${loop.stack.label}`);
      loop.state = "waiting";
      loop.waitingOn = this.#join(target.loop);
      loop.propagate = false;
      return true;
    }
    if (target) {
      loop.stack.entries.pop();
      if (top.kind === "scope") target.parent = null; // taken by its parent's loop: it leaves now
      loop.state = "waiting";
      loop.waitingOn = this.disposeAsync(target, { now: callNow }); // like use(child)
      loop.propagate = true;
      return true;
    }
    if (!callNow) return false;
    // Spec DisposeResources awaits each result, except after a synchronous throw: then the next
    // entry is called at once, still within this step.
    if (this.#call(loop) === "threw") this.#advance(loop, { callNow });
    return true;
  }

  /** A waiting loop whose awaited disposal has settled becomes ready again. */
  #wake(loop) {
    const { outcome } = loop.waitingOn;
    if (loop.propagate && "rejected" in outcome) this.#fail(loop, outcome.rejected);
    loop.state = "ready";
    loop.waitingOn = undefined;
  }

  #finish(loop) {
    const { stack } = loop;
    loop.state = "done";
    this.loops.delete(loop);
    stack.loop = null;
    const outcome = loop.completion ? { rejected: loop.completion.value } : { resolved: undefined };
    for (const promise of loop.joined) promise.outcome = outcome;
    if (stack.disposed && stack.parent) this.#leaveParent(stack); // its own disposal settled: it leaves
  }

  #leaveParent(child) {
    const { entries } = child.parent;
    entries.splice(entries.findIndex((entry) => entry.kind === "scope" && entry.child === child), 1);
    child.parent = null;
  }

  /** Spec DisposeResources: the first failure, then SuppressedError(newError, previous) for each later one. */
  #fail(loop, value) {
    loop.completion = { value: loop.completion ? new ModelSuppressed(value, loop.completion.value) : value };
  }

  #failure(owner, n) {
    return owner.behaviour.fails === "undefined" ? undefined : new ModelFailure(`${owner.label}#${n}`);
  }

  /** Takes the top entry of a ready loop and calls it; returns "threw" if it threw synchronously. */
  #call(loop) {
    const entry = loop.stack.entries.pop();
    const call = this.#invoke(entry);
    if (call.pending) {
      loop.state = "calling";
      this.inFlight.push({ ...call, loop });
      return "pending";
    }
    loop.state = "ready";
    if (!call.failed) return "returned";
    this.#fail(loop, call.error);
    // A [Symbol.dispose] method is wrapped by the spec (GetDisposeMethod) in a function that
    // returns a rejected promise instead of throwing; every other function throws as it is.
    return entry.kind === "use" && entry.value.behaviour.method === "dispose" ? "rejected" : "threw";
  }

  /** Calls an entry's function or method: journal, `before` actions, and a sync one's outcome. */
  #invoke(entry) {
    const { owner, self, args } = calleeOf(entry);
    const n = (this.#calls.get(owner.label) ?? 0) + 1;
    this.#calls.set(owner.label, n);
    const event = { type: "call", callee: owner.label, n, this: labelOf(self), args: args.map(labelOf), results: [] };
    this.journal.push(event);
    const { behaviour } = owner;
    if (n === 1) for (const action of behaviour.before) this.act(action, event.results);
    if (behaviour.async) return { pending: true, owner, n };
    return behaviour.fails ? { failed: true, error: this.#failure(owner, n) } : {};
  }

  #resume(call) {
    this.inFlight.splice(this.inFlight.indexOf(call), 1);
    const { owner, n, loop } = call;
    const event = { type: "resume", callee: owner.label, n, results: [] };
    this.journal.push(event);
    if (n === 1) for (const action of owner.behaviour.after) this.act(action, event.results);
    if (owner.behaviour.fails) this.#fail(loop, this.#failure(owner, n));
    loop.state = "ready";
  }

  /**
   * What could happen next. Observable: a ready loop calls its top entry, or an async call
   * resumes. Internal (not in the journal, listed first): a loop ends, takes a stack entry,
   * starts waiting at a scope child, or wakes once what it waits for has settled. In ExitStack
   * these happen a few microtasks after the previous settlement, so where two loops are in flight
   * an event of the other loop may come first: a checker may pick them in any order.
   */
  candidates() {
    const list = [];
    for (const loop of this.loops) {
      const apply = this.#internalMove(loop);
      if (apply) list.push({ type: "internal", callee: loop.stack.label, n: 0, apply });
    }
    for (const loop of this.loops) {
      const top = loop.state === "ready" ? loop.stack.entries.at(-1) : undefined;
      if (top === undefined || stackOf(top)) continue;
      const { owner } = calleeOf(top);
      list.push({ type: "call", callee: owner.label, n: (this.#calls.get(owner.label) ?? 0) + 1, apply: () => this.#call(loop) });
    }
    for (const call of this.inFlight) {
      list.push({ type: "resume", callee: call.owner.label, n: call.n, apply: () => this.#resume(call) });
    }
    return list;
  }

  #internalMove(loop) {
    if (loop.state === "waiting") return loop.waitingOn.outcome === undefined ? undefined : () => this.#wake(loop);
    if (loop.state !== "ready") return undefined;
    const top = loop.stack.entries.at(-1);
    return top === undefined || stackOf(top) ? () => this.#advance(loop) : undefined;
  }

  /** Runs every loop until nothing more can happen or `choose` returns nothing (default: the first candidate). */
  settle() {
    for (;;) {
      const candidates = this.candidates();
      if (candidates.length === 0) return;
      const next = this.choose(candidates, this);
      if (!next) return;
      next.apply();
    }
  }

  /**
   * T3-style (docs/exit-paths.md "Cut short"): every pending entry of `stack`, top first, called at once;
   * a scope child or a used stack is drained in its place; an async call is abandoned (its
   * `after` never runs). Entries added meanwhile are on top and are called too.
   */
  drainSync(stack) {
    const failures = [];
    let abandoned = 0;
    while (stack.entries.length > 0) {
      const entry = stack.entries.pop();
      const target = stackOf(entry);
      if (target) {
        if (entry.kind === "scope") target.parent = null;
        const inner = this.drainSync(target);
        abandoned += inner.abandoned;
        failures.push(...inner.failures);
        continue;
      }
      const call = this.#invoke(entry);
      if (call.pending) abandoned++;
      if (call.failed) failures.push(call.error);
    }
    return { abandoned, failures };
  }
}

/**
 * A `choose` that makes every internal move as soon as it can, and asks `choose` only when the
 * next event is observable (then every candidate it sees is a call or a resume): the model's
 * behaviour before internal moves were candidates, for callers that follow one order.
 */
export const internalFirst = (choose) => (candidates, world) =>
  candidates.find(({ type }) => type === "internal") ?? choose(candidates, world);

/** Loops still in progress once settle() has returned: a cycle of waits that never ends. */
export const isStuck = (world) => world.loops.size > 0;
