// fast-check generators of process-model programs (the format of test/model/process-model.mjs):
// entries of every kind with every outcome, some registering more or calling atexit.exit() or
// process.exit() when they run, scopes holding entries, one trigger, signals synchronised on
// entries that wait for them, and now and then an atexit.signal listener that calls atexit.exit(). Ids are given after generation (e1, e2, … in registration order),
// so that a shrunk program keeps readable, consecutive names.
//
// The stack-level generators (test/model/arbitraries.mjs) describe values and stack operations;
// these describe what a process sees of an entry (how long it takes, whether it ends the
// process, how it is named), which those do not carry.
import fc from "fast-check";

import { predict } from "./process-model.mjs";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];
/** The deadline of a program whose entries may hang (above a second signal's 1.2 s wait past the echo window), and of every other one (a bound, not a limit they reach). */
const HANG_TIMEOUT_MS = 2000;
const TIMEOUT_MS = 3000;

/** `arbitrary` once in `odds + 1` draws, undefined otherwise. */
const rarely = (arbitrary, odds) => fc.oneof({ arbitrary: fc.constant(undefined), weight: odds }, arbitrary);

const outcomes = (kind) =>
  kind === "useSync"
    ? fc.constantFrom("return", "return", "throw", "reject", "hang")
    : fc.oneof(
        { arbitrary: fc.constantFrom("return", "throw", "reject", "delay"), weight: 12 },
        { arbitrary: fc.constantFrom("hang", "ack"), weight: 2 },
        { arbitrary: fc.constantFrom("exitLater", "throwLater"), weight: 1 },
      );

/** What an entry does besides its outcome when it runs (registrations first, then the exits). */
function actionsArbitrary(nested) {
  const register = fc.array(nested, { maxLength: 2 }).map((entries) => entries.map((entry) => ({ register: entry })));
  const atexitExit = rarely(fc.integer({ min: 0, max: 5 }), 6);
  const processExit = rarely(fc.integer({ min: 0, max: 9 }), 30);
  return fc.tuple(register, atexitExit, processExit).map(([registrations, code, exitCode]) => [
    ...registrations,
    ...(code === undefined ? [] : [{ atexitExit: code }]),
    ...(exitCode === undefined ? [] : [{ processExit: exitCode }]),
  ]);
}

/** One entry (no scope when `depth` is 0 or when registered from inside another entry). */
function entryArbitrary(depth, { nested = false } = {}) {
  const plainKinds = ["register", "register", "registerArgs", "defer", "defer", "adopt", "adoptWeak", "useAsync", "useAsync", "useSync"];
  const kind = depth > 0 && !nested ? fc.constantFrom(...plainKinds, "scope", "scope") : fc.constantFrom(...plainKinds);
  const inner = nested ? fc.constant([]) : actionsArbitrary(entryArbitrary(0, { nested: true }));
  return kind.chain((chosen) => {
    if (chosen === "scope") return fc.array(entryArbitrary(depth - 1), { minLength: 1, maxLength: 3 }).map((children) => ({ kind: "scope", children }));
    return fc
      .record({
        outcome: outcomes(chosen),
        actions: inner,
        anonymous: fc.oneof({ arbitrary: fc.constant(false), weight: 5 }, fc.constant(true)),
        value: fc.constantFrom("instance", "instance", "object", "string"),
        exitCode: fc.integer({ min: 0, max: 9 }),
      })
      .map(({ outcome, actions, anonymous, value, exitCode }) => ({
        kind: chosen,
        // An entry that calls process.exit() goes no further: its outcome is "return".
        outcome: actions.some((action) => action.processExit !== undefined) ? "return" : outcome,
        ...(actions.length > 0 ? { actions } : {}),
        ...(anonymous && ["register", "defer", "adopt", "adoptWeak"].includes(chosen) ? { anonymous } : {}),
        ...(["adopt", "adoptWeak", "useAsync", "useSync"].includes(chosen)
          ? { value: value === "string" && chosen !== "adopt" ? "instance" : value } // a WeakRef and a disposable need objects
          : {}),
        ...(outcome === "exitLater" ? { exitCode } : {}),
      }));
  });
}

const triggerArbitrary = fc.oneof(
  fc.constant({ kind: "drain" }),
  fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }).map((code) => ({ kind: "explicit", ...(code === undefined ? {} : { code }) })),
  fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }).map((code) => ({ kind: "exit", ...(code === undefined ? {} : { code }) })),
  fc.constantFrom(...SIGNALS).map((signal) => ({ kind: "signal", signal })),
  fc.constantFrom("throw", "reject").map((how) => ({ kind: "error", how })),
);

/** Every entry of a program, registration order first, then what entries register, depth first. */
function allEntries(entries) {
  return entries.flatMap((entry) => [entry, ...allEntries(entry.children ?? []), ...allEntries((entry.actions ?? []).flatMap((action) => (action.register ? [action.register] : [])))]);
}

/** Gives every entry its id (e1, e2, …) and resolves the signals' targets among the entries that wait. */
function finish({ entries, trigger, signalPicks, exitCode, observe, onAbort, trace }) {
  let next = 1;
  const named = (entry) => ({
    id: `e${next++}`,
    ...entry,
    ...(entry.children ? { children: entry.children.map(named) } : {}),
    ...(entry.actions ? { actions: entry.actions.map((action) => (action.register ? { register: named(action.register) } : action)) } : {}),
  });
  const withIds = entries.map(named);
  const everything = allEntries(withIds);
  const waiting = everything.filter((entry) => entry.kind !== "useSync" && (entry.outcome === "hang" || entry.outcome === "ack"));
  const signals =
    trigger.kind === "exit" || waiting.length === 0 ? [] : signalPicks.map(({ signal, pick }) => ({ signal, at: waiting[pick % waiting.length].id }));
  const mayHang = everything.some((entry) => ["hang", "ack", "exitLater"].includes(entry.outcome));
  return {
    entries: withIds,
    trigger,
    ...(signals.length > 0 ? { signals } : {}),
    timeout: mayHang ? HANG_TIMEOUT_MS : TIMEOUT_MS,
    ...(exitCode === undefined ? {} : { exitCode }),
    ...(observe ? { observe } : {}),
    ...(onAbort === undefined ? {} : { onAbort }),
    ...(trace ? { trace } : {}),
  };
}

/**
 * A program whose outcome the model can predict exactly (predict(program).invalid is
 * undefined): options { maxEntries } (top-level registrations, default 6), { depth } (scope
 * nesting, default 2).
 */
export function processProgramArbitrary({ maxEntries = 6, depth = 2 } = {}) {
  return fc
    .record({
      entries: fc.array(entryArbitrary(depth), { minLength: 1, maxLength: maxEntries }),
      trigger: triggerArbitrary,
      signalPicks: fc.array(fc.record({ signal: fc.constantFrom(...SIGNALS), pick: fc.nat({ max: 20 }) }), { maxLength: 2 }),
      exitCode: rarely(fc.integer({ min: 0, max: 3 }), 4),
      observe: fc.boolean(),
      onAbort: rarely(fc.integer({ min: 0, max: 5 }), 6),
      trace: fc.boolean(),
    })
    .map(finish)
    .filter((program) => predict(program).invalid === undefined);
}
