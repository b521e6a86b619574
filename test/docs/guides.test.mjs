// Every runnable program of docs/*.md (the migration guides' before/after pairs, the
// troubleshooting page's programs) is run as a child process on each runtime its block names,
// and what it printed (stdout and stderr merged, as a terminal shows them) and how it ended
// must match the transcript printed under it in the doc. The doc is the test's only copy of
// the program, so the two cannot drift; a troubleshooting program must also be byte-identical
// to its fixture in test/fixtures/troubleshooting/, so that it can be run by hand from there.
//
// Each program runs in a directory of its own whose node_modules links to the repository's
// (program-dirs.mjs): `atexit` is this checkout (its dist/), every peer is the installed
// devDependency, and a program whose role ends in `-v3` gets signal-exit 3 as `signal-exit`.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";

import { assertAllPresent, repoRoot, runtimes as allRuntimes } from "../runtimes.mjs";
import { linkModules, programDir } from "./program-dirs.mjs";
import { asTranscript, matchesTranscript, runnablePrograms } from "./transcripts.mjs";

const docsDir = join(repoRoot, "docs");
const fixturesDir = join(repoRoot, "test", "fixtures", "troubleshooting");
/** A child still running after this long is killed and the test fails. */
const DEADLINE_MS = 30_000;
/** Children at once: most programs wait on timers, not on the CPU. */
const MAX_CHILDREN = Math.max(8, availableParallelism() * 4);

// ATEXIT_RUNTIMES (comma-separated names) narrows the matrix, as for the exit scenarios.
const only = process.env.ATEXIT_RUNTIMES?.split(",");
assertAllPresent();
const python = spawnSync("python3", ["--version"], { encoding: "utf8" });
const runtimes = new Map(allRuntimes.map((runtime) => [runtime.name, runtime]));
runtimes.set(
  "python3",
  python.status === 0 ? { name: "python3", path: "python3", args: [], version: python.stdout.trim() } : { name: "python3", skip: "python3 is not on PATH" },
);

const docs = readdirSync(docsDir)
  .filter((name) => name.endsWith(".md"))
  .map((name) => ({ name, programs: runnablePrograms(readFileSync(join(docsDir, name), "utf8"), `docs/${name}`) }))
  .filter((doc) => doc.programs.length > 0);

// ---------------------------------------------------------------------------------------------
// The programs' directories

let scratch;
let runCount = 0;
/** The program's directory: its node_modules is the one with signal-exit 3 as `signal-exit` for a role ending in `-v3`. */
function runDir(program) {
  const dir = join(scratch, `run-${++runCount}`);
  programDir(dir, join(scratch, program.role.endsWith("-v3") ? "modules-v3" : "modules"), program.file, program.code);
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Running one program

/** How long a program waits by design (a timeout it shows, a hang it demonstrates), in ms. */
function designedWait(program) {
  const timeouts = program.expected.map((line) => Number(/timed out after (\d+) ms/.exec(line)?.[1] ?? 0));
  return Math.max(...timeouts, (program.end.stillRunningSeconds ?? 0) * 1000);
}

let runningChildren = 0;
/** Waiting runs, the longest designed wait first: its idle seconds then overlap with the rest. */
const waitingForSlot = [];
async function withSlot(wait, task) {
  while (runningChildren >= MAX_CHILDREN) {
    await new Promise((resolve) => {
      waitingForSlot.push({ wait, resolve });
      waitingForSlot.sort((a, b) => b.wait - a.wait);
    });
  }
  runningChildren++;
  try {
    return await task();
  } finally {
    runningChildren--;
    waitingForSlot.shift()?.resolve();
  }
}

/** The child's environment: ours, less what would change its behaviour, plus the command's. */
function childEnv(extra) {
  const env = { ...process.env };
  for (const name of ["NODE_TEST_CONTEXT", "NODE_OPTIONS", "NODE_CHANNEL_FD", "ATEXIT_TRACE", "FORCE_COLOR"]) delete env[name];
  // PYTHONUNBUFFERED: Python's stdout is line-buffered on a terminal, block-buffered on a pipe.
  return { ...env, NO_COLOR: "1", PYTHONUNBUFFERED: "1", ...extra };
}

/**
 * Runs `program` on `runtime`: resolves { lines, code, signal, stillRunning, timedOut }. A
 * program whose transcript ends `[still running N s later]` is killed N s after its output has
 * come to match the transcript (if it is still running then).
 */
function run(program, runtime) {
  const { flags, env, file } = program.command;
  if (flags.length > 0 && !runtime.name.startsWith("node")) throw new Error(`${program.file}: flags ${flags.join(" ")} are Node's; give the block only=node…`);
  const dir = runDir(program);
  return withSlot(
    designedWait(program),
    () =>
      new Promise((resolve) => {
        // One pipe for stdout and stderr, as a terminal: the lines keep the order they were written in.
        const child = spawn("/bin/sh", ["-c", 'exec "$@" 2>&1', "sh", runtime.path, ...runtime.args, ...flags, file], {
          cwd: dir,
          env: childEnv(env),
          stdio: ["ignore", "pipe", "inherit"],
        });
        const result = { output: "", stillRunning: false, timedOut: false };
        let waitingToKill = false;
        child.stdout.setEncoding("utf8");
        child.stdout.on("data", (chunk) => {
          result.output += chunk;
          if (program.end.stillRunningSeconds === undefined || waitingToKill || !matchesTranscript(program.expected, lines(result.output))) return;
          waitingToKill = true;
          setTimeout(() => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            result.stillRunning = true;
            child.kill("SIGKILL");
          }, program.end.stillRunningSeconds * 1000);
        });
        const deadline = setTimeout(() => {
          result.timedOut = true;
          child.kill("SIGKILL");
        }, DEADLINE_MS);
        child.on("close", (code, signal) => {
          clearTimeout(deadline);
          resolve({ lines: lines(result.output), code, signal, stillRunning: result.stillRunning, timedOut: result.timedOut });
        });
      }),
  );
}

