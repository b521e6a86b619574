/**
 * `npm run bench`: measures atexit against its peers, in one run on one
 * machine, and writes BENCHMARKS.md with the chart bench/chart.svg.
 *
 *   node bench/run.mjs           full run (about 6 minutes on 2 cores)
 *   node bench/run.mjs --smoke   tiny sizes, one repetition, writes to a temp dir (npm test)
 *   node bench/run.mjs --render  rewrites BENCHMARKS.md and the chart from bench/results.json
 *
 * Every measurement runs in fresh child processes (bench/child.mjs,
 * bench/startup.mjs, bench/signal-child.mjs, bench/python_atexit.py), one
 * library per process, so no JIT state, global or listener leaks from one
 * library into another. Repetitions of different libraries are interleaved,
 * so a slow minute of the machine does not land on one library only, and
 * every goal is judged by a ratio to the best peer measured in the same run.
 * Node 20 and Node 24 are measured at every size; Bun and Deno, for
 * reference, at the headline sizes only.
 * A benchmark is not a test: nothing here asserts a timing.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderChart } from "./chart.mjs";
import { LIBRARIES } from "./libs.mjs";
import { renderReport } from "./report.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SMOKE = process.argv.includes("--smoke");

// `--render`: rewrite BENCHMARKS.md and the chart from bench/results.json (the last full run)
// without measuring again, after a change to the report or the chart only.
if (process.argv.includes("--render")) {
  const saved = JSON.parse(readFileSync(path.join(ROOT, "bench/results.json"), "utf8"));
  writeFileSync(path.join(ROOT, "bench/chart.svg"), renderChart(saved));
  writeFileSync(path.join(ROOT, "BENCHMARKS.md"), renderReport(saved, "bench/chart.svg"));
  process.stdout.write("rewrote BENCHMARKS.md and bench/chart.svg from bench/results.json\n");
  process.exit(0);
}

/** Sizes and repetitions; the smoke mode only proves that every measurement still runs. */
const PLAN = SMOKE
  ? { reps: 1, referenceReps: 1, startupRuns: 1, referenceStartupRuns: 1, importRuns: 1, sizes: [1000], unregisterSizes: [1000], headline: 1000, unregisterN: 1000, signalReps: 1, memoryN: 10_000, weakN: 10_000, weakRounds: 1, weakTimeoutMs: 60_000, slowMs: Infinity, scopeN: 1000, scopeTurnsN: 200, requestsN: 200, concurrency: 1 }
  : { reps: 5, referenceReps: 3, startupRuns: 30, referenceStartupRuns: 10, importRuns: 15, sizes: [1e3, 1e4, 1e5, 1e6], unregisterSizes: [1e3, 1e4, 2e4, 1e5, 1e6], headline: 1e5, unregisterN: 2e4, signalReps: 10, memoryN: 1e6, weakN: 1e6, weakRounds: 3, weakTimeoutMs: 45_000, slowMs: 10_000, scopeN: 1e5, scopeTurnsN: 2e4, requestsN: 1e4, concurrency: 1 };

/**
 * The runtimes measured: node20 (the one running this script) and node24 at every size, bun and
 * deno for reference at the headline sizes; each as its command and the arguments before a script.
 */
const RUNTIMES = {
  node20: { command: process.execPath, args: [] },
  node24: { command: path.join(ROOT, "node_modules/node24/bin/node"), args: [] },
  bun: { command: path.join(ROOT, "node_modules/@oven/bun-linux-x64/bin/bun"), args: [] },
  deno: { command: path.join(ROOT, "node_modules/@deno/linux-x64-glibc/deno"), args: ["run", "-A"] },
  python3: { command: "python3", args: [] },
};
const MAIN = ["node20", "node24"];
const REFERENCE = ["bun", "deno"].filter((name) => existsSync(RUNTIMES[name].command));
const LISTED_RUNTIMES = {
  ...Object.fromEntries(Object.entries(RUNTIMES).map(([name, { command }]) => [name, command])),
  node22: path.join(ROOT, "node_modules/node22/bin/node"),
  node26: path.join(ROOT, "node_modules/node26/bin/node"),
};

/** A script's command line on `runtime`, with V8 flags as that runtime takes them (Bun has none of V8's). */
function scriptCommand(runtime, script, args, nodeFlags = []) {
  const { command, args: before } = RUNTIMES[runtime];
  const flags = runtime === "deno" ? nodeFlags.map((flag) => `--v8-flags=${flag}`) : runtime === "bun" ? [] : nodeFlags;
  return [command, [...before, ...flags, script, ...args.map(String)]];
}

