// Runs one program on a real ExitStack (through its code, test/model/program.mjs) and replays it
// on the model (test/model/stack-model.mjs), following the observed journal wherever the model
// allows more than one next event. Returns the first disagreement, described for a human, or
// undefined when ExitStack did exactly what the model allows.
import { ModelFailure, ModelSuppressed, ModelWorld, isStuck } from "./stack-model.mjs";
import { actionCode, createRuntime, runProgramCode } from "./program.mjs";
import { shapeOf } from "../unit/helpers.mjs";

/** Whether the model runs the program to its end: a program whose loops wait for each other forever is not run. */
export function modelFinishes(program) {
  const world = new ModelWorld(program);
  return program.steps.every((action) => {
    world.step(action);
    return !isStuck(world);
  });
}

/**
 * The own keys shapeOf() lists for a SuppressedError made by the runtime's own DisposeResources
 * (Bun adds `line` and `column` to every error); without a native one, the spec's two.
 */
const suppressedOwnKeys = await (async () => {
  if (typeof globalThis.AsyncDisposableStack !== "function") return ["error", "suppressed"];
  const native = new globalThis.AsyncDisposableStack();
  native.defer(() => {
    throw 1;
  });
  native.defer(() => {
    throw 2;
  });
  return native.disposeAsync().then(
    () => ["error", "suppressed"],
    (error) => shapeOf(error).ownKeys,
  );
})();

/** What shapeOf() (test/unit/helpers.mjs) gives for the error the model predicts. */
export function expectedShape(value) {
  if (value instanceof ModelFailure) return { name: "Error", message: value.label };
  if (!(value instanceof ModelSuppressed)) return { primitive: typeof value, value };
  const dataProperty = { enumerable: false, writable: true, configurable: true, isData: true }; // CreateNonEnumerableDataPropertyOrThrow
  return {
    name: "SuppressedError",
    isError: true,
    isGlobalSuppressedError: typeof globalThis.SuppressedError === "function" ? true : "no global",
    ownKeys: suppressedOwnKeys,
    errorAttributes: dataProperty,
    suppressedAttributes: dataProperty,
    error: expectedShape(value.error),
    suppressed: expectedShape(value.suppressed),
  };
}

const outcomeShape = (outcome, shape) => {
  if (outcome === undefined) return "pending";
  if ("rejected" in outcome) return { rejected: shape(outcome.rejected) };
  return { resolved: outcome.resolved === undefined ? "undefined" : typeof outcome.resolved };
};

const resultText = (result) =>
  "promise" in result ? `promise #${result.promise}` : "threw" in result ? `throws ${result.threw}` : result.value;
