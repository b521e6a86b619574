/**
 * BENCHMARKS.md from the results of bench/run.mjs. Every number in it comes
 * from this run; the prose around a number that is worse than a peer's says
 * so and names what bounds it (BOUNDS below), so the report cannot drift from
 * the measurements.
 */

/** Within this ratio of the best peer, a difference is called noise, not a loss. */
const NOISE = 1.05;

/** Why atexit costs what it costs, shown where a peer beats it. */
const BOUNDS = {
  startup:
    "atexit is one bundled file of about 27 KB (ESM) that Node must read, parse and compile (signal-exit: two files, 10 KB; the native stack: nothing to load). " +
    "The one registration also installs atexit's listeners (`beforeExit`, `exit`, `uncaughtException` and three signals), and at the end the registry runs its sequence once.",
  register:
    "async-exit-hook does one `Array.prototype.push` of one slot per call and validates nothing. atexit's `register` checks that the stack is open and that `fn` is callable, " +
    "then pushes three slots (kind, function, value) into one array: at 10⁶ entries that array (3×10⁶ slots) is re-allocated and copied each time it grows, " +
    "and the garbage collector scans it; a bare `array.push(kind, fn, value)` loop costs about as much there. The cold numbers also include V8 optimizing the loop part-way through.",
  unregister:
    "exit-hook keeps its hooks in a `Set`, so its remover is one `Set.prototype.delete`. atexit's first `unregister` builds its target index " +
    "(a `WeakMap` from every pending function or resource to its position: one insert per entry) and then each call is a `WeakMap` lookup, a check of the positions found, and a tombstone written into the slots. " +
    "Warm, the same 2×10⁴ removals take about 2–3 ms; the cold figure is mostly V8 interpreting and optimizing that path, and ephemeron-table work in the garbage collector.",
  exit:
    "The fastest peers call their hooks in a plain loop. atexit pops three slots per entry, dispatches on the entry kind, " +
    "reports to its observer only on failure (or for every entry when tracing), and checks each result for a promise it cannot await. " +
    "The loop runs once per process, so with 10⁴–10⁵ entries most of it runs in V8's interpreter before it is optimized; that fixed warm-up (about 0.5 ms on Node 24) is why the cost per entry falls with n.",
  dispose:
    "Spec `DisposeResources` awaits every entry's result, so each entry costs at least one promise job (`await result` in an async function); " +
    "atexit also re-reads the slots each turn, so that `move()` and entries added during `run()` work.",
  signal:
    "atexit runs its whole sequence (awaited), waits for stdout/stderr to drain, removes its listeners and re-raises the signal; signal-exit runs sync handlers only, " +
    "exit-hook and close-with-grace call `process.exit()` (so the parent sees an exit code, not the signal), and the bare process dies in the kernel.",
  weak:
    "not a peer's speed but a leak in atexit: the `unregister` index (built by the FinalizationRegistry callback's first removal) keeps, for the `onDispose` function that every " +
    "`adoptWeak` call shares, one position per entry ever indexed. Positions of collected entries are not dropped when their slots are reused, only when the stack empties or its slots are compacted, " +
    "so while any other entry is pending that array grows by about 8 bytes per entry per round.",
  memory:
    "atexit stores three slots per entry (kind, function, value: 24 bytes plus array slack) so that `use`, `adopt`, `register(fn, ...args)` and `unregister` need no object per entry; " +
    "signal-exit, async-exit-hook and core-js keep one pointer per entry.",
};

