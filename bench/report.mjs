/**
 * BENCHMARKS.md from the results of bench/run.mjs. Every number in it comes
 * from this run: the goal table is goals.mjs's ratios, and the prose under a
 * goal that is not met names what bounds it (BOUNDS below) next to the
 * experiment that shows it, measured in the same run, so the report cannot
 * drift from the measurements.
 */
import { GOAL_RUNTIMES, goalRows, missed, NOISE, sizeName } from "./goals.mjs";

const fmt = (x, digits = 3) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : +x.toPrecision(digits) + "") : "–");
const times = (r) => (Number.isFinite(r) && r > 0 ? `×${r.toFixed(2)}` : "–");
const pct = (x) => `${x >= 0 ? "+" : "−"}${fmt(Math.abs(x), 2)}%`;
const RUNTIME_NAMES = { node20: "Node 20", node24: "Node 24", bun: "Bun", deno: "Deno", python3: "Python" };
const rtName = (runtime) => RUNTIME_NAMES[runtime] ?? runtime;

function point(series, n) {
  const p = series?.points.find((q) => q.n === n);
  return p && !p.skipped && !p.error ? p : undefined;
}

/** The series of `list` for library `lib` on `runtime` (and `keep`). */
function find(list, lib, runtime, keep = () => true) {
  return (list ?? []).find((s) => s.lib === lib && s.runtime === runtime && keep(s));
}

/**
 * Why atexit costs what it costs where a peer beats it: each a function of the
 * results, so that the experiment behind the sentence is quoted from this run.
 */
