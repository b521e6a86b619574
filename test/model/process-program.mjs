// A process-model program (test/model/process-model.mjs) as a file a runtime can run, run as a
// child process, and compared with the model's prediction. The rendered source is also how a
// failing program is shown: it is complete and runnable as printed
// (`node program.mjs <dir>`, with ATEXIT_TRACE=1 when the program traces).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";

import { repoRoot } from "../runtimes.mjs";
import { runChild } from "../exit/child.mjs";
import { ACK_MS, DELAY_MS, EXIT_LATER_MS, LATE_MS, predict } from "./process-model.mjs";

const atexitUrl = pathToFileURL(join(repoRoot, "dist", "index.js")).href;

/**
 * The helpers the entries call (`hold`, `later`, `released`, `kept`), as source: the prelude of a
 * child's program, and what an in-process run evaluates (process-in-process.mjs) over its virtual
 * timers. They need `acked(id)`: whether the test has sent the signal synchronised on "start <id>".
 */
export const HELPERS = `/** Keeps the event loop alive, as a socket that never answers would. */
const hold = () => setInterval(() => {}, 1 << 30);
/** Runs \`then\` after \`ms\`: its result (or what it throws) settles the promise. */
const later = (ms, then) =>
  new Promise((resolve, reject) =>
    setTimeout(() => {
      try {
        resolve(then());
      } catch (error) {
        reject(error);
      }
    }, ms),
  );
/**
 * Resolves once the test has sent the signal synchronised on "start <id>" and the signal has
 * been handled: the ack appears after kill() returned, and the wait after it lets the event
 * loop poll again, where a pending signal is handled (Deno's signal delivery, under load, has
 * taken longer than one poll).
 */
const released = (id) =>
  new Promise((resolve) => {
    const poll = setInterval(() => {
      if (acked(id)) {
        clearInterval(poll);
        setTimeout(resolve, ${ACK_MS});
      }
    }, 5);
  });
/** Values held weakly by adoptWeak stay reachable: collection is the dedicated tests' business. */
const kept = [];
`;

const PRELUDE = `import { appendFileSync, existsSync, writeSync } from "node:fs";
import atexit from ${JSON.stringify(atexitUrl)};

const dir = process.argv[2];
/** One journal line: appended to a file (so that it survives death by a signal) and on stdout. */
const journal = (line) => {
  appendFileSync(\`\${dir}/journal\`, \`\${line}\\n\`);
  writeSync(1, \`\${line}\\n\`);
};
/** The test creates <dir>/ack-<id> right after it has sent the signal synchronised on "start <id>". */
const acked = (id) => existsSync(\`\${dir}/ack-\${id}\`);
${HELPERS}`;

const indent = (lines, depth = 1) => lines.map((line) => (line === "" ? line : `${"  ".repeat(depth)}${line}`));

/** What the entry does once called: its start line, its actions, its outcome. */
function body(entry, startCheck) {
  const { id } = entry;
  // The start line also says whether the entry was called as registered (arguments, value, this).
  const lines = [startCheck ? `journal(${startCheck.test} ? "start ${id}" : "start ${id} with ${startCheck.wrong}");` : `journal("start ${id}");`];
  for (const action of entry.actions ?? []) {
    if (action.register !== undefined) lines.push(...renderEntry(action.register, "atexit"));
    if (action.atexitExit !== undefined) lines.push(`atexit.exit(${action.atexitExit});`);
    if (action.processExit !== undefined) lines.push(`journal("exit ${id} ${action.processExit}");`, `process.exit(${action.processExit});`);
  }
  if (entry.kind === "useSync") {
    const outcome = {
      return: [],
      throw: [`throw new Error("boom ${id}");`],
      reject: [`const ignored = Promise.reject(new Error("ignored ${id}"));`, "ignored.catch(() => {});", "return ignored; // not awaited: a sync dispose"],
      hang: ["return new Promise(() => {}); // not awaited: a sync dispose"],
    }[entry.outcome];
    if (outcome === undefined) throw new Error(`a useSync entry cannot ${entry.outcome}`);
    return [...lines, ...outcome];
  }
  const outcome = {
    return: [],
    throw: [`throw new Error("boom ${id}");`],
    reject: [`return later(${DELAY_MS}, () => {`, `  journal("end ${id}");`, `  throw new Error("boom ${id}");`, "});"],
    delay: [`return later(${DELAY_MS}, () => journal("end ${id}"));`],
    hang: ["hold();", "return new Promise(() => {});"],
    ack: [`return released("${id}").then(() => journal("end ${id}"));`],
    exitLater: ["hold();", `setTimeout(() => process.exit(${entry.exitCode}), ${EXIT_LATER_MS});`, "return new Promise(() => {});"],
    throwLater: [
      "setTimeout(() => {",
      `  throw new Error("late ${id}");`,
      "});",
      `return later(${LATE_MS}, () => journal("end ${id}"));`,
    ],
  }[entry.outcome];
  if (outcome === undefined) throw new Error(`unknown outcome ${entry.outcome}`);
  return [...lines, ...outcome];
}