const startedAt = process.hrtime.bigint();
const elapsed = () => Number(process.hrtime.bigint() - startedAt) / 1e9;
const log = (line) => process.stdout.write(`${line}\n`);

function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function version(command) {
  const result = spawnSync(command, ["--version"], { encoding: "utf8" });
  return result.status === 0 ? `${result.stdout}${result.stderr}`.trim().split("\n")[0] : "missing";
}

/** Runs one child to completion and returns its last JSON line, or `{ error }`. */
function runChild(command, args, timeoutMs = 180_000) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 << 20 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const line = (result.stdout ?? "").trim().split("\n").filter((l) => l.startsWith("{")).at(-1);
  if (result.error || result.status !== 0 || line === undefined) {
    const why = result.error?.code === "ETIMEDOUT" ? `timed out after ${timeoutMs / 1000} s` : `exit ${result.status ?? result.signal}: ${(result.stderr ?? "").trim().split("\n").slice(-1)[0]}`;
    return { error: why, wallMs };
  }
  return { ...JSON.parse(line), wallMs };
}

/** The command line of a child measurement. */
function childCommand(runtime, library, task, args, nodeFlags = []) {
  if (library === "python") return [RUNTIMES.python3.command, ["bench/python_atexit.py", task, ...args.map(String)]];
  return scriptCommand(runtime, "bench/child.mjs", [task, library, ...args], nodeFlags);
}

// ---- series: one library × one operation × one runtime, at several sizes ----

/**
 * Runs every series at every size, repetitions interleaved across series.
 * A series predicted to take more than PLAN.slowMs a run at the next size is
 * not run there or beyond (a quadratic peer would take hours): those points are marked skipped.
 */
function runSeries(measure, seriesList, sizes, { task, args, value = "nsPerEntry", nodeFlags = [] }) {
  const results = seriesList.map((s) => ({ measure, ...s, label: seriesLabel(s), points: [] }));
  const stopped = new Set();
  for (const n of sizes) {
    const runs = results.map(() => []);
    for (let rep = 0; rep < PLAN.reps; rep++) {
      results.forEach((series, k) => {
        if (stopped.has(series)) return;
        // A slow series (seconds a run) gets 3 repetitions, not PLAN.reps; so does a reference runtime.
        if (rep >= 3 && runs[k].some((r) => r.wallMs > 1000)) return;
        if (rep >= PLAN.referenceReps && REFERENCE.includes(series.runtime)) return;
        const [command, commandArgs] = childCommand(series.runtime, series.lib, task, args(series, n), nodeFlags);
        runs[k].push(runChild(command, commandArgs));
      });
    }
    results.forEach((series, k) => {
      if (stopped.has(series)) {
        series.points.push({ n, skipped: true });
        return;
      }
      const ok = runs[k].filter((r) => !r.error);
      const values = ok.map((r) => r[value]).filter((v) => Number.isFinite(v));
      const point = { n, value: median(values), ns: median(ok.map((r) => r.ns)), reps: ok.length, lo: Math.min(...values), hi: Math.max(...values), runs: values };
      if (ok.some((r) => r.warmNsPerEntry !== undefined)) point.warm = median(ok.map((r) => r.warmNsPerEntry));
      if (ok.length === 0) point.error = runs[k][0]?.error;
      if (ok.some((r) => r.ran !== undefined && r.ran !== n)) point.error = `ran ${ok.map((r) => r.ran).join("/")} of ${n} entries`;
      series.points.push(point);
      log(`  ${measure} ${series.label} n=${n}: ${point.error ?? `${fmt(point.value)} ${value === "nsPerEntry" ? "ns/entry" : value}${point.warm === undefined ? "" : ` (warm: ${fmt(point.warm)})`}`}`);
      const next = sizes[sizes.indexOf(n) + 1];
      if (next !== undefined && predictMs(series.points, next) > PLAN.slowMs) stopped.add(series);
    });
  }
  return results;
}

/**
 * The time one run would take at size `next`, from the growth seen between the
 * last two sizes (assumed quadratic with only one size measured).
 */