const fmt = (x, digits = 3) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : +x.toPrecision(digits) + "") : "–");
const times = (r) => (Number.isFinite(r) && r > 0 ? `×${r.toFixed(2)}` : "–");
const pct = (x) => `${x >= 0 ? "+" : "−"}${fmt(Math.abs(x), 2)}%`;
const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";
/** 20000 → "2×10⁴", 1000000 → "10⁶". */
function sizeName(n) {
  if (!Number.isFinite(n) || n < 1000) return String(n);
  const exponent = Math.floor(Math.log10(n));
  const mantissa = n / 10 ** exponent;
  const power = `10${[...String(exponent)].map((d) => SUPERSCRIPT[d]).join("")}`;
  return mantissa === 1 ? power : `${+mantissa.toPrecision(3)}×${power}`;
}
const rtName = (runtime) => ({ node20: "Node 20", node24: "Node 24", python3: "Python" })[runtime] ?? runtime;

function point(series, n) {
  const p = series.points.find((q) => q.n === n);
  return p && !p.skipped && !p.error ? p : undefined;
}

/** The best (lowest) peer at size n among `series`, atexit excluded. */
function bestPeer(seriesList, n, value = (p) => p.value) {
  let best;
  for (const s of seriesList) {
    if (s.lib === "atexit") continue;
    const p = point(s, n);
    if (p && (best === undefined || value(p) < best.value)) best = { label: s.label, value: value(p) };
  }
  return best;
}

function verdict(ratio) {
  if (!Number.isFinite(ratio) || ratio <= 0) return "–";
  if (ratio <= 1) return "faster than every peer";
  if (ratio <= NOISE) return "within noise of the best peer";
  return "**slower than the best peer**";
}

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

function weakSummary(weak) {
  const full = weak["on-exit-leak-free"];
  const tenth = weak["on-exit-leak-free (a tenth)"];
  const rounds = (r) => r.heapAfterRound.map((b) => `${fmt(b / 1e6)} MB`).join(", ");
  if (full && !full.error) return rounds(full);
  return `did not finish at ${sizeName(full?.n)} (${full?.error})${tenth && !tenth.error ? `; at ${sizeName(tenth.n)}: ${rounds(tenth)}` : ""}`;
}

/** The module-lifetime `using` loader (SPEC §7): no peer has one, so its figures stand against their goals. */
function loaderSection(loader) {
  if (!loader || Object.keys(loader).length === 0) return [];
  const goals = { perModuleUs: ["≤ 50 µs (sync hooks)", 50], startupMs: ["≤ 20 ms on Node 24", 20], rewriteColdMs: ["≤ 80 ms", 80] };
  const row = (name, key, label) => {
    const r = loader[name];
    const [goal, limit] = goals[key];
    const applies = !(key === "perModuleUs" && name === "node20") && !(key === "startupMs" && name !== "node24");
    const verdict = applies ? (r[key] <= limit ? "met" : "**not met**") : "(no goal: Node 20's hooks run on a separate thread)";
    return `| ${label} | ${rtName(name)} \`${r.node}\` | ${fmt(r[key])} | ${goal} | ${verdict} |`;
  };
  const names = Object.keys(loader);
  return [
    "## 8. The module-lifetime `using` loader",
    "",
    "`bench/loader.mjs`: 1,000 modules without `using` imported with and without `--import atexit/register` (cost per module); an empty module started with and without it (fixed start-up cost, parser load included); the first `transform()` of a 2,000-line TypeScript module in a fresh process (cold), then a second call (warm). No peer has a loader, so the figures stand against the goals.",
    "",
    "| measurement | runtime | atexit | goal | verdict |",
    "|---|---|---:|---|---|",
    ...names.map((name) => row(name, "perModuleUs", "hook cost per module without `using` (µs)")),
    ...names.map((name) => row(name, "startupMs", "loader start-up cost (ms)")),
    ...names.map((name) => row(name, "rewriteColdMs", `cold rewrite of a ${loader[names[0]].rewriteLines}-line TypeScript module (ms)`)),
    ...names.map((name) => `| warm rewrite (ms) | ${rtName(name)} | ${fmt(loader[name].rewriteWarmMs)} | – | – |`),
    ...names
      .filter((name) => loader[name].prefilterWorstMs !== undefined)
      .map((name) => `| pre-filter, worst of four pathological inputs of 0.4–2 MB (ms) | ${rtName(name)} | ${fmt(loader[name].prefilterWorstMs)} | linear (a naive regex: 1.5 s) | – |`),
    "",
  ];
}