const BOUNDS = {
  scope: () =>
    "A scope is three objects (the `ExitStack`, its state, its entry list) and a record in its parent, and its `disposeAsync()` is an async function awaiting each entry, as the spec's; " +
    "the native stack does the same work in C++. On an otherwise empty registry the process listeners stay installed until the registry has been empty for 10 ms, so a scope per request does not add and remove them.",
  requests: () =>
    "The time per request is the server's and the client's together (one process); the scope's share is the difference to the row without a scope in section 9.",
  register: (results) => {
    const bare = (runtime) => point(find(results.register, "bare", runtime), results.plan.headline)?.value;
    const atexit = (runtime) => point(find(results.register, "atexit", runtime, (s) => s.op === "register"), results.plan.headline)?.value;
    const peer = (runtime) => point(find(results.register, "async-exit-hook", runtime), results.plan.headline)?.value;
    return (
      "async-exit-hook's `add` is a module function that pushes onto a module-level array and validates nothing. atexit's `register` is a method bound to the registry " +
      "(so that `const { register } = atexit` works): it reads the stack's state from a private field, checks that the stack is open and `fn` callable, and pushes one slot " +
      "onto the entry list, a private field of another object; a rest parameter takes `...args`. The first calls of a process also pay V8 compiling each of these functions in turn " +
      "(interpreter, baseline, optimizing). The experiment: the bare operation, that shape reduced to one bound method, one private array and the same two checks, " +
      `costs ${MAIN_RUNTIMES.map((rt) => `${fmt(bare(rt))} ns on ${rtName(rt)}`).join(" and ")} in the same run, against atexit's ${MAIN_RUNTIMES.map((rt) => fmt(atexit(rt))).join(" and ")} ` +
      `and async-exit-hook's ${MAIN_RUNTIMES.map((rt) => fmt(peer(rt))).join(" and ")}.`
    );
  },
  memory: () =>
    "A `use` entry is a record (kind, method, value, position): the spec reads the dispose method when `use()` is called, so it has to be kept beside the value, and a record is an object " +
    "of its own with a header; the native stack keeps the pair inside its own storage. `register`, `defer` and `adopt`'s function are one slot, as the peers' entries.",
  unregister: (results) => {
    const n = results.plan.unregisterN;
    const ms = (lib, runtime) => (point(find(results.unregister, lib, runtime), n)?.value ?? NaN) * n * 1e-6;
    return (
      "exit-hook's remover is one `Set.prototype.delete` on a set it filled when the hooks were registered (its registration costs several times atexit's; see section 2). " +
      "atexit builds its target index (a Map from target to position; a WeakMap only for `adoptWeak` values) on the first `unregister`, so that registration stays a one-slot push: " +
      `the timed removals include filling it, ${sizeName(n)} inserts, then a lookup, a delete and a tombstone per call, and the index rebuilt after each compaction. ` +
      "The experiment: the bare operation (the same Map built on first use, then one get and one delete per call) takes " +
      `${MAIN_RUNTIMES.map((rt) => `${fmt(ms("bare", rt))} ms on ${rtName(rt)}`).join(" and ")} in the same run, against atexit's ${MAIN_RUNTIMES.map((rt) => fmt(ms("atexit", rt))).join(" and ")} ms; ` +
      `the rest is atexit's removal path running mostly in V8's interpreter and baseline compiler: ${sizeName(n)} calls are too few for it to be optimized for most of them.`
    );
  },
  exit: () =>
    "The fastest peers call their hooks in a plain loop. atexit pops one slot per entry, asks what kind it is, reports to its observer only on failure (or for every entry when tracing), " +
    "and checks each result for a promise it cannot await. The loop runs once per process, so at 10⁴–10⁵ entries much of it runs before V8 has optimized it; the cost per entry falls with n.",
  dispose: (results) => {
    const n = results.plan.headline;
    const bare = (lib, runtime) => point(find(results.dispose, lib, runtime), n)?.value;
    const per = (lib) => MAIN_RUNTIMES.map((rt) => `${fmt(bare(lib, rt))} ns on ${rtName(rt)}`).join(" and ");
    return (
      "Spec `DisposeResources` awaits every entry's result, so each entry costs at least one promise job, and atexit re-reads its entry list after each (so that `move()` and entries " +
      `added during \`run()\` work). The experiment: the bare operation, an async function that pops and awaits, costs ${per("bare")} per entry in the same run; ` +
      `the same loop chaining \`then()\` instead, as core-js-pure does, ${per("bare-then")}. On Node 20's V8 resuming an async function costs more than a \`then()\` callback, ` +
      "but a `then()` is whatever `Promise.prototype.then` is when it runs (zone.js and other instrumentation replace it), and an `await` never calls it: atexit keeps the spec's `await`."
    );
  },
  startup: (results) => {
    const imports = MAIN_RUNTIMES.map((rt) => {
      const table = results.startup[rt];
      return `${fmt(table?.atexit?.importMs)} against ${fmt(table?.["signal-exit"]?.importMs)} ms on ${rtName(rt)}`;
    });
    const bytes = (lib) => results.startup.node24?.[lib]?.bytes;
    return (
      `atexit is one module of ${fmt(bytes("atexit"))} bytes (readable, its comments left in src/) that V8 must read and compile, signal-exit two files of ${fmt(bytes("signal-exit"))}; ` +
      "both then install their listeners, and at the end atexit runs its sequence once. The experiment: the import and the one registration alone, timed inside the process " +
      `(median of ${results.plan.importRuns}), take ${imports.join(", ")}.`
    );
  },
  signal: (results) => {
    const figures = MAIN_RUNTIMES.map((rt) => {
      const table = results.signal[rt];
      return `${fmt(table?.["atexit --no-lazy"]?.ms)} ms on ${rtName(rt)} (${fmt(table?.atexit?.ms)} without)`;
    });
    return (
      "atexit runs its whole sequence: the entry awaited, the deadline's timer set and cleared, stdout and stderr checked for unwritten output (which makes Node create `process.stderr` in a process that never used it), its listeners removed, the signal raised again. signal-exit runs synchronous handlers only. " +
      "In a process that has not ended before, that code runs for the first time, and V8 compiles each function on its first call. The experiment: the same child with every function " +
      `compiled when the module loads (\`node --no-lazy\`, before it prints ready) dies in ${figures.join(", ")}: what is left above signal-exit is the sequence itself.`
    );
  },
};