function predictMs(points, next) {
  const measured = points.filter((p) => Number.isFinite(p.ns) && p.ns > 0);
  const last = measured.at(-1);
  if (last === undefined) return 0;
  const previous = measured.at(-2);
  const exponent = previous ? Math.max(1, Math.log(last.ns / previous.ns) / Math.log(last.n / previous.n)) : 2;
  return (last.ns / 1e6) * (next / last.n) ** exponent;
}

const RUNTIME_NAMES = { node20: "Node 20", node24: "Node 24", bun: "Bun", deno: "Deno" };

function seriesLabel({ lib, op, runtime, variant }) {
  const name = LIBRARIES[lib].label;
  const operation = op && !["register", "defer"].includes(op) || (op === "defer" && lib === "atexit") ? ` ${op}` : "";
  const detail = variant === undefined ? "" : ` ${variant}`;
  return runtime === "python3" ? name : `${name}${operation}${detail} (${RUNTIME_NAMES[runtime]})`;
}

function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** Every JavaScript library that runs on `runtime`, with the operations to measure. */
function libsOn(runtime, libs, ops = () => ["register"]) {
  return libs.filter((lib) => LIBRARIES[lib].runtimes.includes(runtime)).flatMap((lib) => ops(lib).map((op) => ({ lib, op, runtime })));
}
/** The same, on every runtime of `runtimes`. */
function libsOnEach(runtimes, libs, ops) {
  return runtimes.flatMap((runtime) => libsOn(runtime, libs, ops));
}
const PEERS = ["signal-exit", "exit-hook", "async-exit-hook", "on-exit-leak-free"];
/** The native stack where there is one, core-js-pure's on Node 20. */
const STACKS = ["native-ads", "corejs-ads"];
const hasPython = version("python3") !== "missing";
const python = hasPython ? [{ lib: "python", op: "register", runtime: "python3" }] : [];

// ---- 1. startup ----------------------------------------------------------

function measureStartup() {
  const libs = ["bare", "atexit", "signal-exit", "exit-hook", "async-exit-hook", "on-exit-leak-free", "corejs-ads", "native-ads"];
  const out = {};
  for (const runtime of [...MAIN, ...REFERENCE]) {
    const here = libs.filter((lib) => lib === "bare" || LIBRARIES[lib].runtimes.includes(runtime));
    const times = Object.fromEntries(here.map((lib) => [lib, []]));
    const runs = MAIN.includes(runtime) ? PLAN.startupRuns : PLAN.referenceStartupRuns;
    for (let run = 0; run < runs; run++) {
      for (const lib of here) {
        const [command, args] = scriptCommand(runtime, "bench/startup.mjs", [lib]);
        const started = process.hrtime.bigint();
        const result = spawnSync(command, args, { cwd: ROOT });
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (result.status === 0) times[lib].push(ms);
      }
    }
    out[runtime] = {};
    for (const lib of here) {
      // Node's own module list and load hooks: Node only.
      const counted = runtime.startsWith("node") ? runChild(...scriptCommand(runtime, "bench/startup.mjs", [lib, "--count"])) : {};
      out[runtime][lib] = { ms: median(times[lib]), lo: Math.min(...times[lib]), hi: Math.max(...times[lib]), runs: times[lib], builtins: counted.builtins, files: counted.files, bytes: counted.bytes };
    }
    // The experiment behind the figure: the import and one registration alone, timed inside the process.
    if (MAIN.includes(runtime)) {
      for (const lib of ["atexit", "signal-exit"]) {
        const imports = Array.from({ length: PLAN.importRuns }, () => runChild(...scriptCommand(runtime, "bench/startup.mjs", [lib, "--time-import"])));
        out[runtime][lib].importMs = median(imports.filter((r) => !r.error).map((r) => r.importMs));
      }
    }
    const bare = out[runtime].bare.ms;
    for (const lib of here) {
      const entry = out[runtime][lib];
      entry.overheadPct = ((entry.ms - bare) / bare) * 100;
      log(`  startup ${runtime} ${lib}: ${fmt(entry.ms)} ms (${entry.overheadPct >= 0 ? "+" : ""}${fmt(entry.overheadPct)}%), ${entry.builtins ?? "?"} builtins, ${entry.files ?? "?"} files, ${entry.bytes ?? "?"} bytes${entry.importMs === undefined ? "" : `, import and one registration ${fmt(entry.importMs)} ms`}`);
    }
  }
  return out;
}

// ---- 5. signal to death ----------------------------------------------------