export function renderReport(results, chartPath) {
  const { meta, plan } = results;
  const summary = [];
  /** key → sentences; rendered as one bullet per measurement. */
  const notes = new Map();
  const slower = (key, text) => notes.set(key, [...(notes.get(key) ?? []), text]);
  const out = [];

  out.push(
    "# Benchmarks",
    "",
    `Generated by \`${meta.command}\` (\`node bench/run.mjs\`) on ${meta.date.replace("T", " ").slice(0, 16)} UTC, in ${Math.round(meta.seconds)} s.`,
    results.smoke ? "\n**Smoke run: tiny sizes, one repetition. These numbers mean nothing.**" : "",
    "",
    `Machine: ${meta.machine.cpu}, ${meta.machine.cores} cores, ${meta.machine.memoryGB} GB RAM, ${meta.machine.os}.`,
    `Runtimes: ${Object.entries(meta.runtimes).map(([name, v]) => `${name} \`${v}\``).join(", ")}.`,
    "Measured on Node 20 and Node 24 (and Python 3 for Python's `atexit`); the other runtimes are listed for reference.",
    "",
    `Every number is the median of ${plan.reps} runs (startup: ${plan.startupRuns} runs; signal: ${plan.signalReps}; a peer taking seconds a run gets 3), ` +
      "each run a fresh child process holding one library, so no JIT state or listener leaks between libraries; runs of different libraries are interleaved. " +
      "Functions and objects to register are built before the clock starts. Ratios are atexit ÷ the best peer on the same runtime (lower is better; below 1 atexit wins). " +
      "Peers: signal-exit 4, exit-hook 5, async-exit-hook 2, on-exit-leak-free 2, close-with-grace 2, the native `AsyncDisposableStack` (Node 24), core-js-pure's (Node 20), Python's `atexit`.",
    "",
    `![atexit vs peers](${chartPath})`,
    "",
  );

  // 1. startup
  const startupLines = [];
  for (const runtime of ["node20", "node24"]) {
    const table = results.startup[runtime];
    if (!table) continue;
    const bare = table.bare.ms;
    const peers = Object.entries(table).filter(([lib]) => lib !== "bare" && lib !== "atexit");
    const best = peers.reduce((a, b) => (b[1].ms < a[1].ms ? b : a));
    const ratio = table.atexit.ms / best[1].ms;
    const vsSignalExit = table.atexit.ms - table["signal-exit"].ms;
    summary.push(
      `| 1. Startup, ${rtName(runtime)} (whole process) | no worse than signal-exit | ${fmt(table.atexit.ms)} ms (${pct(table.atexit.overheadPct)} over bare) | ${best[0] === "signal-exit" ? "" : `${best[0]} ${fmt(best[1].ms)} ms; `}signal-exit ${fmt(table["signal-exit"].ms)} ms (${pct(table["signal-exit"].overheadPct)}) | ${times(ratio)} | ${vsSignalExit <= 0 ? "met" : Math.abs(vsSignalExit) < 0.05 * bare ? `within noise (${fmt(vsSignalExit, 2)} ms)` : `**not met** (+${fmt(vsSignalExit, 2)} ms)`} |`,
    );
    if (ratio > NOISE) slower("startup", `on ${rtName(runtime)} atexit's process takes ${fmt(table.atexit.ms)} ms, ${best[0]}'s ${fmt(best[1].ms)} ms (${times(ratio)}; a bare start is ${fmt(bare)} ms).`);
    startupLines.push(
      `**${rtName(runtime)}** (bare start ${fmt(bare)} ms)`,
      "",
      "| library | process ms | added | Node built-ins loaded | files loaded | bytes loaded |",
      "|---|---:|---:|---:|---:|---:|",
      ...Object.entries(table).map(([lib, r]) => `| ${lib === "atexit" ? "**atexit**" : lib} | ${fmt(r.ms)} | ${lib === "bare" ? "" : `${fmt(r.ms - bare, 2)} ms (${pct(r.overheadPct)})`} | ${r.builtins ?? "–"} | ${r.files ?? "see Node 24"} | ${r.bytes ?? "see Node 24"} |`),
      "",
    );
  }

  // 2. registration
  const register = results.register;
  const registerLines = [];
  for (const runtime of ["node24", "node20"]) {
    for (const n of new Set([plan.headline, plan.sizes.at(-1)])) {
      const here = register.filter((s) => s.runtime === runtime || s.runtime === "python3");
      const best = bestPeer(here, n);
      for (const op of ["register", "defer", "use"]) {
        const mine = here.find((s) => s.lib === "atexit" && s.op === op);
        const p = mine && point(mine, n);
        if (!p || !best) continue;
        const ratio = p.value / best.value;
        const warmBest = bestPeer(here, n, (q) => q.warm);
        const met = p.value <= 50 ? "met" : p.warm <= 50 ? "**not met** cold; met warm" : "**not met**";
        summary.push(
          `| 2. \`${op}\`, ${rtName(runtime)}, ${sizeName(n)} entries | ≤ 50 ns | ${fmt(p.value)} ns (warm ${fmt(p.warm)}) | ${best.label} ${fmt(best.value)} ns (warm best: ${warmBest ? `${warmBest.label} ${fmt(warmBest.value)}` : "–"}) | ${times(ratio)} (warm ${times(p.warm / warmBest?.value)}) | ${met} |`,
        );
        if (ratio > NOISE && op === "register") slower("register", `on ${rtName(runtime)} at ${sizeName(n)}, \`register\` takes ${fmt(p.value)} ns (warm ${fmt(p.warm)}), ${best.label} ${fmt(best.value)} ns (${times(ratio)}).`);
      }
    }
  }
  registerLines.push(
    "Cold: the first n registrations of a fresh process (what an application pays; V8 optimizes the loop part-way through):",
    "",
    scaleTable(register, plan.sizes, "ns"),
    "",
    "Warm: n more registrations on top of those n, in the same process (the code is optimized; the array holding the entries keeps growing):",
    "",
    scaleTable(register, plan.sizes, "ns", (p) => p.warm),
  );

  // 3. unregister
  const unregister = results.unregister;
  const un = plan.unregisterN;
  for (const runtime of ["node24", "node20"]) {
    const mine = unregister.find((s) => s.lib === "atexit" && s.runtime === runtime);
    const p = mine && point(mine, un);
    const best = bestPeer(unregister.filter((s) => s.runtime === runtime || s.runtime === "python3"), un, (q) => q.ns / 1e6);
    if (!p || !best) continue;
    const ms = p.ns / 1e6;
    // Linear: the cost per removal does not grow from the headline size to the largest.
    const largest = mine.points.filter((q) => !q.skipped && !q.error).at(-1);
    const linear = largest.value <= 1.5 * p.value;
    const ratio = ms / best.value;
    summary.push(
      `| 3. \`unregister\` ${sizeName(un)} one by one, ${rtName(runtime)} | ≤ 10 ms, linear | ${fmt(ms)} ms; ${fmt(p.value)} ns per removal at ${sizeName(un)}, ${fmt(largest.value)} at ${sizeName(largest.n)} | ${best.label} ${fmt(best.value)} ms | ${times(ratio)} | ${ms <= 10 ? "met" : "**not met**"}; ${linear ? "linear" : "**grows faster than linear**"} |`,
    );
    if (ratio > NOISE) slower("unregister", `on ${rtName(runtime)}, removing ${sizeName(un)} functions takes ${fmt(ms)} ms, ${best.label} ${fmt(best.value)} ms (${times(ratio)}).`);
  }

  // 4. disposal
  const n = plan.headline;
  for (const [runtime, n] of [["node24", plan.headline], ["node24", plan.sizes.at(-1)], ["node20", plan.headline], ["node20", plan.sizes.at(-1)]].filter(([, m], i, all) => all.findIndex(([r, k]) => r === all[i][0] && k === m) === i)) {
    const mine = results.exit.find((s) => s.lib === "atexit" && s.runtime === runtime);
    const p = mine && point(mine, n);
    const best = bestPeer(results.exit.filter((s) => s.runtime === runtime || s.runtime === "python3"), n);
    if (!p || !best) continue;
    const ratio = p.value / best.value;
    summary.push(`| 4. sync entries on \`process.exit()\`, ${rtName(runtime)}, ${sizeName(n)} | ≤ 20 ns/entry | ${fmt(p.value)} ns | ${best.label} ${fmt(best.value)} ns | ${times(ratio)} | ${p.value <= 20 ? "met" : "**not met**"} |`);
    if (ratio > NOISE) slower("exit", `on ${rtName(runtime)} at ${sizeName(n)}, ${fmt(p.value)} ns per entry against ${best.label}'s ${fmt(best.value)} ns (${times(ratio)}).`);
  }
  for (const [runtime, n] of [["node24", plan.headline], ["node24", plan.sizes.at(-1)], ["node20", plan.headline], ["node20", plan.sizes.at(-1)]].filter(([, m], i, all) => all.findIndex(([r, k]) => r === all[i][0] && k === m) === i)) {
    const mine = results.dispose.find((s) => s.lib === "atexit" && s.runtime === runtime);
    const p = mine && point(mine, n);
    const best = bestPeer(results.dispose.filter((s) => s.runtime === runtime), n);
    if (!p || !best) continue;
    const ratio = p.value / best.value;
    summary.push(`| 4. async entries, \`disposeAsync()\`, ${rtName(runtime)}, ${sizeName(n)} | ≤ 100 ns/entry | ${fmt(p.value)} ns | ${best.label} ${fmt(best.value)} ns | ${times(ratio)} | ${p.value <= 100 ? "met" : "**not met**"} |`);
    if (ratio > NOISE) slower("dispose", `on ${rtName(runtime)} at ${sizeName(n)}, ${fmt(p.value)} ns per async entry against ${best.label}'s ${fmt(best.value)} ns (${times(ratio)}).`);
  }
  const pythonExit = results.exit.find((s) => s.lib === "python");
  const drainLines = results.drain.map((s) => {
    const p = point(s, n);
    return `- ${s.label}: the whole drain sequence (T1: \`beforeExit\` → every async entry awaited → \`exit\`) costs ${p ? `${fmt(p.value)} ns per entry` : "–"} for ${sizeName(n)} async entries.`;
  });

  // 5. signal
  for (const runtime of ["node24", "node20"]) {
    const table = results.signal[runtime];
    if (!table) continue;
    const peers = Object.entries(table).filter(([lib]) => lib !== "bare" && lib !== "atexit" && Number.isFinite(table[lib].ms));
    if (peers.length === 0) continue;
    const best = peers.reduce((a, b) => (b[1].ms < a[1].ms ? b : a));
    const ratio = table.atexit.ms / best[1].ms;
    summary.push(`| 5. SIGTERM → death, ${rtName(runtime)} | (compare) | ${fmt(table.atexit.ms)} ms, ${table.atexit.death} | ${best[0]} ${fmt(best[1].ms)} ms, ${best[1].death}; bare ${fmt(table.bare.ms)} ms | ${times(ratio)} | ${verdict(ratio)} |`);
    if (ratio > NOISE) slower("signal", `on ${rtName(runtime)}, ${fmt(table.atexit.ms)} ms from SIGTERM to death against ${best[0]}'s ${fmt(best[1].ms)} ms (${times(ratio)}).`);
  }

  // 6. memory
  const memory = results.memory;
  for (const runtime of ["node24", "node20"]) {
    const rows = Object.entries(memory.perEntry).filter(([, r]) => (r.runtime === runtime || r.runtime === "python3") && Number.isFinite(r.bytesPerEntry));
    const mine = rows.find(([, r]) => r.lib === "atexit");
    const peers = rows.filter(([, r]) => r.lib !== "atexit");
    if (!mine || peers.length === 0) continue;
    const best = peers.reduce((a, b) => (b[1].bytesPerEntry < a[1].bytesPerEntry ? b : a));
    const ratio = mine[1].bytesPerEntry / best[1].bytesPerEntry;
    summary.push(`| 6. heap per pending entry at ${sizeName(memory.n)}, ${rtName(runtime)} | (compare) | ${fmt(mine[1].bytesPerEntry)} B | ${best[0]} ${fmt(best[1].bytesPerEntry)} B | ${times(ratio)} | ${verdict(ratio)} |`);
    if (ratio > NOISE) slower("memory", `on ${rtName(runtime)}, ${fmt(mine[1].bytesPerEntry)} bytes per pending entry against ${best[0]}'s ${fmt(best[1].bytesPerEntry)} (${times(ratio)}).`);
  }
  const weakLines = Object.entries(memory.weak).map(([key, r]) => {
    const name = `${key.startsWith("atexit") ? "**atexit** `adoptWeak`" : "on-exit-leak-free `register`"}, ${sizeName(r.n)} objects a round${r.mode === "with-pending" ? ", one other entry pending throughout" : ""}`;
    return r.error
      ? `| ${name} | did not finish: ${r.error} | | |`
      : `| ${name} | ${r.heapAfterRound.map((b) => `${fmt(b / 1e6)} MB`).join(", ")} | ${r.left ?? "–"} | ${fmt(r.seconds)} s |`;
  });
  for (const [key, weak] of Object.entries(memory.weak).filter(([k, w]) => k.startsWith("atexit") && !w.error)) {
    const last = weak.heapAfterRound.at(-1);
    const pending = weak.mode === "with-pending" ? " (one other entry pending)" : " (registry otherwise empty)";
    const left = weak.mode === "with-pending" ? `${weak.left - 1} weak entries are left besides the pending one` : `${weak.left} entries are left`;
    summary.push(`| 6. heap after \`adoptWeak\` of ${sizeName(plan.weakN)} dropped objects + GC, ${plan.weakRounds} rounds${pending} | back to baseline | ${weak.heapAfterRound.map((b) => `${fmt(b / 1e6)} MB`).join(", ")} above it | on-exit-leak-free: ${weakSummary(memory.weak)} | – | ${last < 1e6 ? "met" : "**not met**"} |`);
    if (last >= 1e6) slower("weak", `${weak.mode === "with-pending" ? "with one other entry pending" : "with the registry otherwise empty"}, after each round of ${sizeName(plan.weakN)} dropped objects the heap stays ${weak.heapAfterRound.map((b) => `${fmt(b / 1e6)} MB`).join(", ")} above the baseline (${left}).`);
  }

  out.push(
    "## Summary against the goals",
    "",
    "| measurement | goal | atexit | best peer | ratio | verdict |",
    "|---|---|---|---|---:|---|",
    ...summary,
    "",
    "## Where atexit is slower than a peer",
    "",
    ...(notes.size ? [...notes].map(([key, texts]) => `- **${key}**: ${texts.join(" ")}\n  What bounds it: ${BOUNDS[key]}`) : ["Nowhere in this run."]),
    "",
    "## 1. Startup",
    "",
    "Whole-process wall time of `node bench/startup.mjs <library>`: import the library and make one registration, then end naturally (so each library's exit work is included). " +
      "Built-ins: `process.moduleLoadList` entries added by the import. Files and bytes: every file the import loaded, seen through `module.registerHooks` (Node 24 only; Node 20 has no in-thread hooks).",
    "",
    ...startupLines,
    "## 2. Registration (and 7. scale)",
    "",
    "ns per call, n distinct functions (for `use`: n objects with `[Symbol.asyncDispose]`) registered on the process registry (atexit) or on one stack. Python times its own loop.",
    "",
    ...registerLines,
    "",
    "## 3. Unregister (and 7. scale)",
    "",
    "n distinct functions registered, then removed one by one in registration order; only the removal is timed. ns per removal (a flat line is linear total time). " +
      "Python's `atexit.unregister` scans the whole list, signal-exit's remover searches its listener array, and on-exit-leak-free's `unregister` filters every entry: " +
      "they are quadratic, so sizes they would need minutes for are skipped.",
    "",
    scaleTable(unregister, plan.unregisterSizes, "ns"),
    "",
    "## 4. Disposal (and 7. scale)",
    "",
    "**Sync, on `process.exit()`**: the child registers n entries that increment a counter, then calls `process.exit(0)`; the time runs from just before `process.exit` to the end of the last `'exit'` listener " +
      "(for signal-exit, its last handler, since it runs after every `'exit'` listener), printed with `fs.writeSync`. Every run checks that all n entries ran. " +
      "Python: n functions, timed from `sys.exit(0)` to a function registered first (so it runs last). ns per entry:",
    "",
    scaleTable(results.exit, plan.sizes, "ns"),
    "",
    "**Async, `await stack.disposeAsync()`** over n `defer`red async functions that resolve at once (atexit: `new ExitStack()`). ns per entry" +
      (pythonExit ? " (Python has no async disposal; its sync path is in the table above)" : "") +
      ":",
    "",
    scaleTable(results.dispose, plan.sizes, "ns"),
    "",
    ...drainLines,
    "",
    "## 5. Signal to death",
    "",
    "The parent starts the child, waits for it to print `ready`, sends SIGTERM and times until it sees the child exit. The child has one async cleanup that resolves at once. " +
      "How the child ended matters as much as how fast: only a process that dies by the signal tells its parent it was killed.",
    "",
    ...["node24", "node20"].flatMap((runtime) =>
      results.signal[runtime]
        ? [`**${rtName(runtime)}**`, "", "| library | ms | how it ended |", "|---|---:|---|", ...Object.entries(results.signal[runtime]).map(([lib, r]) => `| ${lib === "atexit" ? "**atexit**" : lib} | ${fmt(r.ms)} | ${r.death} |`), ""]
        : [],
    ),
    "## 6. Memory",
    "",
    `Heap bytes per pending entry: \`node --expose-gc\`, n = ${sizeName(memory.n)} functions built first, one entry registered, GC until the heap settles, then the other n − 1 and GC again. ` +
      "Python: `tracemalloc` around its registrations.",
    "",
    "| library | bytes per entry |",
    "|---|---:|",
    ...Object.entries(memory.perEntry).map(([label, r]) => `| ${r.lib === "atexit" ? `**${label}**` : label} | ${r.error ? `failed: ${r.error}` : fmt(r.bytesPerEntry)} |`),
    "",
    `Weak entries: ${plan.weakRounds} rounds of ${sizeName(plan.weakN)} objects registered weakly and dropped at once; after each round, GC (with pauses for the FinalizationRegistry callbacks) until the heap settles. ` +
      "Heap above the baseline taken before the first round (Node 24):",
    "",
    "| library | heap above baseline after each round | entries left | time |",
    "|---|---|---:|---:|",
    ...weakLines,
    "",
    "## 7. Scale",
    "",
    "The tables above give each cost per entry at every size; the chart draws the totals on log-log axes, where a line of slope 1 is linear and slope 2 quadratic.",
    "",
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
