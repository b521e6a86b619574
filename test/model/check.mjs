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

/** The model's pick among its allowed next events: the one the real journal shows next. */
const followJournal = (journal) => (candidates, world) => {
  const next = journal[world.journal.length];
  return next && candidates.find(({ type, callee, n }) => type === next.type && callee === next.callee && n === next.n);
};

/** What shapeOf() (test/unit/helpers.mjs) gives for the error the model predicts. */
export function expectedShape(value) {
  if (value instanceof ModelFailure) return { name: "Error", message: value.label };
  if (!(value instanceof ModelSuppressed)) return { primitive: typeof value, value };
  const dataProperty = { enumerable: false, writable: true, configurable: true, isData: true }; // CreateNonEnumerableDataPropertyOrThrow
  return {
    name: "SuppressedError",
    isError: true,
    isGlobalSuppressedError: typeof globalThis.SuppressedError === "function" ? true : "no global",
    ownKeys: ["error", "suppressed"],
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
export async function checkProgram(program, ExitStack) {
  const rt = createRuntime(new ExitStack());
  await runProgramCode(program, rt);
  const world = new ModelWorld(program, { choose: followJournal(rt.journal) });
  const journals = () =>
    `\n  journal, model (expected):\n${world.journal.map((event) => `    ${eventText(event)}\n`).join("")}` +
    `  journal, ExitStack (actual):\n${rt.journal.map((event) => `    ${eventText(event)}\n`).join("")}`;

  for (const [i, action] of program.steps.entries()) {
    const start = world.journal.length;
    const { results } = world.step(action);
    const real = rt.steps[i];
    const where = `step ${i + 1}, ${actionCode(action, program)}`;
    const differ = (what, expected, actual) =>
      `${where}: ${what}\n  model (expected): ${expected}\n  ExitStack (actual): ${actual}${journals()}`;

    if (!same(results, real.results)) return differ("the operation's result", show(results), show(real.results));
    const end = Math.max(world.journal.length, real.journalEnd);
    for (let j = start; j < end; j++) {
      const expected = world.journal[j];
      const actual = j < real.journalEnd ? rt.journal[j] : undefined;
      if (same(expected, actual)) continue;
      const candidates = world.candidates().map(({ type, callee, n }) => `${type} ${callee}#${n}`);
      const allowed = expected ? eventText(expected) : candidates.length > 0 ? `one of: ${candidates.join(" | ")}` : "nothing more in this step";
      // (the model declined: the event ExitStack made is none of those it allows here)
      return differ(`journal event ${j + 1}`, allowed, eventText(actual));
    }
    const waiting = world.candidates().map(({ type, callee, n }) => `${type} ${callee}#${n}`);
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
  return undefined;
}
