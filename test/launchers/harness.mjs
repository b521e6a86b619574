// What the launcher tests share (issue 21): the app (test/fixtures/launchers/app.mjs) and the
// tools, a launcher started as a terminal starts a foreground job (detached: a process group of
// its own, led by the launcher), the app's records (a file: not every launcher passes stdout
// through), the common check (every entry once, how the launcher ended, no app process left,
// the exact atexit: lines), and the repetition of race-prone cases (ATEXIT_LAUNCHER_REPS runs,
// default 10, all of which must pass), bounded to MAX_LAUNCHERS at once across a file.
import { after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { assertAtexitLines, repoRoot, runtimesFor, survivors } from "../services/harness.mjs";
import { SECOND_SIGNAL_GAP_MS } from "../model/process-model.mjs";

export { SECOND_SIGNAL_GAP_MS };

export const REPS = Number(process.env.ATEXIT_LAUNCHER_REPS ?? 10);
/** A launcher still running after this long is killed (with its group) and the test fails. */
export const DEADLINE_MS = 30_000;
/** Launchers at once, across the file: each is two or three processes, most of them waiting. */
const MAX_LAUNCHERS = 6;

export const app = join(repoRoot, "test", "fixtures", "launchers", "app.mjs");
const modules = join(repoRoot, "node_modules");
export const tools = {
  nodemon: join(modules, "nodemon", "bin", "nodemon.js"),
  concurrently: join(modules, "concurrently", "dist", "bin", "index.js"),
  tsx: join(modules, "tsx", "dist", "cli.mjs"),
  pm2: join(modules, "pm2", "bin", "pm2"),
  npm: spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim(),
  tini: spawnSync("sh", ["-c", "command -v tini"], { encoding: "utf8" }).stdout.trim(),
};

export const scratch = mkdtempSync(join(tmpdir(), "atexit-launchers-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** The command that runs `file` on `runtime` (Deno: `deno run -A file`). */
export const run = (runtime, file) => [runtime.path, ...runtime.args, file];
/** The same, as one shell word list (for launchers that take a command line). */
export const commandLine = (runtime, file) => run(runtime, file).join(" ");

let launchers = 0;
const waiting = [];
/**
 * Runs `task` in one of MAX_LAUNCHERS slots; `alone`, in all of them: for a launcher with a
 * deadline of its own that load could make it miss (tsx SIGKILLs an app that has not answered its
 * relayed signal within 30 ms, then 30 ms more), no other launcher of this file runs meanwhile.
 */
export async function withSlot(task, { alone = false } = {}) {
  const slots = alone ? MAX_LAUNCHERS : 1;
  while (launchers + slots > MAX_LAUNCHERS) await new Promise((resolve) => waiting.push(resolve));
  launchers += slots;
  try {
    return await task();
  } finally {
    launchers -= slots;
    for (const wake of waiting.splice(0)) wake();
  }
}

let count = 0;
/** A new, empty file for an app's records. */
export function newLog() {
  const log = join(scratch, `log-${++count}`);
  writeFileSync(log, "");
  return log;
}
/** The environment of a launcher: ours, less what would change its behaviour, plus `extra`. */
export function launcherEnv(runtime, extra) {
  const env = { ...process.env };
  for (const name of ["NODE_TEST_CONTEXT", "NODE_OPTIONS", "NODE_CHANNEL_FD", "ATEXIT_TRACE", "FORCE_COLOR"]) delete env[name];
  // The runtime's directory first: a launcher that runs `node` runs this one.
  return { ...env, PATH: `${dirname(runtime.path)}:${env.PATH}`, NO_COLOR: "1", ...extra };
}

/**
 * Starts `command` as a terminal starts a foreground job: in a process group of its own, led by
 * the launcher. The app records its lines in `log`.
 */
export function launch(runtime, command, { env = {}, cwd = scratch } = {}) {
  const log = newLog();
  const child = spawn(command[0], command.slice(1), { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"], env: launcherEnv(runtime, { LAUNCHER_LOG: log, ...env }) });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  let closed = false;
  const killer = setTimeout(() => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
    child.stdout.destroy();
    child.stderr.destroy();
  }, DEADLINE_MS);
  const ended = new Promise((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      closed = true;
      resolve({ code, signal });
    }),
  );
  const launched = {
    child,
    ended,
    log,
    get stderr() {
      return stderr;
    },
    records: () => readRecords(log),
    context: () => `\n--- ${command.join(" ").replaceAll(repoRoot, "")}\n--- app records ---\n${readFileSync(log, "utf8")}--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
    /** Resolves once `predicate(records)` holds; rejects if the launcher ends first, or after the deadline. */
    async until(predicate, what, { within = DEADLINE_MS } = {}) {
      const by = Date.now() + within;
      while (!predicate(readRecords(log))) {
        if (closed || Date.now() > by) throw new Error(`never saw ${what}${launched.context()}`);
        await sleep(10);
      }
      return readRecords(log);
    },
  };
  return launched;
}

/** The app's records: [{ pid, what }], in the order written. */
export function readRecords(log) {
  return readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const space = line.indexOf(" ");
      return { pid: Number(line.slice(0, space)), what: line.slice(space + 1) };
    });
}

/** The app processes that said "ready", in order. */
export const readyPids = (records) => records.filter(({ what }) => what === "ready").map(({ pid }) => pid);

/** Each app process's lines after "ready", by pid. */
export function linesByPid(records) {
  const byPid = new Map();
  for (const { pid, what } of records) if (what !== "ready") byPid.set(pid, [...(byPid.get(pid) ?? []), what]);
  return byPid;
}

/** Every entry once, in reverse order, after the sequence started by `signal`. */
export const fullSequence = (signal) => [`started by ${signal}`, "entry B finished", "entry A ran"];

/** Sends what a terminal or a person sends: `group:SIGINT` (Ctrl-C), `pid:SIGTERM`. */
export function send(launched, how) {
  const [target, signal] = how.split(":");
  process.kill(target === "group" ? -launched.child.pid : launched.child.pid, signal);
}

/**
 * The common check: start, wait for `apps` app processes to be ready, send `how`, and check that
 * each app process ran the full sequence for `signal` once, the launcher ended as `end` says, no
 * app process is left, and stderr has exactly the `atexit:` lines of `stderr`.
 */
export async function stopOnce(runtime, command, { how, signal, end, apps = 1, env, cwd, stderr = [], alone = false, killedUnhandled = 0 }) {
  return withSlot(async () => {
    let launched, pids, ended, byPid, context;
    // `killedUnhandled`: the launcher may kill an app with SIGKILL before its JavaScript has
    // handled the signal at all (tsx, when the app has not answered its relay within 60 ms on a
    // busy machine): then no line follows "ready", the run shows nothing of atexit, and it is run
    // again, at most this many times. A run whose sequence started must have run every entry.
    for (let attempt = 0; ; attempt++) {
      launched = launch(runtime, command, { env, cwd });
      pids = readyPids(await launched.until((records) => readyPids(records).length >= apps, `${apps} app(s) ready`));
      send(launched, how);
      ended = await launched.ended;
      context = `\n--- launcher ended: code ${ended.code}, signal ${ended.signal}${launched.context()}`;
      assert.deepEqual(await survivors(pids), [], `no app process left${context}`);
      byPid = linesByPid(launched.records());
      if (attempt >= killedUnhandled || pids.some((pid) => byPid.has(pid))) break;
    }
    for (const pid of pids) assert.deepEqual(byPid.get(pid), fullSequence(signal), `app ${pid}: every entry once, after the sequence started by ${signal}${context}`);
    assert.deepEqual(ended, end, `how the launcher ended${context}`);
    assertAtexitLines(launched.stderr, stderr, context);
  }, { alone });
}

/** Runs `check` REPS times (bounded by the slots), and fails with the first failure. */
export async function repeat(check, reps = REPS) {
  const outcomes = await Promise.allSettled(Array.from({ length: reps }, (_, index) => check(index)));
  const failures = outcomes.map((outcome, index) => ({ outcome, index })).filter(({ outcome }) => outcome.status === "rejected");
  if (failures.length > 0) {
    const first = failures[0];
    first.outcome.reason.message = `run ${first.index + 1} of ${reps} failed (${failures.length} of ${reps} did):\n${first.outcome.reason.message}`;
    throw first.outcome.reason;
  }
}

export const node = runtimesFor(["node20", "node24"]);
export const all = runtimesFor(["node20", "node24", "bun", "deno"]);

/**
 * A restart: change the watched file once the app is ready, wait for the new app, then Ctrl-C.
 * The first app ran its sequence once for `signal`; the second, once for SIGINT.
 */
export async function restartThenStop(runtime, command, { signal, end, cwd }) {
  return withSlot(async () => {
    const launched = launch(runtime, command, { cwd });
    const [first] = readyPids(await launched.until((records) => readyPids(records).length === 1, "the app ready"));
    // The watcher starts watching the app's files a moment after the app is ready (it learns them
    // from the app): a change made before that is not seen, so it is made again until a restart.
    let pids;
    for (let change = 1; pids === undefined; change++) {
      writeFileSync(join(cwd, "app.mjs"), `${readFileSync(join(cwd, "app.mjs"), "utf8")}\n`);
      try {
        pids = readyPids(await launched.until((records) => readyPids(records).length >= 2, "the restarted app ready", { within: change < 5 ? 3000 : DEADLINE_MS }));
      } catch (error) {
        if (change >= 5 || readyPids(launched.records()).length >= 2) throw error;
      }
    }
    send(launched, "group:SIGINT");
    const ended = await launched.ended;
    const context = `\n--- launcher ended: code ${ended.code}, signal ${ended.signal}${launched.context()}`;
    assert.deepEqual(await survivors(pids), [], `no app process left${context}`);
    const byPid = linesByPid(launched.records());
    assert.deepEqual(byPid.get(first), fullSequence(signal), `the first app ran every entry once on the restart${context}`);
    assert.deepEqual(byPid.get(pids[1]), fullSequence("SIGINT"), `the restarted app ran every entry once on Ctrl-C${context}`);
    assert.deepEqual(ended, end, `how the launcher ended${context}`);
    assertAtexitLines(launched.stderr, [], context);
  });
}

/** A directory of its own with a copy of the app (a watcher restarts it when it changes), importing atexit by absolute path. */
export function appCopy() {
  const dir = mkdtempSync(join(scratch, "app-"));
  writeFileSync(join(dir, "app.mjs"), readFileSync(app, "utf8").replace('"../../../dist/index.js"', JSON.stringify(join(repoRoot, "dist", "index.js"))));
  return dir;
}

export function npmPackage(script) {
  const dir = mkdtempSync(join(scratch, "npm-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "launcher-app", private: true, scripts: { start: script } }));
  return dir;
}

