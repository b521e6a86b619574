// A program (test/model/stack-model.mjs, "Programs") as code for a real ExitStack: the code the
// model-based test runs is the code a failure prints, so a printed counterexample reproduces.
//
//   programToCode(program)   → the program's body: declarations of f<i>/d<i>/o<i>, then the
//                              steps, each `await rt.step(() => …)`; runs with `rt` in scope
//   standaloneCode(program)  → the body wrapped to be pasted into a file at the repository root
//                              and run with `node file.mjs` (prints the journal as JSON lines)
//   runProgramCode(program, rt) → runs the body with that runtime (AsyncFunction), resolves when done
//   createRuntime(root, options) → rt, which records what the model predicts:
//     rt.journal  Event[] (as the model's: call/resume, callee, n, this, args, results)
//     rt.steps    [{ results, journalEnd, promisesEnd, observed: [{ size, disposed }], hung: [promise ids] }]
//                 per main-program step (…End: the journal's and promises' lengths when it ended)
//     rt.promises [{ outcome: undefined | { resolved: value } | { rejected: reason } }] in the
//                 order the operations returned them (as the model numbers them)
//   Options: `StackClass` (what counts as a new stack in a result; default root.constructor),
//   `onEvent(event)` (called as each event starts, e.g. to append it to a file), `turns` (how
//   many macrotask turns a step may take to settle before it counts as hung; default 2000).
import { primitiveLabel } from "./stack-model.mjs";

const isObject = (value) => value !== null && (typeof value === "object" || typeof value === "function");
const macrotask = () => new Promise((resolve) => setImmediate(resolve));

export function createRuntime(root, { StackClass = root.constructor, onEvent = () => {}, turns = 2000 } = {}) {
  const labels = new Map([[root, "s0"]]);
  const stacks = [root];
  const journal = [];
  const steps = [];
  const promises = [];
  const calls = new Map();
  let results = null; // where act() records: the current step's, or the running call's

  const label = (value) => (isObject(value) ? (labels.get(value) ?? "?") : primitiveLabel(value));
  /** A stack returned by scope() or move() is named as the model names it: the next s<n>. */
  const labelResult = (value) => {
    if (value instanceof StackClass && !labels.has(value)) {
      labels.set(value, `s${stacks.length}`);
      stacks.push(value);
    }
    return label(value);
  };

  const rt = {
    journal,
    steps,
    promises,
    stacks,
    s: (k) => stacks[k % stacks.length],

    /** One operation; its result, thrown error class or promise goes to the current record. */
    act(operation) {
      const into = results;
      try {
        const value = operation();
        if (typeof value?.then === "function") {
          const record = { outcome: undefined };
          value.then(
            (resolved) => (record.outcome = { resolved }),
            (rejected) => (record.outcome = { rejected }),
          );
          into.push({ promise: promises.push(record) - 1 });
        } else {
          into.push({ value: labelResult(value) });
        }
      } catch (error) {
        into.push({ threw: isObject(error) ? error.constructor?.name : typeof error });
      }
    },

    /** A step of the main program: the operation, then wait until every promise has settled. */
    async step(operation) {
      results = [];
      const record = { results, journalEnd: undefined, promisesEnd: undefined, observed: undefined, hung: [] };
      rt.act(operation);
      results = null;
      let waited = 0;
      while (promises.some((promise) => promise.outcome === undefined) && waited++ < turns) await macrotask();
      record.hung = promises.flatMap((promise, id) => (promise.outcome === undefined ? [id] : []));
      // Two more turns: work a stack did after its promise settled lands in this step, not the next.
      await macrotask();
      await macrotask();
      record.journalEnd = journal.length;
      record.promisesEnd = promises.length;
      record.observed = stacks.map((stack) => ({ size: stack.size, disposed: stack.disposed }));
      steps.push(record);
    },

    fn(name, behaviour, before, after) {
      const fn = behaviour.async
        ? async function (...args) {
            const n = enter(name, this, args, before);
            await wait(behaviour.delay);
            resume(name, n, after);
            fail(name, n, behaviour);
          }
        : function (...args) {
            const n = enter(name, this, args, before);
            fail(name, n, behaviour);
          };
      Object.defineProperty(fn, "name", { value: name }); // what the registry's diagnostics show
      labels.set(fn, name);
      return fn;
    },

    disposable(name, method, behaviour, before, after) {
      const fn = rt.fn(name, behaviour, before, after);
      labels.delete(fn); // the object is the value; the method is not handed out
      const value = { [Symbol[method]]: fn };
      labels.set(value, name);
      return value;
    },

    object(name) {
      const value = {};
      labels.set(value, name);
      return value;
    },
  };

  /** A call starts: journal it, run its actions on its first call. */
  function enter(name, self, args, actions) {
    const n = (calls.get(name) ?? 0) + 1;
    calls.set(name, n);
    const event = { type: "call", callee: name, n, this: label(self), args: args.map(label), results: [] };
    record(event, n === 1 ? actions : undefined);
    return n;
  }
  function resume(name, n, actions) {
    record({ type: "resume", callee: name, n, results: [] }, n === 1 ? actions : undefined);
  }
  function record(event, actions) {
    journal.push(event);
    onEvent(event);
    if (!actions) return;
    const saved = results;
    results = event.results;
    try {
      actions();
    } finally {
      results = saved;
    }
  }
  function fail(name, n, { fails }) {
    if (fails === "undefined") throw undefined;
    if (fails) throw new Error(`${name}#${n}`);
  }
  return rt;
}

