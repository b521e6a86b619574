// How launchers and supervisors deliver signals to the app they start (issue 21), measured with
// the real tools (devDependencies) and an app that times its own listeners (launcher-probe.mjs):
//
//   node bench/launchers.mjs [--reps N] [--load] [--only name,name] [--runtimes node20,node24]
//
// Each case starts a launcher as a terminal's foreground job does (detached: it leads a process
// group of its own), waits for the app, then sends what a person or a supervisor sends: Ctrl-C
// (SIGINT to the whole group), SIGTERM to the launcher's pid, a restart (a watched file touched),
// `pm2 stop`. The probe records each signal it receives on the monotonic clock this script reads
// too, so each delay is from the moment the signal was sent. --load runs two busy loops (one per
// core) for the whole run. Prints one JSON line per run and a table per case (median, max).
// A benchmark, not a test: nothing here asserts.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot, runtimes as allRuntimes } from "../test/runtimes.mjs";

const { values: options } = parseArgs({
  options: {
    reps: { type: "string", default: "10" },
    load: { type: "boolean", default: false },
    only: { type: "string" },
    runtimes: { type: "string", default: "node20,node24" },
    hold: { type: "string", default: "800" },
  },
});
const REPS = Number(options.reps);
const modules = join(repoRoot, "node_modules");
const probeSource = join(repoRoot, "bench", "launcher-probe.mjs");
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const tool = {
  nodemon: join(modules, "nodemon/bin/nodemon.js"),
  concurrently: join(modules, "concurrently/dist/bin/index.js"),
  tsx: join(modules, "tsx/dist/cli.mjs"),
  pm2: join(modules, "pm2/bin/pm2"),
  npm: spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim(),
};

/**
 * The cases: how the launcher is started (`command(node)` in `dir`), what is sent (`send`), and
 * for which runtimes. `node` is the runtime's binary; its directory leads PATH so that a launcher
 * running `node` runs the same one.
 */
const CASES = {
  "node --watch, Ctrl-C": { command: (node) => [node, "--watch", "probe.mjs"], send: "group:SIGINT" },
  "node --watch, SIGTERM": { command: (node) => [node, "--watch", "probe.mjs"], send: "pid:SIGTERM" },
  "node --watch, restart": { command: (node) => [node, "--watch", "probe.mjs"], send: "touch" },
  "nodemon, Ctrl-C": { command: (node) => [node, tool.nodemon, "--watch", "probe.mjs", "probe.mjs"], send: "group:SIGINT" },
  "nodemon, SIGTERM": { command: (node) => [node, tool.nodemon, "--watch", "probe.mjs", "probe.mjs"], send: "pid:SIGTERM" },
  "nodemon, restart": { command: (node) => [node, tool.nodemon, "--watch", "probe.mjs", "probe.mjs"], send: "touch" },
  "nodemon --signal SIGTERM, restart": { command: (node) => [node, tool.nodemon, "--signal", "SIGTERM", "--watch", "probe.mjs", "probe.mjs"], send: "touch" },
  "concurrently, Ctrl-C": { command: (node) => [node, tool.concurrently, "--raw", "node probe.mjs"], send: "group:SIGINT" },
  "concurrently, SIGTERM": { command: (node) => [node, tool.concurrently, "--raw", "node probe.mjs"], send: "pid:SIGTERM" },
  "tsx, Ctrl-C": { command: (node) => [node, tool.tsx, "probe.mjs"], send: "group:SIGINT" },
  "tsx, SIGTERM": { command: (node) => [node, tool.tsx, "probe.mjs"], send: "pid:SIGTERM" },
  "tsx watch, Ctrl-C": { command: (node) => [node, tool.tsx, "watch", "probe.mjs"], send: "group:SIGINT" },
  "npm start, Ctrl-C": { command: (node) => [node, tool.npm, "start", "--silent"], send: "group:SIGINT", script: "node probe.mjs" },
  "npm start, SIGTERM": { command: (node) => [node, tool.npm, "start", "--silent"], send: "pid:SIGTERM", script: "node probe.mjs" },
  "npm start (exec), SIGTERM": { command: (node) => [node, tool.npm, "start", "--silent"], send: "pid:SIGTERM", script: "exec node probe.mjs" },
  "npx, Ctrl-C": { command: (node) => [node, join(dirname(tool.npm), "npx"), "--no-install", "probe"], send: "group:SIGINT" },
  "npx, SIGTERM": { command: (node) => [node, join(dirname(tool.npm), "npx"), "--no-install", "probe"], send: "pid:SIGTERM" },
  "plain node, Ctrl-C": { command: (node) => [node, "probe.mjs"], send: "group:SIGINT" },
  // Bun's and Deno's own watchers, and a Bun or Deno app under the Node launchers (Node 20 runs the launcher).
  // Bun and Deno print hrtime on another origin: only the delays between signals compare.
  "bun --watch, Ctrl-C": { command: () => [other("bun"), "--watch", "probe.mjs"], send: "group:SIGINT", once: true },
  "deno --watch, Ctrl-C": { command: () => [other("deno"), "run", "-A", "--watch", "probe.mjs"], send: "group:SIGINT", once: true },
  "nodemon (bun app), Ctrl-C": { command: (node) => [node, tool.nodemon, "--watch", "probe.mjs", "--exec", `${other("bun")} probe.mjs`], send: "group:SIGINT", once: true },
  "concurrently (deno app), Ctrl-C": { command: (node) => [node, tool.concurrently, "--raw", `${other("deno")} run -A probe.mjs`], send: "group:SIGINT", once: true },
};