/** A function entry: named by its id, or an arrow function ("anonymous function"). */
function fn(entry, params, startCheck) {
  const head = entry.anonymous ? `(${params}) => {` : `function ${entry.id}(${params}) {`;
  return [head, ...indent(body(entry, startCheck)), "}"];
}

/** The value adopt/adoptWeak hold, or use disposes (docs/exit-paths.md "<value>"). */
function valueExpression(entry, prefix) {
  if (entry.value === "object") return "{}";
  if (entry.value === "string") return JSON.stringify(`v-${entry.id}`);
  return `new (class ${prefix}_${entry.id} {})()`;
}

/** The statements that register `entry` on `target` (a variable naming a stack). */
export function renderEntry(entry, target) {
  const { id } = entry;
  /** `target.method(` + the function's lines + `)`: the first and last lines joined. */
  const call = (method, before, fnLines, after) => [`${target}.${method}(${before}${fnLines[0]}`, ...fnLines.slice(1, -1), `${fnLines.at(-1)}${after});`];
  switch (entry.kind) {
    case "register":
      return call("register", "", fn(entry, ""), "");
    case "registerArgs":
      return call("register", "", fn(entry, "a, b", { test: 'a === 1 && b === "two"', wrong: "wrong arguments" }), ', 1, "two"');
    case "defer":
      return call("defer", "", fn(entry, ""), "");
    case "adopt":
    case "adoptWeak": {
      const value = `value_${id}`;
      const declare = [`const ${value} = ${valueExpression(entry, "V")};`];
      if (entry.kind === "adoptWeak") declare.push(`kept.push(${value});`);
      const check = { test: `value === ${value}`, wrong: "a wrong value" };
      return [...declare, ...call(entry.kind, `${value}, `, fn(entry, "value", check), "")];
    }
    case "useAsync":
    case "useSync": {
      const resource = `resource_${id}`;
      const method = entry.kind === "useAsync" ? "[Symbol.asyncDispose]" : "[Symbol.dispose]";
      const check = { test: `this === ${resource}`, wrong: "a wrong this" };
      const methodLines = [`${method}() {`, ...indent(body(entry, check)), "}"];
      const open = entry.value === "object" ? "{" : `new (class R_${id} {`;
      const close = entry.value === "object" ? "};" : "})();";
      return [`const ${resource} = ${open}`, ...indent(methodLines), close, `${target}.use(${resource});`];
    }
    case "scope": {
      const scope = `scope_${id}`;
      return [`const ${scope} = ${target}.scope();`, ...(entry.children ?? []).flatMap((child) => renderEntry(child, scope))];
    }
    default:
      throw new Error(`unknown entry kind ${entry.kind}`);
  }
}

/** The main module's last statements: what ends the process (README "How each exit runs"). */
function renderTrigger(trigger) {
  switch (trigger.kind) {
    case "drain":
      return ["// T1: nothing keeps the loop alive, so it drains."];
    case "explicit":
      return [`setTimeout(() => atexit.exit(${trigger.code ?? ""})); // T2`];
    case "exit":
      return [`process.exit(${trigger.code ?? ""}); // T3`];
    case "signal":
      return ["hold();", `journal("ready"); // T4: the test sends ${trigger.signal} on this line`];
    case "error":
      return trigger.how === "throw"
        ? ["setTimeout(() => {", '  throw new Error("uncaught-main"); // T6', "});"]
        : ['Promise.reject(new Error("rejected-main")); // T6'];
    default:
      throw new Error(`unknown trigger ${trigger.kind}`);
  }
}

/** The program as source code, complete and runnable. */
export function render(program) {
  const lines = [`// A generated program; run: <runtime> <this file> <dir>${program.trace ? " with ATEXIT_TRACE=1" : ""}.`];
  for (const { signal, at } of program.signals ?? []) lines.push(`// The test sends ${signal} when "start ${at}" appears, then creates <dir>/ack-${at}.`);
  return [...lines, PRELUDE, renderMain(program)].join("\n");
}

/** The main module after the prelude: the options, the observers, the entries, the trigger. */
export function renderMain(program) {
  const lines = [];
  if (program.timeout !== undefined) lines.push(`atexit.configure({ timeout: ${program.timeout} });`);
  if (program.exitCode !== undefined) lines.push(`process.exitCode = ${program.exitCode};`);
  if (program.observe) {
    lines.push(
      'atexit.signal.addEventListener("abort", () => journal(`abort ${atexit.reason?.kind}`));',
      "atexit.exiting.then((reason) => journal(`exiting ${reason.kind}`));",
    );
  }
  if (program.onAbort !== undefined) lines.push(`atexit.signal.addEventListener("abort", () => atexit.exit(${program.onAbort}));`);
  for (const entry of program.entries) lines.push(...renderEntry(entry, "atexit"));
  lines.push(...renderTrigger(program.trigger), "");
  return lines.join("\n");
}