const lines = (output) => (output === "" ? [] : output.replace(/\n$/, "").split("\n"));

function checkRun(program, result) {
  const context = `\n--- what it printed, as a transcript ---\n${asTranscript(program, result)}\n--- the doc's transcript (line ${program.line}) ---\n${asTranscript(program, { lines: program.expected, ...expectedEnd(program) })}`;
  assert.equal(result.timedOut, false, `still running after ${DEADLINE_MS} ms, killed${context}`);
  const ended = result.stillRunning ? { stillRunning: true } : result.signal ? { signal: result.signal } : { code: result.code };
  assert.deepEqual(ended, expectedEnd(program), `how it ended${context}`);
  assert.ok(matchesTranscript(program.expected, result.lines), `what it printed${context}`);
}

function expectedEnd({ end }) {
  if (end.stillRunningSeconds !== undefined) return { stillRunning: true };
  return end.signal ? { signal: end.signal } : { code: end.code };
}

// ---------------------------------------------------------------------------------------------

describe("the runnable programs of docs/", { concurrency: true }, () => {
  before(() => {
    assert.ok(existsSync(join(repoRoot, "dist", "index.js")), "dist/index.js is missing: run `npm run build` first");
    scratch = mkdtempSync(join(tmpdir(), "atexit-docs-"));
    linkModules(join(scratch, "modules"));
    linkModules(join(scratch, "modules-v3"), { "signal-exit": join(repoRoot, "node_modules", "signal-exit3") });
  });
  after(() => scratch && rmSync(scratch, { recursive: true, force: true }));

  it("every migration guide has a before and an after program, each pair shows a difference; every troubleshooting program is its fixture", () => {
    for (const doc of docs.filter(({ name }) => name.startsWith("migrating-from-"))) {
      const roles = doc.programs.map(({ role }) => role);
      assert.ok(roles.some((role) => role.startsWith("before")) && roles.some((role) => role.startsWith("after")), `docs/${doc.name}: ${roles.join(", ")}`);
      // before-x and after-x: what they print, or how they end, must differ.
      for (const before of doc.programs.filter(({ role }) => role.startsWith("before"))) {
        const after = doc.programs.find(({ role }) => role === before.role.replace(/^before/, "after"));
        if (after) assert.notDeepEqual([after.expected, after.end], [before.expected, before.end], `docs/${doc.name}: ${before.role} and ${after.role} print the same`);
      }
    }
    const troubleshooting = docs.find(({ name }) => name === "troubleshooting.md");
    assert.ok(troubleshooting, "docs/troubleshooting.md has runnable programs");
    for (const program of troubleshooting.programs) {
      assert.equal(program.code, readFileSync(join(fixturesDir, program.file), "utf8"), `docs/troubleshooting.md:${program.line} is test/fixtures/troubleshooting/${program.file}`);
    }
    assert.deepEqual(readdirSync(fixturesDir).sort(), troubleshooting.programs.map(({ file }) => file).sort(), "every fixture is shown in the doc");
  });

  for (const doc of docs) {
    describe(`docs/${doc.name}`, { concurrency: true }, () => {
      for (const program of doc.programs) {
        for (const name of program.runtimes.filter((name) => !only || name === "python3" || only.includes(name))) {
          const runtime = runtimes.get(name);
          const skip = runtime === undefined ? `no runtime named ${name}` : runtime.skip;
          it(`${program.file} on ${name} prints its transcript (line ${program.line})`, { skip }, async () => checkRun(program, await run(program, runtime)));
        }
      }
    });
  }
});
