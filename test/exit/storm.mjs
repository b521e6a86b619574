// The kill storm (issue 9 item 5): children that register entries of every kind, journal each
// registration and each call to a file, and are killed with SIGINT, SIGTERM or SIGHUP at random
// moments: during start-up, during work, and during the termination sequence. Every child keeps
// its event loop alive (or waits on its bottom entry) until a signal ends it, so each ends by a
// signal, and what it must have done is exact:
//
// - lost: an entry whose registration completed ("registered <id>" in the journal) never ran,
//   though the process died by a signal atexit handles. (A signal delivered before the first
//   registration installed atexit's listeners kills by the default action, but then no
//   registration completed either, so nothing counts as lost.)
// - duplicated: an entry ran more than once.
// - out of order: X and Y are on the same stack, X registered before Y, Y registered before X
//   ran, and yet X ran before Y. (Entries of a scope are on the scope's stack; a scope's
//   entries also run together: no registry entry registered before the scope's first entry ran
//   runs between the scope's first and last.)
// - wrong exit: the child did not die by the signal that should end it: the one kill of a
//   start-up or work child; the second signal of a child killed twice (T4 then T5: sent once
//   the first has started the sequence, and its bottom entry waits until the second was sent,
//   so the sequence cannot end before); the kill of a
//   child whose sequence atexit.exit(0) or the drain started (T5′: the sequence goes on, then
//   death by that signal; it also waits on its bottom entry).
// - hung: still alive at the deadline (then killed by SIGKILL; lost entries are not counted).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { repoRoot } from "../runtimes.mjs";
import { runChild } from "./child.mjs";

const atexitUrl = pathToFileURL(join(repoRoot, "dist", "index.js")).href;
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];
const KINDS = ["register", "defer", "adopt", "adoptWeak", "useAsync", "useSync", "scope"];
/** The registry's deadline in a child (its entries take a few ms), and the child's own. */
const TIMEOUT_MS = 2000;
const DEADLINE_MS = 10_000;
/** How each child is killed, with its share of the storm. */
const MODES = [
  ["startup", 3],
  ["work", 3],
  ["twice", 2],
  ["explicit", 1],
  ["drain", 1],
];

/** A small seeded generator (mulberry32), so that a storm is reproducible from its seed. */
function random(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (max) => Math.floor(next() * (max + 1));
  const pick = (list) => list[int(list.length - 1)];
  const weighted = (pairs) => {
    let roll = next() * pairs.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [value, weight] of pairs) if ((roll -= weight) < 0) return value;
    return pairs.at(-1)[0];
  };
  return { next, int, pick, weighted };
}

/** One child's plan: its entries (some registered after pauses, some during work), how it is killed. */
export function stormPlan(seed) {
  const rng = random(seed);
  const mode = rng.weighted(MODES);
  let next = 1;
  const entry = (depth) => {
    const kind = depth > 0 ? rng.pick(KINDS) : rng.pick(KINDS.slice(0, -1));
    const id = `e${next++}`;
    if (kind === "scope") return { id, kind, children: Array.from({ length: 1 + rng.int(2) }, () => entry(depth - 1)) };
    const async = kind !== "useSync" && rng.next() < 0.5;
    return { id, kind, async, ms: async ? 1 + rng.int(15) : 0, fails: rng.weighted([[false, 6], ["throw", 1], ...(async ? [["reject", 1]] : [])]) };
  };
  // Start-up: registrations, some after a pause, so that a start-up kill lands between them.
  const startup = Array.from({ length: 2 + rng.int(6) }, () => (rng.next() < 0.3 ? { pause: 1 + rng.int(10) } : entry(1)));
  const waitsForKill = mode === "twice" || mode === "explicit" || mode === "drain";
  // The bottom entry of a child killed during its sequence waits until the kill was sent.
  if (waitsForKill) startup.unshift({ id: "bottom", kind: "register", async: true, ack: true, fails: false });
  const work = mode === "drain" ? [] : Array.from({ length: rng.int(4) }, () => ({ at: 1 + rng.int(60), ...entry(0) }));
  const first = rng.pick(SIGNALS);
  const second = rng.pick(SIGNALS.filter((signal) => signal !== first));
  const kill = {
    startup: [{ signal: first, delayMs: rng.int(150) }],
    work: [{ after: "ready", signal: first, delayMs: rng.int(80) }],
    // The second once the first has started the sequence: two signals pending at once may be
    // handled in either order (Deno and Bun have done both).
    twice: [
      { after: "ready", signal: first },
      { after: "sequence started", signal: second, delayMs: rng.int(60) },
    ],
    explicit: [{ after: "ready", signal: first, delayMs: rng.int(60) }],
    drain: [{ after: "ready", signal: first, delayMs: rng.int(60) }],
  }[mode];
  return { seed, mode, startup, work, kill, trace: rng.next() < 0.2, expectedSignal: kill.at(-1).signal };
}