async function wait(delay) {
  for (let i = 0; i < (delay.micro ?? 0); i++) await null;
  for (let i = 0; i < (delay.macro ?? 0); i++) await macrotask();
}

// ---- the code form ----

function valueCode(ref) {
  if ("fn" in ref) return `f${ref.fn}`;
  if ("disposable" in ref) return `d${ref.disposable}`;
  if ("object" in ref) return `o${ref.object}`;
  if ("stack" in ref) return `s(${ref.stack})`;
  const value = ref.primitive;
  if (typeof value === "string") return JSON.stringify(value);
  if (Object.is(value, -0)) return "-0";
  return String(value);
}

/** `s(0).register(f1, o0)`: one operation as code, with values named as the program declares them. */
export function actionCode(action, program) {
  // Indices are taken modulo the declared counts, as the model does.
  const at = (ref) => {
    if ("fn" in ref) return { fn: ref.fn % program.fns.length };
    if ("disposable" in ref) return { disposable: ref.disposable % program.disposables.length };
    if ("object" in ref) return { object: ref.object % program.objects };
    return ref;
  };
  const v = (ref) => valueCode(at(ref));
  const on = `s(${action.stack})`;
  switch (action.op) {
    case "register":
      return `${on}.register(${[action.fn, ...action.args].map(v).join(", ")})`;
    case "defer":
      return `${on}.defer(${v(action.fn)})`;
    case "adopt":
    case "adoptWeak":
      return `${on}.${action.op}(${v(action.value)}, ${v(action.fn)})`;
    case "use":
      return `${on}.use(${v(action.value)})`;
    case "unregister":
      return `${on}.unregister(${v(action.target)})`;
    case "size":
    case "disposed":
      return `${on}.${action.op}`;
    case "asyncDispose":
      return `${on}[Symbol.asyncDispose]()`;
    default:
      return `${on}.${action.op}()`;
  }
}

const behaviourCode = ({ async, delay, fails }) =>
  `{ async: ${async}${async ? `, delay: ${JSON.stringify(delay).replaceAll('"', "").replaceAll(":", ": ")}` : ""}, fails: ${JSON.stringify(fails)} }`;

function actionsCode(actions, program) {
  if (actions.length === 0) return "() => {}";
  return `() => {\n${actions.map((action) => `  act(() => ${actionCode(action, program)});\n`).join("")}}`;
}

function declarationCode(kind, name, behaviour, program) {
  const parts = [JSON.stringify(name)];
  if (kind === "disposable") parts.push(JSON.stringify(behaviour.method));
  parts.push(behaviourCode(behaviour), actionsCode(behaviour.before, program));
  if (behaviour.async && behaviour.after.length > 0) parts.push(actionsCode(behaviour.after, program));
  return `const ${name} = rt.${kind}(${parts.join(", ")});`;
}

export function programToCode(program) {
  const lines = ["const { s, act } = rt;"];
  program.fns.forEach((behaviour, i) => lines.push(declarationCode("fn", `f${i}`, behaviour, program)));
  program.disposables.forEach((behaviour, i) => lines.push(declarationCode("disposable", `d${i}`, behaviour, program)));
  for (let i = 0; i < program.objects; i++) lines.push(`const o${i} = rt.object("o${i}");`);
  for (const action of program.steps) lines.push(`await rt.step(() => ${actionCode(action, program)});`);
  return lines.join("\n");
}

export function standaloneCode(program) {
  return [
    `import { ExitStack } from "atexit";`,
    `import { createRuntime } from "./test/model/program.mjs";`,
    `const rt = createRuntime(new ExitStack());`,
    programToCode(program),
    `for (const event of rt.journal) console.log(JSON.stringify(event));`,
    `console.log(JSON.stringify({ steps: rt.steps, promises: rt.promises.map(({ outcome }) => outcome && Object.keys(outcome)[0]) }));`,
  ].join("\n");
}

const AsyncFunction = (async () => {}).constructor;

/** Runs the program's code against `rt` (made by createRuntime). */
export function runProgramCode(program, rt) {
  return new AsyncFunction("rt", programToCode(program))(rt);
}