/** Spawns the child, waits for "ready", sends SIGTERM and times until the child is gone. */
function signalToDeath(runtime, lib, nodeFlags = []) {
  return new Promise((resolve) => {
    const [command, args] = scriptCommand(runtime, "bench/signal-child.mjs", [lib], nodeFlags);
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let started = 0n;
    let output = "";
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (started === 0n && output.includes("ready\n")) {
        started = process.hrtime.bigint();
        child.kill("SIGTERM");
      }
    });
    child.stderr.resume();
    child.on("exit", (code, signal) => {
      clearTimeout(guard);
      const ms = started === 0n ? NaN : Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ ms, death: signal ? `killed by ${signal}` : `exit code ${code}` });
    });
  });
}

/**
 * `atexit --no-lazy` is the experiment behind atexit's figure: the same child with every function
 * compiled when the module loads (before "ready"), so what is left is the sequence itself.
 */
async function measureSignal() {
  const libs = ["bare", "atexit", "signal-exit", "exit-hook", "close-with-grace"];
  const out = {};
  for (const runtime of [...MAIN, ...REFERENCE]) {
    const here = MAIN.includes(runtime) ? [...libs, "atexit --no-lazy"] : libs;
    const runs = Object.fromEntries(here.map((lib) => [lib, []]));
    const reps = MAIN.includes(runtime) ? PLAN.signalReps : Math.ceil(PLAN.signalReps / 2);
    for (let rep = 0; rep < reps; rep++) {
      for (const lib of here) {
        const [name, flag] = lib.split(" ");
        runs[lib].push(await signalToDeath(runtime, name, flag ? [flag] : []));
      }
    }
    out[runtime] = {};
    for (const lib of here) {
      const ms = runs[lib].map((r) => r.ms).filter((v) => Number.isFinite(v));
      out[runtime][lib] = { ms: median(ms), lo: Math.min(...ms), hi: Math.max(...ms), runs: ms, death: [...new Set(runs[lib].map((r) => r.death))].join(", ") };
      log(`  signal ${runtime} ${lib}: ${fmt(out[runtime][lib].ms)} ms, ${out[runtime][lib].death}`);
    }
  }
  return out;
}

// ---- 6. memory -------------------------------------------------------------

function measureMemory() {
  const n = PLAN.memoryN;
  const perEntry = {};
  // Bun is left out: JavaScriptCore's heapUsed does not come back to a baseline after a collection.
  const series = [
    ...libsOn("node24", ["atexit", "native-ads", ...PEERS]),
    ...libsOn("node20", ["atexit", "corejs-ads", ...PEERS]),
    ...libsOnEach(REFERENCE.filter((runtime) => runtime !== "bun"), ["atexit", "native-ads", ...PEERS]),
    ...python,
  ];
  // use(): a record per entry (the method is read when use() is called, as the spec says), beside the stacks' own.
  series.push(...libsOnEach(MAIN, ["atexit", ...STACKS], () => ["use"]));
  for (const s of series) {
    const [command, args] = childCommand(s.runtime, s.lib, "memory", s.op === "use" ? [n, "use"] : [n], ["--expose-gc"]);
    const runs = Array.from({ length: Math.min(PLAN.reps, 3) }, () => runChild(command, args));
    const ok = runs.filter((r) => !r.error);
    const label = seriesLabel(s);
    perEntry[label] = { lib: s.lib, op: s.op, runtime: s.runtime, bytesPerEntry: median(ok.map((r) => r.bytesPerEntry)), error: ok.length ? undefined : runs[0].error };
    log(`  memory ${label}: ${perEntry[label].error ?? `${fmt(perEntry[label].bytesPerEntry)} bytes/entry`}`);
  }
  const weak = {};
  const runWeak = (lib, n, timeoutMs, mode = "alone") => {
    const result = runChild(...childCommand("node24", lib, "weak", [n, PLAN.weakRounds, mode], ["--expose-gc"]), timeoutMs);
    log(`  memory weak ${lib} n=${n} ${mode}: ${result.error ?? `heap above baseline after each round: ${result.heapAfterRound.map((b) => `${fmt(b / 1e6)} MB`).join(", ")} (${fmt(result.seconds)} s)`}`);
    return { n, mode, ...result };
  };
  weak.atexit = runWeak("atexit", PLAN.weakN, 240_000);
  weak["atexit (with a pending entry)"] = runWeak("atexit", PLAN.weakN, 240_000, "with-pending");
  // on-exit-leak-free's FinalizationRegistry callback searches and splices its array:
  // at 10^6 it may not finish; then it is measured at a tenth of the size too.
  weak["on-exit-leak-free"] = runWeak("on-exit-leak-free", PLAN.weakN, PLAN.weakTimeoutMs);
  if (weak["on-exit-leak-free"].error && !SMOKE) weak["on-exit-leak-free (a tenth)"] = runWeak("on-exit-leak-free", PLAN.weakN / 10, 120_000);
  return { n, perEntry, weak };
}