/** `call f0#1 (this undefined, args [o0]) → [s1, throws TypeError]`: one journal event on one line. */
export function eventText(event) {
  if (!event) return "(nothing)";
  const call = event.type === "call" ? ` (this ${event.this}, args [${event.args.join(", ")}])` : "";
  return `${event.type} ${event.callee}#${event.n}${call} → [${event.results.map(resultText).join(", ")}]`;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const show = (value) => JSON.stringify(value);

/**
 * Runs `program` on `new ExitStack()` and on the model. Returns undefined when they agree, or a
 * text naming the step, what the model expected and what ExitStack did, with both journals.
 */
export async function checkProgram(program, ExitStack, options) {
  const rt = createRuntime(new ExitStack());
  await runProgramCode(program, rt);
  return replayOnModel(program, rt, options);
}

/**
 * Looks for an order of the model's moves that reproduces everything `rt` recorded. The model's
 * observable events must match the journal one for one; where it also has internal moves (a loop
 * ending, taking a scope, waking) that could come before or after the next event, both are tried,
 * depth first, internal moves first. Returns undefined on a match, else the failure of the
 * attempt that matched the most.
 */
export function replayOnModel(program, rt, { attempts = 200 } = {}) {
  let prefix = [];
  let best;
  let tried = 0;
  while (tried++ < attempts) {
    const attempt = replayOnce(program, rt, prefix);
    if (attempt.failure === undefined) return undefined;
    if (!best || attempt.progress > best.progress) best = attempt;
    const { choices } = attempt;
    let j = choices.length - 1;
    while (j >= 0 && choices[j].pick + 1 >= choices[j].count) j--;
    if (j < 0) break;
    prefix = [...choices.slice(0, j).map(({ pick }) => pick), choices[j].pick + 1];
  }
  return tried > 1 ? `${best.failure}  (the best of ${tried - 1} orders of the model's moves tried)\n` : best.failure;
}

/** One replay, taking choice k as `prefix[k]` (else the first); returns { failure, choices, progress }. */
function replayOnce(program, rt, prefix) {
  const choices = [];
  let stepEnd = 0;
  const choose = (candidates, world) => {
    const next = world.journal.length < stepEnd ? rt.journal[world.journal.length] : undefined;
    const viable = candidates.filter(
      ({ type, callee, n }) => type === "internal" || (next && type === next.type && callee === next.callee && n === next.n),
    );
    if (viable.length <= 1) return viable[0];
    const pick = prefix[choices.length] ?? 0;
    choices.push({ count: viable.length, pick });
    return viable[pick];
  };
  const world = new ModelWorld(program, { choose });
  const lines = (events) => events.map((event) => `    ${eventText(event)}\n`).join("");
  const observable = () => world.candidates().filter(({ type }) => type !== "internal").map(({ type, callee, n }) => `${type} ${callee}#${n}`);

  for (const [i, action] of program.steps.entries()) {
    const real = rt.steps[i];
    stepEnd = real.journalEnd;
    const start = world.journal.length;
    const { results } = world.step(action);
    const where = `step ${i + 1}, ${actionCode(action, program)}`;
    const differ = (what, expected, actual) => ({
      choices,
      progress: i * 1e6 + world.journal.length,
      failure:
        `${where}: ${what}\n  model (expected): ${expected}\n  ExitStack (actual): ${actual}\n` +
        `  journal to the end of this step, model (expected):\n${lines(world.journal)}` +
        `  journal to the end of this step, ExitStack (actual):\n${lines(rt.journal.slice(0, real.journalEnd))}`,
    });

    if (!same(results, real.results)) return differ("the operation's result", show(results), show(real.results));
    const end = Math.max(world.journal.length, real.journalEnd);
    for (let j = start; j < end; j++) {
      const expected = world.journal[j];
      const actual = j < real.journalEnd ? rt.journal[j] : undefined;
      if (same(expected, actual)) continue;
      const allowed = observable();
      const text = expected ? eventText(expected) : allowed.length > 0 ? `one of: ${allowed.join(" | ")}` : "nothing more in this step";
      return differ(`journal event ${j + 1}`, text, eventText(actual));
    }
    const waiting = observable();
    if (waiting.length > 0) {
      return differ(`journal event ${world.journal.length + 1}`, `one of: ${waiting.join(" | ")}`, "nothing more in this step");
    }
    for (const [id, promise] of world.promises.entries()) {
      const expected = outcomeShape(promise.outcome, expectedShape);
      const actual = outcomeShape(rt.promises[id]?.outcome, shapeOf);
      if (!same(expected, actual)) return differ(`the outcome of promise #${id}`, show(expected), show(actual));
    }
    if (real.promisesEnd !== world.promises.length) {
      return differ("the number of promises returned so far", world.promises.length, real.promisesEnd);
    }
    const observed = world.observe();
    if (!same(observed, real.observed)) return differ("size and disposed of every stack after the step", show(observed), show(real.observed));
  }
  return { choices, failure: undefined };
}

/**
 * Greedy clean-up after fast-check's shrinking: drops steps, actions, arguments, declarations and
 * delays, and makes behaviours plainer, one at a time, keeping each change that still disagrees.
 * Returns the smallest program found and its disagreement.
 */
export async function minimize(program, ExitStack) {
  let best = program;
  let failure = await checkProgram(best, ExitStack);
  const tryCandidate = async (candidate) => {
    if (!modelFinishes(candidate)) return false;
    const result = await checkProgram(candidate, ExitStack);
    if (result === undefined) return false;
    best = candidate;
    failure = result;
    return true;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const candidate of simpler(best)) if (await tryCandidate(candidate)) changed = true;
  }
  return { program: best, failure };
}

/** Every program one simplification away from `program` (a generator: each is built on demand). */
function* simpler(program) {
  const without = (list, i) => [...list.slice(0, i), ...list.slice(i + 1)];
  const withItem = (list, i, item) => [...list.slice(0, i), item, ...list.slice(i + 1)];
  for (let i = 0; i < program.steps.length; i++) yield { ...program, steps: without(program.steps, i) };
  for (const kind of ["fns", "disposables"]) {
    const list = program[kind];
    if (list.length > 1) for (let i = 0; i < list.length; i++) yield { ...program, [kind]: without(list, i) };
    for (const [i, behaviour] of list.entries()) {
      const variant = (changes) => ({ ...program, [kind]: withItem(list, i, { ...behaviour, ...changes }) });
      for (const part of ["before", "after"]) {
        for (let j = 0; j < (behaviour[part]?.length ?? 0); j++) yield variant({ [part]: without(behaviour[part], j) });
      }
      if (behaviour.fails) yield variant({ fails: false });
      if (behaviour.async && behaviour.after.length === 0) yield variant({ async: false, delay: undefined, after: undefined });
      if (behaviour.async && JSON.stringify(behaviour.delay) !== '{"micro":1}') yield variant({ delay: { micro: 1 } });
    }
  }
  if (program.objects > 1) yield { ...program, objects: 1 };
  for (const [i, step] of program.steps.entries()) {
    for (let j = 0; j < (step.args?.length ?? 0); j++) yield { ...program, steps: withItem(program.steps, i, { ...step, args: without(step.args, j) }) };
    if (step.stack !== 0) yield { ...program, steps: withItem(program.steps, i, { ...step, stack: 0 }) };
  }
}
