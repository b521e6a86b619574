// fast-check generators of programs (the data format of test/model/stack-model.mjs, "Programs").
//
//   programArbitrary(options)  → Program: functions, disposables and objects declared up front,
//                                then main-program steps, ending with disposeAsync() of s0
//   behaviourArbitrary(options) → Behaviour: sync or async (microtask or macrotask delay),
//                                succeeds, throws/rejects an Error or undefined, and runs actions
//                                when called (and, if async, when it resumes)
//   actionArbitrary(options)   → Action: one operation on a stack
//   registrationArbitrary(options) → Action: only register/defer/adopt/adoptWeak/use/scope, the
//                                part a process-level program puts on the registry
//
// options: { ops } — which operations actions may use, by weight (default `defaultOps`; pass
// fewer to leave some out); { maxStack } — stack indices 0..maxStack (default 3); sizes
// { maxFns, maxSteps, maxActions }. Every index is taken modulo what exists when it runs, so a
// shrunk program (fewer functions, fewer stacks) stays valid.
import fc from "fast-check";

/** Weights of each operation in actions (entries' actions and main-program steps alike). */
export const defaultOps = {
  register: 6,
  defer: 5,
  adopt: 3,
  adoptWeak: 2,
  use: 5,
  unregister: 4,
  scope: 4,
  move: 1,
  clear: 1,
  run: 3,
  disposeAsync: 3,
  asyncDispose: 1,
  size: 2,
  disposed: 1,
};

/** Primitives chosen so that SameValueZero is visible: NaN, 0 and -0, and the nullish ones. */
const primitives = [0, -0, NaN, 1, "a", undefined, null, true];

function values({ maxStack }) {
  const index = fc.nat({ max: 7 });
  return {
    fn: index.map((fn) => ({ fn })),
    disposable: index.map((disposable) => ({ disposable })),
    object: index.map((object) => ({ object })),
    stack: fc.nat({ max: maxStack }).map((stack) => ({ stack })),
    primitive: fc.constantFrom(...primitives).map((primitive) => ({ primitive })),
  };
}

/** Any value: what adopt() takes, what register() passes on, what unregister() looks for. */
function anyValue(options) {
  const v = values(options);
  return fc.oneof({ arbitrary: v.object, weight: 3 }, { arbitrary: v.fn, weight: 3 }, { arbitrary: v.disposable, weight: 2 }, v.stack, v.primitive);
}

/** A function argument: nearly always a declared function; sometimes a value that is not callable. */
function fnValue(options) {
  const v = values(options);
  return fc.oneof({ arbitrary: v.fn, weight: 12 }, v.object, fc.constant({ primitive: 1 }));
}

/** What use() is given: a disposable, a stack, null/undefined, or something it must refuse. */
function useValue(options) {
  const v = values(options);
  return fc.oneof(
    { arbitrary: v.disposable, weight: 8 },
    { arbitrary: v.stack, weight: 2 },
    fc.constantFrom({ primitive: null }, { primitive: undefined }),
    fc.oneof(v.object, v.fn, fc.constant({ primitive: 1 })),
  );
}

export function actionArbitrary({ ops = defaultOps, maxStack = 3 } = {}) {
  const options = { maxStack };
  const stack = fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, fc.nat({ max: maxStack }));
  const shapes = {
    register: fc.record({ fn: fnValue(options), args: fc.array(anyValue(options), { maxLength: 2 }) }),
    defer: fc.record({ fn: fnValue(options) }),
    adopt: fc.record({ value: anyValue(options), fn: fnValue(options) }),
    adoptWeak: fc.record({ value: anyValue(options), fn: fnValue(options) }),
    use: fc.record({ value: useValue(options) }),
    unregister: fc.record({ target: anyValue(options) }),
  };
  return fc.oneof(
    ...Object.entries(ops).map(([op, weight]) => ({
      weight,
      arbitrary: fc
        .tuple(stack, shapes[op] ?? fc.constant({}))
        .map(([on, fields]) => ({ op, stack: on, ...fields })),
    })),
  );
}

export const registrationOps = { register: 6, defer: 5, adopt: 3, adoptWeak: 2, use: 5, scope: 3 };
export const registrationArbitrary = (options = {}) => actionArbitrary({ ...options, ops: registrationOps });

export function behaviourArbitrary({ maxActions = 3, ...options } = {}) {
  const actions = fc.array(actionArbitrary(options), { maxLength: maxActions });
  const fails = fc.oneof({ arbitrary: fc.constant(false), weight: 5 }, { arbitrary: fc.constant("error"), weight: 2 }, fc.constant("undefined"));
  const delay = fc.oneof(
    fc.integer({ min: 1, max: 3 }).map((micro) => ({ micro })),
    fc.integer({ min: 1, max: 2 }).map((macro) => ({ macro })),
  );
  const sync = fc.record({ async: fc.constant(false), fails, before: actions });
  const async = fc.record({ async: fc.constant(true), delay, fails, before: actions, after: actions });
  return fc.oneof(sync, async);
}

export function programArbitrary({ maxFns = 5, maxSteps = 10, ...options } = {}) {
  const behaviour = behaviourArbitrary(options);
  const disposable = fc
    .tuple(behaviour, fc.constantFrom("asyncDispose", "dispose"))
    // A [Symbol.dispose] method is sync (spec: its result is not awaited).
    .map(([b, method]) => (method === "dispose" ? { async: false, fails: b.fails, before: b.before, method } : { ...b, method }));
  return fc
    .record({
      fns: fc.array(behaviour, { minLength: 1, maxLength: maxFns }),
      disposables: fc.array(disposable, { minLength: 1, maxLength: 3 }),
      objects: fc.integer({ min: 1, max: 2 }),
      steps: fc.array(actionArbitrary(options), { minLength: 1, maxLength: maxSteps }),
    })
    .map((program) => ({ ...program, steps: [...program.steps, { op: "disposeAsync", stack: 0 }] }));
}