// ---- the run ---------------------------------------------------------------

// Measure the current source: build first. The smoke mode runs inside `npm test`, which has just
// built, and other tests may be reading dist/ at the same time: it only builds when dist/ is missing.
if (!SMOKE || !existsSync(path.join(ROOT, "dist/index.js"))) {
  const build = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stderr}`);
}

const results = {
  smoke: SMOKE,
  plan: PLAN,
  meta: {
    date: new Date().toISOString(),
    command: SMOKE ? "node bench/run.mjs --smoke" : "npm run bench",
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      memoryGB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
    },
    runtimes: Object.fromEntries(Object.entries(LISTED_RUNTIMES).map(([name, command]) => [name, version(command)])),
    // How busy the machine was (1, 5 and 15 minute load averages): the figures are only as quiet as it.
    load: { before: os.loadavg() },
  },
};

log(`[1/9 startup] whole-process time of import + one registration, ${PLAN.startupRuns} runs each (${PLAN.referenceStartupRuns} on ${REFERENCE.join(", ")})`);
results.startup = measureStartup();

log(`[2/9 register] ns per registration, ${PLAN.reps} runs each`);
const atexitOps = (lib) => (lib === "atexit" ? ["register", "defer", "use"] : lib.endsWith("-ads") ? ["defer", "use"] : ["register"]);
const registerArgs = { task: "register", args: (s, n) => (s.lib === "python" ? [n] : [s.op, n]) };
results.register = [
  ...runSeries("register", [
    ...libsOn("node24", ["atexit", "native-ads", ...PEERS, "bare"], atexitOps),
    ...libsOn("node20", ["atexit", "corejs-ads", ...PEERS, "bare"], atexitOps),
    ...python,
  ], PLAN.sizes, registerArgs),
  ...runSeries("register", libsOnEach(REFERENCE, ["atexit", "native-ads", ...PEERS], atexitOps), [PLAN.headline], registerArgs),
];

log(`[3/9 unregister] n distinct functions registered, then unregistered one by one (removal timed)`);
results.unregister = [
  ...runSeries("unregister", [
    ...libsOn("node24", ["atexit", "signal-exit", "exit-hook", "on-exit-leak-free", "bare"]),
    // on-exit-leak-free takes seconds a run here: measured on Node 24 only.
    ...libsOn("node20", ["atexit", "signal-exit", "exit-hook", "bare"]),
    ...python,
  ], PLAN.unregisterSizes, { task: "unregister", args: (s, n) => [n] }),
  ...runSeries("unregister", libsOnEach(REFERENCE, ["atexit", "signal-exit", "exit-hook"]), [PLAN.unregisterN], { task: "unregister", args: (s, n) => [n] }),
];

log(`[4/9 dispose] ns per entry: sync entries on process.exit(), async entries through disposeAsync()`);
results.exit = [
  ...runSeries("exit", [
    ...libsOn("node24", ["atexit", ...PEERS]),
    ...libsOn("node20", ["atexit", ...PEERS]),
    ...python,
  ], PLAN.sizes, { task: "exit", args: (s, n) => [n] }),
  ...runSeries("exit", libsOnEach(REFERENCE, ["atexit", ...PEERS]), [PLAN.headline], { task: "exit", args: (s, n) => [n] }),
];
results.dispose = [
  ...runSeries("dispose", [
    ...libsOn("node24", ["atexit", "native-ads", "bare", "bare-then"]),
    ...libsOn("node20", ["atexit", "corejs-ads", "bare", "bare-then"]),
  ], PLAN.sizes, { task: "dispose", args: (s, n) => [n] }),
  ...runSeries("dispose", libsOnEach(REFERENCE, ["atexit", "native-ads"]), [PLAN.headline], { task: "dispose", args: (s, n) => [n] }),
];
results.drain = runSeries("drain", libsOnEach(MAIN, ["atexit"]), [PLAN.headline], { task: "drain", args: (s, n) => [n] });

log(`[5/9 signal] SIGTERM to death of the child, one async entry, ${PLAN.signalReps} runs each`);
results.signal = await measureSignal();

log(`[6/9 memory] heap bytes per pending entry at ${PLAN.memoryN}; adoptWeak of ${PLAN.weakN} dropped objects × ${PLAN.weakRounds} rounds`);
results.memory = measureMemory();

log(`[7/9 scale] drawn from the series above: ${PLAN.sizes.join(", ")} entries`);

log(`[8/9 scope] a per-request scope: open, defer one function, dispose; ${PLAN.scopeN} in a row, ${PLAN.scopeTurnsN} one per event-loop turn`);
const scopeVariants = (pacing) => (s) =>
  s.lib === "atexit"
    ? [
        { ...s, pacing, registry: "empty", variant: `${pacing}, registry otherwise empty` },
        ...(pacing === "tight" ? [{ ...s, pacing, registry: "busy", variant: `${pacing}, 100 entries pending` }] : []),
      ]
    : [{ ...s, pacing, registry: "empty", variant: pacing }];
const scopeSeries = (pacing) => libsOnEach([...MAIN, ...REFERENCE], ["atexit", ...STACKS]).flatMap(scopeVariants(pacing));
const scopeArgs = { task: "scope", args: (s, n) => [s.pacing, s.registry, n] };
results.scope = [...runSeries("scope", scopeSeries("tight"), [PLAN.scopeN], scopeArgs), ...runSeries("scope", scopeSeries("turns"), [PLAN.scopeTurnsN], scopeArgs)];

log(`[9/9 requests] an http.Server on 127.0.0.1 answering ${PLAN.requestsN} requests over ${PLAN.concurrency} keep-alive connection(s), with and without a scope per request`);
const requestSeries = libsOnEach([...MAIN, ...REFERENCE], ["atexit", ...STACKS]).flatMap((s) =>
  s.lib === "atexit"
    ? [{ ...s, handler: "plain", variant: "no scope" }, { ...s, handler: "scope", variant: "a scope per request" }]
    : [{ ...s, handler: "scope", variant: "a stack per request" }],
);
results.requests = runSeries("requests", requestSeries, [PLAN.requestsN], { task: "requests", args: (s, n) => [s.handler, n, PLAN.concurrency] });

log("[loader] module-lifetime using: cost per module (Node 24, Node 20, Bun), transform() against oxc's parse, start-up, cold rewrite");
{
  const child = spawnSync(process.execPath, [path.join(ROOT, "bench/loader.mjs"), ...(SMOKE ? ["--smoke"] : [])], { cwd: ROOT, encoding: "utf8", timeout: 1_200_000 });
  if (child.status !== 0) throw new Error(`bench/loader.mjs failed: ${child.stderr}`);
  results.loader = JSON.parse(child.stdout.trim().split("\n").at(-1));
  for (const name of ["node24", "node20"]) {
    const r = results.loader[name];
    log(`  loader ${name}: ${fmt(r.perModuleUs)} µs per module, ${fmt(r.startupMs)} ms start-up, ${fmt(r.rewriteColdMs)} ms cold rewrite (a hook that does nothing: ${fmt(r.noopHookPerModuleUs)} µs per module; the hook's own work: ${fmt(r.hookWorkPerModuleUs)} µs)`);
  }
  for (const [count, app] of Object.entries(results.loader.bun.apps)) log(`  loader bun ${count} modules: ×${fmt(app.ratio)} of the import cost without the preload`);
  log(`  loader transform(): ×${fmt(results.loader.transform.ratio)} of oxc-parser's parse of the same ${fmt(results.loader.transform.bytes / 1e6)} MB`);
}
results.meta.seconds = elapsed();
results.meta.load.after = os.loadavg();

const outDir = SMOKE ? mkdtempSync(path.join(os.tmpdir(), "atexit-bench-")) : ROOT;
const chartPath = SMOKE ? path.join(outDir, "chart.svg") : path.join(ROOT, "bench/chart.svg");
writeFileSync(chartPath, renderChart(results));
const reportPath = path.join(outDir, "BENCHMARKS.md");
writeFileSync(reportPath, renderReport(results, path.relative(path.dirname(reportPath), chartPath)));
writeFileSync(path.join(outDir, SMOKE ? "results.json" : "bench/results.json"), `${JSON.stringify(results, null, 1)}\n`);
log(`wrote ${path.relative(ROOT, reportPath) || reportPath} and ${chartPath} in ${fmt(results.meta.seconds)} s`);