/** Bun's or Deno's binary. */
function other(name) {
  return allRuntimes.find((runtime) => runtime.name === name).path;
}

const selected = Object.entries(CASES).filter(([name]) => !options.only || options.only.split(",").some((part) => name.includes(part)));
const runtimes = allRuntimes.filter((runtime) => options.runtimes.split(",").includes(runtime.name) && !runtime.skip);

const scratch = mkdtempSync(join(tmpdir(), "atexit-launchers-bench-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

/** A directory with the probe, a package.json whose start script is `script`, and a `probe` bin for npx. */
function appDir(script) {
  const dir = mkdtempSync(join(scratch, "app-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "probe", type: "module", private: true, scripts: { start: script ?? "node probe.mjs" }, bin: { probe: "probe.mjs" } }));
  mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
  writeFileSync(join(dir, "probe.mjs"), `#!/usr/bin/env node\n${readFileSync(probeSource, "utf8")}`, { mode: 0o755 });
  symlinkSync(join(dir, "probe.mjs"), join(dir, "node_modules", ".bin", "probe"));
  return dir;
}

function readLog(log) {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

function alive(pid) {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** One run of one case: the signals the app received (each with its delay from the send), how the launcher ended, whether the app outlived it. */
async function runOnce(name, spec, runtime) {
  const dir = appDir(spec.script);
  const log = join(scratch, `log-${Math.random().toString(36).slice(2)}.jsonl`);
  const binDir = dirname(runtime.path);
  const [command, ...args] = spec.command(runtime.path);
  const launcher = spawn(command, args, {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PATH: `${binDir}:${process.env.PATH}`, PROBE_LOG: log, HOLD_MS: options.hold, NODE_OPTIONS: "", NO_COLOR: "1" },
  });
  let output = "";
  launcher.stdout.on("data", (chunk) => (output += chunk));
  launcher.stderr.on("data", (chunk) => (output += chunk));
  const ended = new Promise((resolve) => launcher.on("exit", (code, signal) => resolve({ code, signal, t: now() })));
  const startedBy = Date.now() + 15_000;
  while (!readLog(log).some((record) => record.event === "start")) {
    if (Date.now() > startedBy) break;
    await sleep(10);
  }
  // Let the launcher settle (nodemon starts watching after the child).
  await sleep(400);
  const start = readLog(log).find((record) => record.event === "start");
  const t0 = now();
  const [how, signal] = spec.send.split(":");
  if (how === "group") process.kill(-launcher.pid, signal);
  else if (how === "pid") process.kill(launcher.pid, signal);
  else if (how === "touch") {
    const file = join(dir, "probe.mjs");
    utimesSync(file, new Date(), new Date());
    writeFileSync(file, `${readFileSync(file, "utf8")}\n`);
  }
  let end;
  if (how === "touch") {
    // A restart: wait for the next start, then stop the launcher.
    const by = Date.now() + 10_000;
    while (readLog(log).filter((record) => record.event === "start").length < 2 && Date.now() < by) await sleep(10);
    await sleep(100);
    process.kill(-launcher.pid, "SIGKILL");
    end = { restarted: readLog(log).filter((record) => record.event === "start").length >= 2 };
  } else {
    end = await Promise.race([ended, sleep(6000).then(() => undefined)]);
    if (end === undefined) end = { hung: true };
    else end = { code: end.code, signal: end.signal, ms: +(end.t - t0).toFixed(1) };
  }
  await sleep(100);
  const records = readLog(log);
  const orphaned = start !== undefined && alive(start.pid);
  try {
    process.kill(-launcher.pid, "SIGKILL");
  } catch {}
  if (start && alive(start.pid)) process.kill(start.pid, "SIGKILL");
  const signals = records.filter((record) => record.event === "signal" && record.pid === start?.pid).map((record) => ({ signal: record.signal, ms: +(record.t - t0).toFixed(2) }));
  return { case: name, runtime: runtime.name, load: options.load, signals, end, orphaned, sigIgn: start?.sigIgn, pgidIsLaunchers: start?.pgid === launcher.pid, output: output.slice(-200) };
}

/** Two busy loops, one per core, for --load; bounded by time. */
function startLoad() {
  const burners = [0, 1].map(() => spawn(process.execPath, ["-e", "const end = Date.now() + 1800e3; while (Date.now() < end);"], { stdio: "ignore" }));
  return () => burners.forEach((burner) => burner.kill("SIGKILL"));
}

const stopLoad = options.load ? startLoad() : () => {};
const results = [];
try {
  for (const runtime of runtimes) {
    for (const [name, spec] of selected) {
      // A Bun or Deno case is measured once per run of the script, under the first runtime.
      if (spec.once && runtime !== runtimes[0]) continue;
      for (let rep = 0; rep < REPS; rep++) {
        const result = await runOnce(name, spec, runtime);
        results.push(result);
        console.log(JSON.stringify(result));
      }
    }
  }
} finally {
  stopLoad();
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
};
console.log(`\n| case | runtime | load | signals the app received (count: runs) | delay of each after the first: median / max ms | first after the send: median / max ms | launcher ended |`);
console.log("|---|---|---|---|---|---|---|");
for (const runtime of runtimes) {
  for (const [name] of selected) {
    const runs = results.filter((result) => result.case === name && result.runtime === runtime.name);
    if (runs.length === 0) continue;
    const patterns = new Map();
    for (const run of runs) {
      const key = run.signals.map((signal) => signal.signal.replace("SIG", "")).join("+") || (run.orphaned ? "none, orphaned" : "none");
      patterns.set(key, (patterns.get(key) ?? 0) + 1);
    }
    const echoes = [];
    for (const run of runs) run.signals.slice(1).forEach((signal, index) => (echoes[index] ??= []).push(signal.ms - run.signals[0].ms));
    const firsts = runs.filter((run) => run.signals.length > 0).map((run) => run.signals[0].ms);
    const ends = new Map();
    for (const run of runs) {
      const key = run.end.restarted !== undefined ? (run.end.restarted ? "restarted" : "not restarted") : run.end.hung ? "still running" : run.end.signal ? `by ${run.end.signal}` : `code ${run.end.code}`;
      ends.set(key, (ends.get(key) ?? 0) + 1);
    }
    const fmt = (values) => (values.length ? `${median(values).toFixed(1)} / ${Math.max(...values).toFixed(1)}` : "–");
    console.log(
      `| ${name} | ${runtime.name} | ${options.load ? "loaded" : "quiet"} | ${[...patterns].map(([key, count]) => `${key}: ${count}`).join(", ")} | ${echoes.map((values, index) => `#${index + 2}: ${fmt(values)}`).join("; ") || "–"} | ${fmt(firsts)} | ${[...ends].map(([key, count]) => `${key}: ${count}`).join(", ")} |`,
    );
  }
}