const MAIN_RUNTIMES = ["node20", "node24"];

/** A table of ns/entry (or `value`) by size, one row per series. */
function scaleTable(seriesList, sizes, unit, value = (p) => p.value) {
  const lines = [`| library | ${sizes.map((n) => `${sizeName(n)} ${unit}`).join(" | ")} |`, `|---|${sizes.map(() => "---:").join("|")}|`];
  for (const s of seriesList) {
    const cells = sizes.map((n) => {
      const p = s.points.find((q) => q.n === n);
      if (!p) return "";
      if (p.skipped) return "skipped (quadratic)";
      if (p.error) return `failed: ${p.error}`;
      return fmt(value(p));
    });
    lines.push(`| ${s.lib === "atexit" ? `**${s.label}**` : s.label} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** One figure per series at size n, with the range of its runs. */
function pointTable(seriesList, n, unit, scale = 1, extra = undefined) {
  const lines = [`| series | ${unit} (median) | runs ranged |${extra ? ` ${extra.title} |` : ""}`, `|---|---:|---:|${extra ? "---:|" : ""}`];
  for (const s of seriesList) {
    const p = s.points.find((q) => q.n === n);
    const value = !p ? "" : p.error ? `failed: ${p.error}` : fmt(p.value * scale);
    const range = p && !p.error ? `${fmt(p.lo * scale)}–${fmt(p.hi * scale)}` : "";
    lines.push(`| ${s.lib === "atexit" ? `**${s.label}**` : s.label} | ${value} | ${range} |${extra ? ` ${extra.cell(s, p)} |` : ""}`);
  }
  return lines.join("\n");
}

function goalCell(c) {
  if (c === undefined) return "–";
  const noise = c.noise > 0 ? ` ±${Math.round(c.noise * 100)}%` : "";
  return `**${times(c.ratio)}**${noise}: ${fmt(c.atexit)} vs ${fmt(c.peer)} ${c.unit}, ${c.peerLabel}`;
}

function weakSummary(weak) {
  const full = weak["on-exit-leak-free"];
  const tenth = weak["on-exit-leak-free (a tenth)"];
  const rounds = (r) => r.heapAfterRound.map((b) => `${fmt(b / 1e6)} MB`).join(", ");
  if (full && !full.error) return rounds(full);
  return `did not finish at ${sizeName(full?.n)} (${full?.error})${tenth && !tenth.error ? `; at ${sizeName(tenth.n)}: ${rounds(tenth)}` : ""}`;
}

/** The module-lifetime `using` loader (SPEC §7, issue 17): no peer has one, so its figures stand against their goals. */
function loaderSection(loader) {
  if (!loader || !loader.node24) return [];
  const verdict = (value, limit) => (Number.isFinite(value) ? (value <= limit ? "met" : "**not met**") : "not measured");
  const node = (name) => `${rtName(name)} \`${loader[name].node}\``;
  const rows = [
    `| the loader hook's own work per module without \`using\`, in one process (µs CPU) | ${node("node24")} | ${fmt(loader.node24.hookWorkPerModuleUs)} | ≤ 20 µs | ${verdict(loader.node24.hookWorkPerModuleUs, 20)} |`,
    `| loader cost per module without \`using\`, whole process (µs CPU) | ${node("node24")} | ${fmt(loader.node24.perModuleUs)} | – (the noise of a 1,000-module import) | – |`,
    `| a load hook that does nothing, per module (µs) | ${node("node24")} | ${fmt(loader.node24.noopHookPerModuleUs)} | – (Node's own cost of a hook) | – |`,
    `| loader cost per module with one top-level \`using\`, whole process (µs CPU) | ${node("node24")} | ${fmt(loader.node24.withUsingPerModuleUs)} | – | – |`,
    `| loader cost per module without \`using\`, whole process (µs CPU) | ${node("node20")} | ${fmt(loader.node20.perModuleUs)} | – (hooks on a separate thread) | – |`,
    `| the loader hook's own work per module without \`using\`, in one process (µs CPU) | ${node("node20")} | ${fmt(loader.node20.hookWorkPerModuleUs)} | – | – |`,
    `| a load hook that does nothing, per module (µs) | ${node("node20")} | ${fmt(loader.node20.noopHookPerModuleUs)} | – (the bound: Node's off-thread round trip) | – |`,
  ];
  for (const [count, app] of Object.entries(loader.bun?.apps ?? {})) {
    rows.push(`| import of ${count} modules without \`using\`, with \`--preload atexit/register\` ÷ without (an empty preload: ×${fmt(app.emptyPreloadMs / app.plainMs)}) | Bun \`${loader.bun.bun}\` | ×${fmt(app.ratio)} (${fmt(app.loaderMs)} / ${fmt(app.plainMs)} ms) | ≤ ×1.1 | ${verdict(app.ratio, 1.1)} |`);
  }
  const t = loader.transform;
  if (t) {
    rows.push(`| \`transform()\` of ${fmt(t.bytes / 1e6)} MB of TypeScript with \`using\` ÷ oxc-parser's parse of it | Node 24 \`${t.node}\` | ×${fmt(t.ratio)} (${fmt(t.transformMs)} / ${fmt(t.parseMs)} ms) | ≤ ×1.5 | ${verdict(t.ratio, 1.5)} |`);
    rows.push(`| the same, its source map read too (built only then) | Node 24 | ${fmt(t.withMapMs)} ms, a ${fmt(t.mapBytes / 1e6)} MB map | – | – |`);
  }
  for (const name of ["node24", "node20"]) {
    const r = loader[name];
    rows.push(`| loader start-up cost (ms) | ${node(name)} | ${fmt(r.startupMs)} | ${name === "node24" ? "≤ 20 ms" : "–"} | ${name === "node24" ? verdict(r.startupMs, 20) : "–"} |`);
    rows.push(`| rewrite of a ${r.rewriteLines}-line TypeScript module, cold / warm (ms) | ${node(name)} | ${fmt(r.rewriteColdMs)} / ${fmt(r.rewriteWarmMs)} | ≤ 80 ms cold | ${verdict(r.rewriteColdMs, 80)} |`);
    rows.push(`| pre-filter, worst of four pathological inputs of 0.4–2 MB (ms) | ${node(name)} | ${fmt(r.prefilterWorstMs)} | linear (a naive regex: 1.5 s) | – |`);
  }
  return [
    "## 10. The module-lifetime `using` loader",
    "",
    "`bench/loader.mjs` ([docs/loader.md](docs/loader.md#speed)): the load hook's own work for a module without `using` (what it does after Node's `nextLoad`), timed in one process over 1,000 modules of ~4 kB; Node 24 and Node 20 import those 1,000 modules of ~4 kB without `using`, plain, with a load hook that does nothing, and with `--import atexit/register`, in paired rounds (the median of the per-round differences in CPU time, every thread; a difference below a few hundred µs a module is the noise of a busy machine); Node 24 also 500 modules with one top-level `using` each, against native `using`. Bun imports apps of 50 and 500 TypeScript modules without and with `--preload atexit/register` (and with an empty preload), paired runs in alternating order. `transform()` of a large TypeScript file with `using` is timed against oxc-parser's `parseSync` of the same file (its AST read), in one process, alternating. No peer has a loader, so the figures stand against the goals.",
    "",
    "| measurement | runtime | atexit | goal | verdict |",
    "|---|---|---:|---|---|",
    ...rows,
    "",
  ];
}

function startupSection(startup) {
  const lines = [];
  for (const [runtime, table] of Object.entries(startup)) {
    const bare = table.bare.ms;
    const node = runtime.startsWith("node");
    lines.push(
      `**${rtName(runtime)}** (bare start ${fmt(bare)} ms, ${Array.isArray(table.bare.runs) ? table.bare.runs.length : table.bare.runs} runs)`,
      "",
      `| library | process ms | added | runs ranged |${node ? " Node built-ins loaded | files loaded | bytes loaded | import + one registration, in-process ms |" : ""}`,
      `|---|---:|---:|---:|${node ? "---:|---:|---:|---:|" : ""}`,
      ...Object.entries(table).map(
        ([lib, r]) =>
          `| ${lib === "atexit" ? "**atexit**" : lib} | ${fmt(r.ms)} | ${lib === "bare" ? "" : `${fmt(r.ms - bare, 2)} ms (${pct(r.overheadPct)})`} | ${fmt(r.lo)}–${fmt(r.hi)} |` +
          (node ? ` ${r.builtins ?? "–"} | ${r.files ?? "see Node 24"} | ${r.bytes ?? "see Node 24"} | ${r.importMs === undefined ? "" : fmt(r.importMs)} |` : ""),
      ),
      "",
    );
  }
  return lines;
}

export function renderReport(results, chartPath) {
  const { meta, plan } = results;
  const rows = goalRows(results);
  const out = [];
  const reference = GOAL_RUNTIMES.filter((rt) => !MAIN_RUNTIMES.includes(rt));

  out.push(
    "# Benchmarks",
    "",
    `Generated by \`${meta.command}\` (\`node bench/run.mjs\`) on ${meta.date.replace("T", " ").slice(0, 16)} UTC, in ${Math.round(meta.seconds)} s.`,
    results.smoke ? "\n**Smoke run: tiny sizes, one repetition. These numbers mean nothing.**" : "",
    "",
    `Machine: ${meta.machine.cpu}, ${meta.machine.cores} cores, ${meta.machine.memoryGB} GB RAM, ${meta.machine.os}${meta.load ? `; load average ${meta.load.before.map((x) => x.toFixed(2)).join(", ")} before the run, ${meta.load.after.map((x) => x.toFixed(2)).join(", ")} after` : ""}.`,
    `Runtimes: ${Object.entries(meta.runtimes).map(([name, v]) => `${name} \`${v}\``).join(", ")}.`,
    "Node 20 and Node 24 are measured at every size and decide each goal; Bun and Deno are measured at the headline sizes, for reference (and Python 3 for Python's `atexit`).",
    "",
    `Every number is the median of ${plan.reps} runs (Bun and Deno: ${plan.referenceReps}; startup: ${plan.startupRuns} runs, ${plan.referenceStartupRuns} on Bun and Deno; signal: ${plan.signalReps}; a peer taking seconds a run gets 3), ` +
      "each run a fresh child process holding one library, so no JIT state or listener leaks between libraries; runs of different libraries are interleaved. " +
      "Functions and objects to register are built before the clock starts. Peers: signal-exit 4, exit-hook 5, async-exit-hook 2, on-exit-leak-free 2, close-with-grace 2, " +
      "the native `AsyncDisposableStack` (Node 24, Bun, Deno), core-js-pure's (Node 20), Python's `atexit`. Rows named *bare operation* are not a peer: they measure, in the same run, " +
      "the least that atexit's contract needs, where a goal is not met.",
    "",
    `![atexit ÷ the best peer, per goal and runtime](${chartPath})`,
    "",
    "## Goals",
    "",
    "Each cell: atexit ÷ the best peer measured on that runtime in this run (**lower is better; below ×1 atexit wins**), ± how far the two medians could be off " +
      "(half the range of their runs, the fastest and the slowest left out where there are five), then both figures and which peer. " +
      `A goal is met when its ratio on Node 20 and on Node 24 is at most its limit (×1, or ×2 where the target says so); "within noise" up to ×${NOISE} the limit. The ± is shown, not used to excuse a ratio: where it is wide, the machine was busy and the run should be repeated.`,
    "",
    `| goal | target | Node 20 | Node 24 | ${reference.map((rt) => `${rtName(rt)} (reference)`).join(" | ")} | verdict |`,
    `|---|---|---|---|${reference.map(() => "---|").join("")}---|`,
    ...rows.map((row) => `| ${row.goal} | ${row.target} | ${GOAL_RUNTIMES.map((rt) => goalCell(row.cells[rt])).join(" | ")} | ${row.verdict} |`),
    "",
    "## Where atexit is slower than a peer",
    "",
  );
  const notMet = rows.filter(missed);
  const keys = [...new Set(notMet.map((row) => row.key))];
  if (keys.length === 0) out.push("Nowhere on Node 20 or Node 24 in this run.", "");
  for (const key of keys) {
    const facts = notMet
      .filter((row) => row.key === key)
      .map((row) => `${row.goal}: ${MAIN_RUNTIMES.filter((rt) => row.cells[rt]).map((rt) => `${times(row.cells[rt].ratio)} on ${rtName(rt)}`).join(", ")}`);
    out.push(`- **${key}** (${facts.join("; ")}).`, `  What bounds it: ${BOUNDS[key]?.(results) ?? "–"}`);
  }
  out.push("");

  // 1. startup
  out.push(
    "## 1. Startup",
    "",
    "Whole-process wall time of `bench/startup.mjs <library>`: import the library and make one registration, then end naturally (so each library's exit work is included). " +
      "Built-ins: `process.moduleLoadList` entries added by the import. Files and bytes: every file the import loaded, seen through `module.registerHooks` (Node 24 only; Node 20 has no in-thread hooks). " +
      `The last column is the experiment behind the goal: the import and the registration alone, timed inside the process (median of ${plan.importRuns}).`,
    "",
    ...startupSection(results.startup),
  );

  // 2. registration
  const mainOnly = (list) => list.filter((s) => MAIN_RUNTIMES.includes(s.runtime) || s.runtime === "python3");
  const referenceOnly = (list) => list.filter((s) => !MAIN_RUNTIMES.includes(s.runtime) && s.runtime !== "python3");
  out.push(
    "## 2. Registration (and 7. scale)",
    "",
    "ns per call, n distinct functions (for `use`: n objects with `[Symbol.asyncDispose]`) registered on the process registry (atexit) or on one stack. Python times its own loop.",
    "",
    "Cold: the first n registrations of a fresh process (what an application pays; V8 optimizes the loop part-way through):",
    "",
    scaleTable(mainOnly(results.register), plan.sizes, "ns"),
    "",
    "Warm: n more registrations on top of those n, in the same process (the code is optimized; the array holding the entries keeps growing):",
    "",
    scaleTable(mainOnly(results.register), plan.sizes, "ns", (p) => p.warm),
    "",
    `Bun and Deno, ${sizeName(plan.headline)} entries, cold and warm:`,
    "",
    scaleTable(referenceOnly(results.register), [plan.headline], "ns (cold)"),
    "",
    scaleTable(referenceOnly(results.register), [plan.headline], "ns (warm)", (p) => p.warm),
    "",
  );

  // 3. unregister
  out.push(
    "## 3. Unregister (and 7. scale)",
    "",
    "n distinct functions registered, then removed one by one in registration order; only the removal is timed. ns per removal (a flat line is linear total time). " +
      "Python's `atexit.unregister` scans the whole list, signal-exit's remover searches its listener array, and on-exit-leak-free's `unregister` filters every entry: " +
      "they are quadratic, so sizes they would need minutes for are skipped.",
    "",
    scaleTable(mainOnly(results.unregister), plan.unregisterSizes, "ns"),
    "",
    scaleTable(referenceOnly(results.unregister), [plan.unregisterN], "ns"),
    "",
  );

  // 4. disposal
  const drainLines = results.drain.map((s) => {
    const p = point(s, plan.headline);
    return `- ${s.label}: the whole drain sequence (T1: \`beforeExit\` → every async entry awaited → \`exit\`) costs ${p ? `${fmt(p.value)} ns per entry` : "–"} for ${sizeName(plan.headline)} async entries.`;
  });
  const pythonExit = results.exit.some((s) => s.lib === "python");
  out.push(
    "## 4. Disposal (and 7. scale)",
    "",
    "**Sync, on `process.exit()`**: the child registers n entries that increment a counter, then calls `process.exit(0)`; the time runs from just before `process.exit` to the end of the last `'exit'` listener " +
      "(for signal-exit, its last handler, since it runs after every `'exit'` listener), printed with `fs.writeSync`. Every run checks that all n entries ran. " +
      "Python: n functions, timed from `sys.exit(0)` to a function registered first (so it runs last). ns per entry:",
    "",
    scaleTable(mainOnly(results.exit), plan.sizes, "ns"),
    "",
    scaleTable(referenceOnly(results.exit), [plan.headline], "ns"),
    "",
    "**Async, `await stack.disposeAsync()`** over n `defer`red async functions that resolve at once (atexit: `new ExitStack()`). ns per entry" +
      (pythonExit ? " (Python has no async disposal; its sync path is in the table above)" : "") +
      ":",
    "",
    scaleTable(mainOnly(results.dispose), plan.sizes, "ns"),
    "",
    scaleTable(referenceOnly(results.dispose), [plan.headline], "ns"),
    "",
    ...drainLines,
    "",
  );

  // 5. signal
  out.push(
    "## 5. Signal to death",
    "",
    "The parent starts the child, waits for it to print `ready`, sends SIGTERM and times until it sees the child exit. The child has one async cleanup that resolves at once. " +
      "How the child ended matters as much as how fast: only a process that dies by the signal tells its parent it was killed. " +
      "`atexit --no-lazy` is the experiment behind the goal: the same child with every function compiled at load.",
    "",
    ...Object.entries(results.signal).flatMap(([runtime, table]) => [
      `**${rtName(runtime)}**`,
      "",
      "| library | ms | runs ranged | how it ended |",
      "|---|---:|---:|---|",
      ...Object.entries(table).map(([lib, r]) => `| ${lib.startsWith("atexit") ? `**${lib}**` : lib} | ${fmt(r.ms)} | ${fmt(r.lo)}–${fmt(r.hi)} | ${r.death} |`),
      "",
    ]),
  );

  // 6. memory
  const memory = results.memory;
  const weakLines = Object.entries(memory.weak).map(([key, r]) => {
    const name = `${key.startsWith("atexit") ? "**atexit** `adoptWeak`" : "on-exit-leak-free `register`"}, ${sizeName(r.n)} objects a round${r.mode === "with-pending" ? ", one other entry pending throughout" : ""}`;
    return r.error
      ? `| ${name} | did not finish: ${r.error} | | |`
      : `| ${name} | ${r.heapAfterRound.map((b) => `${fmt(b / 1e6)} MB`).join(", ")} | ${r.left ?? "–"} | ${fmt(r.seconds)} s |`;
  });
  const weakVerdicts = Object.entries(memory.weak)
    .filter(([key, weak]) => key.startsWith("atexit") && !weak.error)
    .map(([, weak]) => `${weak.mode === "with-pending" ? "with one other entry pending" : "with the registry otherwise empty"}: ${weak.heapAfterRound.at(-1) < 1e6 ? "back to its baseline (goal met)" : "**not back to its baseline**"}`);
  out.push(
    "## 6. Memory",
    "",
    `Heap bytes per pending entry: \`--expose-gc\`, n = ${sizeName(memory.n)} functions built first, one entry registered, GC until the heap settles, then the other n − 1 and GC again. ` +
      "`use`: n objects with `[Symbol.asyncDispose]`. Python: `tracemalloc` around its registrations. Bun is left out: JavaScriptCore's `heapUsed` does not come back to a baseline after a collection.",
    "",
    "| library | bytes per entry |",
    "|---|---:|",
    ...Object.entries(memory.perEntry).map(([label, r]) => `| ${r.lib === "atexit" ? `**${label}**` : label} | ${r.error ? `failed: ${r.error}` : fmt(r.bytesPerEntry)} |`),
    "",
    `Weak entries: ${plan.weakRounds} rounds of ${sizeName(plan.weakN)} objects registered weakly and dropped at once; after each round, GC (with pauses for the FinalizationRegistry callbacks) until the heap settles. ` +
      `Heap above the baseline taken before the first round (Node 24); on-exit-leak-free: ${weakSummary(memory.weak)}. atexit ${weakVerdicts.join("; ")}.`,
    "",
    "| library | heap above baseline after each round | entries left | time |",
    "|---|---|---:|---:|",
    ...weakLines,
    "",
    "## 7. Scale",
    "",
    "The tables above give each cost per entry at every size; the chart draws the totals on log-log axes, where a line of slope 1 is linear and slope 2 quadratic.",
    "",
  );

  // 8. scope, 9. requests
  const scopeTight = results.scope.filter((s) => s.pacing === "tight");
  const scopeTurns = results.scope.filter((s) => s.pacing === "turns");
  out.push(
    "## 8. A per-request scope",
    "",
    "What the README recommends for request handlers: `s = atexit.scope(); s.defer(f); await s.disposeAsync()` (atexit, on the process registry: otherwise empty, or with 100 entries pending), " +
      "against a stack of one's own per request (`new AsyncDisposableStack()`, core-js-pure's on Node 20) doing the same. µs per scope, after a tenth as many untimed. " +
      `In a row: ${sizeName(plan.scopeN)}, one after another in one turn of the event loop. One per turn: ${sizeName(plan.scopeTurnsN)}, each in a turn of its own (\`setImmediate\` between them), as requests arrive.`,
    "",
    pointTable(scopeTight, plan.scopeN, "µs per scope, in a row", 1e-3),
    "",
    pointTable(scopeTurns, plan.scopeTurnsN, "µs per scope, one per turn", 1e-3),
    "",
    "## 9. A request loop",
    "",
    `A real \`http.Server\` on 127.0.0.1 answers ${sizeName(plan.requestsN)} requests (after a tenth as many untimed) from a raw keep-alive TCP client in the same process, ${plan.concurrency} connection(s), ` +
      "each sending its next request when its response is complete. The handler answers `ok`; with a scope, it opens one, defers a function, answers and disposes it. " +
      "µs per request (server and client together), and the throughput against the same server without a scope.",
    "",
    pointTable(results.requests, plan.requestsN, "µs per request", 1e-3, {
      title: "requests/s, and ÷ without a scope",
      cell: (s, p) => {
        const plain = point(find(results.requests, "atexit", s.runtime, (q) => q.handler === "plain"), plan.requestsN);
        if (!p || p.error) return "";
        const perSecond = 1e9 / p.value;
        return s.handler === "plain" || !plain ? fmt(perSecond) : `${fmt(perSecond)}, ${times(plain.value / p.value)}`;
      },
    }),
    "",
  );

  out.push(
    ...loaderSection(results.loader),
    "## Reproduce",
    "",
    "```sh",
    "npm run bench            # this file and bench/chart.svg, bench/results.json (raw numbers)",
    "node bench/run.mjs --smoke   # every measurement at tiny sizes, writes to a temp dir (run by the test suite)",
    "node bench/run.mjs --render  # rewrites this file and the chart from bench/results.json, measuring nothing",
    "```",
    "",
  );
  return out.join("\n");
}