/** The child program of a plan: plain code, the plan inlined as data. */
export function renderStorm(plan) {
  return `// A kill-storm child (test/exit/storm.mjs), seed ${plan.seed}, mode ${plan.mode}.
import { appendFileSync, existsSync, writeSync } from "node:fs";
import atexit from ${JSON.stringify(atexitUrl)};

const dir = process.argv[2];
const plan = ${JSON.stringify({ mode: plan.mode, startup: plan.startup, work: plan.work })};
const journal = (line) => appendFileSync(\`\${dir}/journal\`, \`\${line}\\n\`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const released = () =>
  new Promise((resolve) => {
    const poll = setInterval(() => {
      if (existsSync(\`\${dir}/released\`)) {
        clearInterval(poll);
        setTimeout(resolve, 100); // more polls of the loop: the signal sent before the file is handled first
      }
    }, 5);
  });
const kept = [];
atexit.configure({ timeout: ${TIMEOUT_MS} });

function cleanup(spec) {
  return function () {
    journal(\`ran \${spec.id}\`);
    if (spec.fails === "throw") throw new Error(\`storm \${spec.id}\`);
    if (spec.ack) return released();
    if (!spec.async) return undefined;
    return sleep(spec.ms).then(() => {
      if (spec.fails === "reject") throw new Error(\`storm \${spec.id}\`);
    });
  };
}

function registerOn(stack, spec) {
  const fn = cleanup(spec);
  if (spec.kind === "register") stack.register(fn);
  if (spec.kind === "defer") stack.defer(fn);
  if (spec.kind === "adopt") stack.adopt({}, fn);
  if (spec.kind === "adoptWeak") {
    const value = {};
    kept.push(value);
    stack.adoptWeak(value, fn);
  }
  if (spec.kind === "useAsync") stack.use({ [Symbol.asyncDispose]: fn });
  if (spec.kind === "useSync") stack.use({ [Symbol.dispose]: fn });
  if (spec.kind === "scope") {
    const scope = stack.scope();
    for (const child of spec.children) registerOn(scope, child);
    return;
  }
  journal(\`registered \${spec.id}\`);
}

if (plan.mode !== "drain") setInterval(() => {}, 1 << 30); // alive until a signal ends it
atexit.signal.addEventListener("abort", () => writeSync(1, "sequence started\\n"));
for (const step of plan.startup) {
  if (step.pause !== undefined) await sleep(step.pause);
  else registerOn(atexit, step);
}
for (const spec of plan.work) setTimeout(() => registerOn(atexit, spec), spec.at);
writeSync(1, "ready\\n");
if (plan.mode === "explicit") atexit.exit(0);
`;
}

/** Which stack each entry id is on ("registry" or a scope's id), from a plan. */
function stacksOf(plan) {
  const stackOf = new Map();
  const scopeOf = new Map(); // scope id → its entries' ids, recursively
  const visit = (spec, stack) => {
    if (spec.kind !== "scope") {
      stackOf.set(spec.id, stack);
      return [spec.id];
    }
    stackOf.set(spec.id, stack);
    const ids = spec.children.flatMap((child) => visit(child, spec.id));
    scopeOf.set(spec.id, ids);
    return ids;
  };
  for (const spec of [...plan.startup, ...plan.work]) if (spec.pause === undefined) visit(spec, "registry");
  return { stackOf, scopeOf };
}

