// Issue 21: the launchers a developer runs (node --watch, nodemon, concurrently, tsx), driven with
// the real tools as a terminal drives them: Ctrl-C is SIGINT to the whole process group, and the
// launcher then sends the app copies of its own (echoes), which must not cut its sequence short;
// a restart (the watched file changed) runs the sequence to its end, once. Each race-prone case
// runs ATEXIT_LAUNCHER_REPS times (10), all of which must pass.
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { all, app, appCopy, commandLine, node, repeat, restartThenStop, stopOnce, tools } from "./harness.mjs";

describe("node --watch (Node only: Bun and Deno have watchers of their own)", { concurrency: true }, () => {
  for (const runtime of node) {
    it(`on ${runtime.name}: Ctrl-C runs every entry once (the watcher's own SIGINT is an echo)`, () =>
      repeat(() => stopOnce(runtime, [runtime.path, "--watch", app], { how: "group:SIGINT", signal: "SIGINT", end: { code: 0, signal: null } })));
  }
});


describe("nodemon", { concurrency: true }, () => {
  for (const runtime of all) {
    const command = runtime.name.startsWith("node") ? [runtime.path, tools.nodemon, "--watch", app, app] : [process.execPath, tools.nodemon, "--watch", app, "--exec", commandLine(runtime, app)];
    it(`on ${runtime.name}: Ctrl-C (which reaches the app three times) runs every entry once`, () =>
      repeat(() => stopOnce(runtime, command, { how: "group:SIGINT", signal: "SIGINT", end: { code: 130, signal: null } })));
  }
  for (const runtime of node) {
    it(`on ${runtime.name}: SIGTERM to nodemon (the app gets SIGTERM, then two SIGINTs) runs every entry once`, () =>
      repeat(() => stopOnce(runtime, [runtime.path, tools.nodemon, "--watch", app, app], { how: "pid:SIGTERM", signal: "SIGTERM", end: { code: 143, signal: null } })));
  }
});


describe("concurrently", { concurrency: true }, () => {
  for (const runtime of all) {
    it(`on ${runtime.name}: Ctrl-C runs every entry once (concurrently's own SIGINT is an echo)`, () =>
      repeat(() => stopOnce(runtime, [process.execPath, tools.concurrently, "--raw", commandLine(runtime, app)], { how: "group:SIGINT", signal: "SIGINT", end: { code: 0, signal: null } })));
  }
});


/** tsx's loader, by URL (what `--import tsx` resolves to from a project that has tsx installed). */
const tsxLoader = pathToFileURL(tools.tsx.replace(/cli\.mjs$/, "loader.mjs")).href;

describe("tsx (Node only)", { concurrency: true }, () => {
  for (const runtime of node) {
    // tsx relays the Ctrl-C it got too, and SIGKILLs an app that has not answered within 30 ms
    // (then 30 ms more): under load it did (4 of 10 runs with the other launchers beside it, 2 of 10
    // with another npm test beside these). A launcher's deadline is the machine's to meet: these
    // runs have the file's slots to themselves, and one killed before it handled the signal at all
    // (nothing of atexit's ran, or could) is run again, up to 3 times.
    it(`on ${runtime.name}: Ctrl-C runs every entry once`, () =>
      repeat(() => stopOnce(runtime, [runtime.path, tools.tsx, app], { how: "group:SIGINT", signal: "SIGINT", end: { code: 130, signal: null }, alone: true, killedUnhandled: 3 })));
    // SIGTERM to tsx itself is relayed to the app, which must acknowledge it within 30 ms, and
    // again within 30 ms after a second copy, or it is killed with SIGKILL: under load, it was
    // (2 of 10 runs on a busy machine). A service runs tsx inside its own process instead.
    it(`on ${runtime.name}: node --import tsx, SIGTERM (a service's stop) runs every entry once`, () =>
      repeat(() => stopOnce(runtime, [runtime.path, "--import", tsxLoader, app], { how: "pid:SIGTERM", signal: "SIGTERM", end: { code: null, signal: "SIGTERM" } })));
  }
});


describe("restarts: each restart runs the sequence to its end, once", { concurrency: true }, () => {
  for (const runtime of node) {
    it(`on ${runtime.name}: node --watch restarts with SIGTERM`, () =>
      repeat(() => {
        const cwd = appCopy();
        return restartThenStop(runtime, [runtime.path, "--watch", "app.mjs"], { signal: "SIGTERM", end: { code: 0, signal: null }, cwd });
      }, 3));
    it(`on ${runtime.name}: nodemon --signal SIGTERM restarts with SIGTERM (sent twice: the second is an echo)`, () =>
      repeat(() => {
        const cwd = appCopy();
        return restartThenStop(runtime, [runtime.path, tools.nodemon, "--signal", "SIGTERM", "--watch", "app.mjs", "app.mjs"], { signal: "SIGTERM", end: { code: 130, signal: null }, cwd });
      }));
  }
});

/** A package whose start script is `script` (the app by absolute path). */