/** Runs `program` on `runtime` in a fresh temporary directory; resolves with what it did. */
export async function runProgram(runtime, program, { deadlineMs } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "atexit-program-"));
  try {
    const script = join(dir, "program.mjs");
    writeFileSync(script, render(program));
    const signals = [
      ...(program.trigger.kind === "signal" ? [{ after: "ready", signal: program.trigger.signal }] : []),
      ...(program.signals ?? []).map(({ signal, at }) => ({ after: `start ${at}`, signal, release: join(dir, `ack-${at}`) })),
    ];
    const result = await runChild(runtime, script, { args: [dir], env: program.trace ? { ATEXIT_TRACE: "1" } : {}, signals, deadlineMs });
    let journal = [];
    try {
      journal = readFileSync(join(dir, "journal"), "utf8").split("\n").slice(0, -1);
    } catch {
      // no entry and no marker ran: an empty journal
    }
    return { ...result, journal };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** An expected `atexit:` line as a pattern: exact but for `<ms>`. */
const linePattern = (text) => new RegExp(`^${escapeRegExp(text).replaceAll("<ms>", "\\d+(?:\\.\\d+)?")}$`);

/**
 * What the child did and what the model predicted, side by side in one shape, so that a
 * deepEqual of the two shows exactly what differs: the end, the journal (optional lines the
 * child wrote are set aside), the `atexit:` lines (a line matching its expected pattern reads
 * as the pattern), and the stderr facts checked beside them.
 */
export function sideBySide(prediction, outcome) {
  const expected = {
    end: prediction.end,
    journal: prediction.journal.filter(({ optional }) => !optional).map(({ line }) => line),
    atexitLines: prediction.lines.map(({ text }) => text),
    stderrFacts: [],
  };
  const actual = { end: outcome.signal ? { signal: outcome.signal } : { code: outcome.code }, journal: [], atexitLines: [], stderrFacts: [] };
  if (outcome.timedOut) actual.end = { stillRunningAfterDeadline: true };
  if (outcome.spawnError) actual.end = { spawnError: String(outcome.spawnError) };

  const optional = prediction.journal.filter((line) => line.optional).map(({ line }) => line);
  actual.journal = outcome.journal.filter((line) => {
    const index = optional.indexOf(line);
    if (index === -1) return true;
    optional.splice(index, 1); // once: a second copy is a line written twice
    return false;
  });

  const stderrLines = outcome.stderr.split("\n");
  const atexitIndexes = stderrLines.flatMap((line, index) => (line.startsWith("atexit: ") ? [index] : []));
  actual.atexitLines = atexitIndexes.map((index, k) => {
    const line = stderrLines[index];
    const wanted = prediction.lines[k];
    return wanted !== undefined && linePattern(wanted.text).test(line) ? wanted.text : line;
  });
  // The line under each expected failure line: found by matching, in order, so that a missing or
  // extra line elsewhere does not shift every fact after it.
  let from = 0;
  for (const { text, next } of prediction.lines) {
    if (next === undefined) continue;
    const fact = `the line after "${text}" contains "${next}"`;
    expected.stderrFacts.push(fact);
    const k = atexitIndexes.findIndex((index, position) => position >= from && linePattern(text).test(stderrLines[index]));
    if (k === -1) {
      actual.stderrFacts.push(`no line "${text}"`);
      continue;
    }
    from = k + 1;
    const under = stderrLines[atexitIndexes[k] + 1] ?? "";
    actual.stderrFacts.push(under.includes(next) ? fact : `the line after "${text}" is "${under}"`);
  }
  for (const text of prediction.stderrIncludes) {
    const fact = `stderr contains "${text}"`;
    expected.stderrFacts.push(fact);
    actual.stderrFacts.push(outcome.stderr.includes(text) ? fact : `stderr lacks "${text}"`);
  }
  return { actual, expected };
}

/** Runs `program` and returns { prediction, outcome, actual, expected, agrees }. */
export async function checkProgram(runtime, program, options) {
  const prediction = predict(program);
  if (prediction.invalid !== undefined) throw new Error(`not a program with an exact outcome: ${prediction.invalid}`);
  const outcome = await runProgram(runtime, program, options);
  const { actual, expected } = sideBySide(prediction, outcome);
  return { prediction, outcome, actual, expected, agrees: isDeepStrictEqual(actual, expected) };
}

const excerpt = (text, limit = 4000) => (text.length > limit ? `${text.slice(0, limit)}\n… (${text.length} chars)` : text);

/** The child's own output, for a failure message. */
export function childOutput(outcome) {
  return `--- stdout ---\n${excerpt(outcome.lines.join("\n"))}\n--- stderr ---\n${excerpt(outcome.stderr)}`;
}