/** The storm's counts for one child (see the header). */
export function checkStormChild(plan, result, journal) {
  const counts = { entries: 0, lost: 0, duplicated: 0, outOfOrder: 0, wrongExit: 0, hung: 0, killsSent: result.sent.filter((sent) => sent.delivered).length };
  const problems = [];
  if (result.timedOut) {
    counts.hung = 1;
    problems.push("still alive at the deadline");
    return { counts, problems };
  }
  if (result.signal !== plan.expectedSignal) {
    counts.wrongExit = 1;
    problems.push(`ended by ${result.signal ?? `exit code ${result.code}`}, not by ${plan.expectedSignal}`);
  }
  const registeredAt = new Map();
  const ranAt = new Map();
  journal.forEach((line, position) => {
    const [what, id] = line.split(" ");
    if (what === "registered") registeredAt.set(id, position);
    if (what === "ran") {
      if (ranAt.has(id)) {
        counts.duplicated++;
        problems.push(`${id} ran twice`);
      } else ranAt.set(id, position);
    }
  });
  counts.entries = registeredAt.size;
  for (const id of registeredAt.keys()) {
    if (!ranAt.has(id)) {
      counts.lost++;
      problems.push(`${id} was registered and never ran`);
    }
  }
  const { stackOf, scopeOf } = stacksOf(plan);
  // A scope counts, on its parent's stack, as registered with its first entry and run when its first entry ran.
  const span = (id) => {
    if (!scopeOf.has(id)) return { registered: registeredAt.get(id), first: ranAt.get(id), last: ranAt.get(id) };
    const inner = scopeOf.get(id).map(span).filter(({ registered }) => registered !== undefined);
    const ran = inner.filter(({ first }) => first !== undefined);
    return {
      registered: inner.length > 0 ? Math.min(...inner.map(({ registered }) => registered)) : undefined,
      first: ran.length > 0 ? Math.min(...ran.map(({ first }) => first)) : undefined,
      last: ran.length > 0 ? Math.max(...ran.map(({ last }) => last)) : undefined,
    };
  };
  const items = [...stackOf.keys()].map((id) => ({ id, stack: stackOf.get(id), ...span(id) })).filter((item) => item.first !== undefined);
  for (const x of items) {
    for (const y of items) {
      if (x === y) continue;
      if (x.stack === y.stack && x.registered < y.registered && y.registered < x.first && x.first < y.first) {
        counts.outOfOrder++;
        problems.push(`${x.id} ran before ${y.id}, which was registered after it and before it ran`);
      }
      // In place: y ran inside scope x's run, though registered before x's first entry ran.
      if (scopeOf.has(x.id) && x.stack === y.stack && y.registered < x.first && y.first > x.first && y.first < x.last) {
        counts.outOfOrder++;
        problems.push(`${y.id} ran in the middle of scope ${x.id}`);
      }
    }
  }
  return { counts, problems };
}

/** Runs one child of the storm on `runtime`; resolves with its plan, counts and problems. */
export async function runStormChild(runtime, seed) {
  const plan = stormPlan(seed);
  const dir = mkdtempSync(join(tmpdir(), "atexit-storm-"));
  try {
    const script = join(dir, "child.mjs");
    writeFileSync(script, renderStorm(plan));
    const signals = plan.kill.map((kill, index) => (index === plan.kill.length - 1 ? { ...kill, release: join(dir, "released") } : kill));
    const result = await runChild(runtime, script, { args: [dir], env: plan.trace ? { ATEXIT_TRACE: "1" } : {}, signals, deadlineMs: DEADLINE_MS });
    let journal = [];
    try {
      journal = readFileSync(join(dir, "journal"), "utf8").split("\n").slice(0, -1);
    } catch {
      // killed before anything was journalled
    }
    return { plan, journal, ...checkStormChild(plan, result, journal), stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
